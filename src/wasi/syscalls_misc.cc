// WASI args, environ, clocks, random, proc_exit/proc_raise and sched_yield.
#include <sched.h>
#include <sys/random.h>
#include <time.h>

#include <cerrno>
#include <string>

#include "compile/vm_abi.h"
#include "wasi/syscalls.h"

namespace tern::wasi {
namespace {

// argv/environ layout: an array of u32 pointers, then the NUL-terminated strings back to back.
Result<Errno> writeStringList(const GuestMemory& m, const std::vector<std::string>& list,
                              uint32_t ptrs, uint32_t buf) {
  uint64_t total = 0;
  for (const auto& s : list) total += s.size() + 1;
  WASI_TRY(auto ptr_span, m.span(ptrs, uint64_t{4} * list.size()));
  WASI_TRY(auto buf_span, m.span(buf, total));
  uint64_t at = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    uint32_t p = static_cast<uint32_t>(buf + at);
    std::memcpy(ptr_span.data() + 4 * i, &p, 4);
    std::memcpy(buf_span.data() + at, list[i].data(), list[i].size());
    buf_span[at + list[i].size()] = 0;
    at += list[i].size() + 1;
  }
  return Errno::kSuccess;
}

Result<Errno> writeSizes(const GuestMemory& m, const std::vector<std::string>& list,
                         uint32_t count_out, uint32_t size_out) {
  uint64_t total = 0;
  for (const auto& s : list) total += s.size() + 1;
  if (total > UINT32_MAX || list.size() > UINT32_MAX) return Errno::kOverflow;
  WASI_TRY_VOID(m.store<uint32_t>(count_out, static_cast<uint32_t>(list.size())));
  WASI_TRY_VOID(m.store<uint32_t>(size_out, static_cast<uint32_t>(total)));
  return Errno::kSuccess;
}

ErrnoOr<clockid_t> hostClock(uint32_t id) {
  switch (id) {
    case abi::kClockRealtime:
      return CLOCK_REALTIME;
    case abi::kClockMonotonic:
      return CLOCK_MONOTONIC;
    case abi::kClockProcessCputime:
      return CLOCK_PROCESS_CPUTIME_ID;
    case abi::kClockThreadCputime:
      return CLOCK_THREAD_CPUTIME_ID;
    default:
      return errnoFail(Errno::kInval);
  }
}

}  // namespace

Result<Errno> Syscalls::argsGet(const GuestMemory& m, uint32_t argv, uint32_t argv_buf) {
  return writeStringList(m, options_.args, argv, argv_buf);
}

Result<Errno> Syscalls::argsSizesGet(const GuestMemory& m, uint32_t argc_out, uint32_t size_out) {
  return writeSizes(m, options_.args, argc_out, size_out);
}

Result<Errno> Syscalls::environGet(const GuestMemory& m, uint32_t environ, uint32_t environ_buf) {
  return writeStringList(m, options_.env, environ, environ_buf);
}

Result<Errno> Syscalls::environSizesGet(const GuestMemory& m, uint32_t count_out,
                                        uint32_t size_out) {
  return writeSizes(m, options_.env, count_out, size_out);
}

Result<Errno> Syscalls::clockResGet(const GuestMemory& m, uint32_t id, uint32_t out) {
  WASI_TRY(clockid_t clock, hostClock(id));
  struct timespec ts;
  if (clock_getres(clock, &ts) != 0) return fromHostErrno(errno);
  uint64_t ns = static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + ts.tv_nsec;
  WASI_TRY_VOID(m.store<uint64_t>(out, ns));
  return Errno::kSuccess;
}

Result<Errno> Syscalls::clockTimeGet(const GuestMemory& m, uint32_t id, uint64_t precision,
                                     uint32_t out) {
  WASI_TRY(clockid_t clock, hostClock(id));
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) return fromHostErrno(errno);
  uint64_t ns = static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + ts.tv_nsec;
  WASI_TRY_VOID(m.store<uint64_t>(out, ns));
  return Errno::kSuccess;
}

Result<Errno> Syscalls::randomGet(const GuestMemory& m, uint32_t buf, uint32_t len) {
  WASI_TRY(auto span, m.span(buf, len));
  size_t done = 0;
  while (done < span.size()) {
    ssize_t n = getrandom(span.data() + done, span.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fromHostErrno(errno);
    }
    done += static_cast<size_t>(n);
  }
  return Errno::kSuccess;
}

Result<void> Syscalls::procExit(uint32_t code) {
  return fail(Error{ErrorCode::kExit, "", static_cast<int32_t>(code)});
}

Result<Errno> Syscalls::procRaise(uint32_t signal) {
  // Delivering a signal to the guest has no meaning here; raising one ends it like a trap
  // (the host process is never signalled).
  return fail(Error{ErrorCode::kTrap, "wasi: proc_raise(" + std::to_string(signal) + ")",
                    static_cast<int32_t>(vm::TrapKind::kHost)});
}

Result<Errno> Syscalls::schedYield() {
  sched_yield();
  return Errno::kSuccess;
}

}  // namespace tern::wasi
