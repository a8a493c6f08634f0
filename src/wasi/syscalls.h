// Syscalls: the implementation of every wasi_snapshot_preview1 call, against GuestMemory.
//
// Each method is one WASI function with the witx parameter order (pointers and sizes as u32,
// 64-bit values as u64/i64). It returns Result<Errno>: the Errno is the guest-visible status
// (kSuccess or an error, results written through the out-pointers only on success); an Error is
// a trap (bad guest pointer, proc_raise) or kExit (proc_exit) and unwinds the guest. Because the
// methods only see a GuestMemory, unit tests drive them over a plain byte buffer with no Wasm
// module at all (the "null guest"). Split by area: syscalls_misc.cc (args, env, clocks, random,
// proc, sched), syscalls_fd.cc (fd_*), syscalls_path.cc (path_*), syscalls_poll.cc (poll_oneoff, sock_*).
#pragma once

#include <sys/stat.h>
#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "wasi/errno.h"
#include "wasi/fd_table.h"
#include "wasi/guest_memory.h"
#include "wasi/wasi.h"

// In a function returning Result<Errno>: evaluate a Result<T> or ErrnoOr<T>; on failure return
// the trap (Error) or the errno (to the guest); on success assign the value to `lhs`.
#define WASI_CONCAT_INNER(a, b) a##b
#define WASI_CONCAT(a, b) WASI_CONCAT_INNER(a, b)
#define WASI_TRY_IMPL(tmp, lhs, expr)                               \
  auto tmp = (expr);                                                \
  if (!tmp) return ::tern::wasi::propagate(std::move(tmp).error()); \
  lhs = std::move(*tmp)
#define WASI_TRY(lhs, expr) WASI_TRY_IMPL(WASI_CONCAT(wasi_try_, __COUNTER__), lhs, expr)
// The same for Result<void> / ErrnoOr<void>.
#define WASI_TRY_VOID(expr)                                                                 \
  do {                                                                                      \
    auto wasi_try_void_ = (expr);                                                           \
    if (!wasi_try_void_) return ::tern::wasi::propagate(std::move(wasi_try_void_).error()); \
  } while (0)
// Return a non-success Errno.
#define WASI_CHECK(errno_expr)                                            \
  do {                                                                    \
    ::tern::wasi::Errno wasi_check_ = (errno_expr);                       \
    if (wasi_check_ != ::tern::wasi::Errno::kSuccess) return wasi_check_; \
  } while (0)

namespace tern::wasi {

// The WASI filetype of a host st_mode.
abi::Filetype filetypeFromMode(mode_t mode);

// atime/mtime for utimensat from WASI timestamps and fstflags (kInval for contradictory flags).
ErrnoOr<std::pair<struct timespec, struct timespec>> fileTimes(uint64_t atim, uint64_t mtim,
                                                               uint32_t fst);

inline Result<Errno> propagate(Errno e) { return e; }
inline Result<Errno> propagate(Error e) { return std::unexpected(std::move(e)); }

// The errno for a call that needs `needed` rights on `entry` and lacks some: reading or writing
// without FD_READ/FD_WRITE is EBADF (as POSIX says for an fd opened without that access), a
// refused mutation of a directory is EPERM (wasmtime's NotPermitted), anything else is
// ENOTCAPABLE. Any mutation beneath a read-only pre-open is EPERM whatever the rights say.
Errno missingRights(const FdEntry& entry, abi::Rights needed);

class Syscalls {
 public:
  explicit Syscalls(WasiOptions options);
  ~Syscalls();
  Syscalls(const Syscalls&) = delete;
  Syscalls& operator=(const Syscalls&) = delete;
  // Opens pre-opens and installs stdio; kIo naming what failed.
  Result<void> init();

  FdTable& fds() { return fds_; }
  const OutputBuffer* stdoutBuffer() const { return stdout_buf_.get(); }
  const OutputBuffer* stderrBuffer() const { return stderr_buf_.get(); }

  // ---- args, environ, clocks, random, proc, sched (syscalls_misc.cc) ----
  Result<Errno> argsGet(const GuestMemory& m, uint32_t argv, uint32_t argv_buf);
  Result<Errno> argsSizesGet(const GuestMemory& m, uint32_t argc_out, uint32_t size_out);
  Result<Errno> environGet(const GuestMemory& m, uint32_t environ, uint32_t environ_buf);
  Result<Errno> environSizesGet(const GuestMemory& m, uint32_t count_out, uint32_t size_out);
  Result<Errno> clockResGet(const GuestMemory& m, uint32_t id, uint32_t out);
  Result<Errno> clockTimeGet(const GuestMemory& m, uint32_t id, uint64_t precision, uint32_t out);
  Result<Errno> randomGet(const GuestMemory& m, uint32_t buf, uint32_t len);
  Result<void> procExit(uint32_t code);
  Result<Errno> procRaise(uint32_t signal);
  Result<Errno> schedYield();

  // ---- fd_* (syscalls_fd.cc) ----
  Result<Errno> fdAdvise(uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice);
  Result<Errno> fdAllocate(uint32_t fd, uint64_t offset, uint64_t len);
  Result<Errno> fdClose(uint32_t fd);
  Result<Errno> fdDatasync(uint32_t fd);
  Result<Errno> fdFdstatGet(const GuestMemory& m, uint32_t fd, uint32_t out);
  Result<Errno> fdFdstatSetFlags(uint32_t fd, uint32_t flags);
  Result<Errno> fdFdstatSetRights(uint32_t fd, uint64_t base, uint64_t inheriting);
  Result<Errno> fdFilestatGet(const GuestMemory& m, uint32_t fd, uint32_t out);
  Result<Errno> fdFilestatSetSize(uint32_t fd, uint64_t size);
  Result<Errno> fdFilestatSetTimes(uint32_t fd, uint64_t atim, uint64_t mtim, uint32_t fst);
  Result<Errno> fdPread(const GuestMemory& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                        uint64_t offset, uint32_t nread_out);
  Result<Errno> fdPrestatGet(const GuestMemory& m, uint32_t fd, uint32_t out);
  Result<Errno> fdPrestatDirName(const GuestMemory& m, uint32_t fd, uint32_t path, uint32_t len);
  Result<Errno> fdPwrite(const GuestMemory& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                         uint64_t offset, uint32_t nwritten_out);
  Result<Errno> fdRead(const GuestMemory& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                       uint32_t nread_out);
  Result<Errno> fdReaddir(const GuestMemory& m, uint32_t fd, uint32_t buf, uint32_t buf_len,
                          uint64_t cookie, uint32_t bufused_out);
  Result<Errno> fdRenumber(uint32_t fd, uint32_t to);
  Result<Errno> fdSeek(const GuestMemory& m, uint32_t fd, int64_t offset, uint32_t whence,
                       uint32_t newoffset_out);
  Result<Errno> fdSync(uint32_t fd);
  Result<Errno> fdTell(const GuestMemory& m, uint32_t fd, uint32_t out);
  Result<Errno> fdWrite(const GuestMemory& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                        uint32_t nwritten_out);

  // ---- path_* (syscalls_path.cc) ----
  Result<Errno> pathCreateDirectory(const GuestMemory& m, uint32_t fd, uint32_t path,
                                    uint32_t path_len);
  Result<Errno> pathFilestatGet(const GuestMemory& m, uint32_t fd, uint32_t flags, uint32_t path,
                                uint32_t path_len, uint32_t out);
  Result<Errno> pathFilestatSetTimes(const GuestMemory& m, uint32_t fd, uint32_t flags,
                                     uint32_t path, uint32_t path_len, uint64_t atim, uint64_t mtim,
                                     uint32_t fst);
  Result<Errno> pathLink(const GuestMemory& m, uint32_t old_fd, uint32_t old_flags,
                         uint32_t old_path, uint32_t old_len, uint32_t new_fd, uint32_t new_path,
                         uint32_t new_len);
  Result<Errno> pathOpen(const GuestMemory& m, uint32_t fd, uint32_t dirflags, uint32_t path,
                         uint32_t path_len, uint32_t oflags, uint64_t base, uint64_t inheriting,
                         uint32_t fdflags, uint32_t fd_out);
  Result<Errno> pathReadlink(const GuestMemory& m, uint32_t fd, uint32_t path, uint32_t path_len,
                             uint32_t buf, uint32_t buf_len, uint32_t bufused_out);
  Result<Errno> pathRemoveDirectory(const GuestMemory& m, uint32_t fd, uint32_t path,
                                    uint32_t path_len);
  Result<Errno> pathRename(const GuestMemory& m, uint32_t fd, uint32_t old_path, uint32_t old_len,
                           uint32_t new_fd, uint32_t new_path, uint32_t new_len);
  Result<Errno> pathSymlink(const GuestMemory& m, uint32_t old_path, uint32_t old_len, uint32_t fd,
                            uint32_t new_path, uint32_t new_len);
  Result<Errno> pathUnlinkFile(const GuestMemory& m, uint32_t fd, uint32_t path, uint32_t path_len);

  // ---- poll_oneoff, sock_* (syscalls_poll.cc) ----
  // Waits never pass `deadline` (the request's, RequestContext::deadline): they trap with
  // TrapKind::kDeadline there, so a sleeping guest cannot outlive its request.
  Result<Errno> pollOneoff(const GuestMemory& m, uint32_t in, uint32_t out, uint32_t nsubs,
                           uint32_t nevents_out,
                           std::optional<std::chrono::steady_clock::time_point> deadline = {});
  Result<Errno> sockAccept(const GuestMemory& m, uint32_t fd, uint32_t flags, uint32_t fd_out);
  Result<Errno> sockRecv(const GuestMemory& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                         uint32_t riflags, uint32_t datalen_out, uint32_t roflags_out);
  Result<Errno> sockSend(const GuestMemory& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                         uint32_t siflags, uint32_t datalen_out);
  Result<Errno> sockShutdown(uint32_t fd, uint32_t how);

 private:
  // The open entry for `fd` (kBadf otherwise).
  ErrnoOr<FdEntry*> entry(uint32_t fd) const;
  // A directory entry holding `rights` (kBadf, kNotdir, or missingRights()).
  ErrnoOr<FdEntry*> dirEntry(uint32_t fd, abi::Rights rights) const;
  // Copies a path argument out of guest memory (validation happens where it is resolved).
  Result<std::string> readPath(const GuestMemory& m, uint32_t ptr, uint32_t len) const;
  // Host iovecs over guest memory for fd_read/fd_write style calls (trap on bad pointers).
  Result<std::vector<struct iovec>> iovecs(const GuestMemory& m, uint32_t iovs,
                                           uint32_t iovs_len) const;
  Result<Errno> writeFilestat(const GuestMemory& m, uint32_t out, const struct stat& st) const;
  ErrnoOr<size_t> readStdin(FdEntry& e, const std::vector<struct iovec>& iov);
  ErrnoOr<size_t> writeOutput(FdEntry& e, const std::vector<struct iovec>& iov);
  // Takes a new fd_readdir snapshot of `e` into listing_.
  Errno refreshListing(const FdEntry& e);

  WasiOptions options_;
  FdTable fds_;
  std::unique_ptr<OutputBuffer> stdout_buf_;
  std::unique_ptr<OutputBuffer> stderr_buf_;
  // The one live fd_readdir snapshot (of the entry with id listing_owner_, 0 = none): holding one
  // at a time bounds host memory whatever the guest opens; another fd's listing simply re-reads.
  uint64_t listing_owner_ = 0;
  std::vector<DirListingEntry> listing_;
};

}  // namespace tern::wasi
