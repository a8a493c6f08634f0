// WASI poll_oneoff (clock and fd subscriptions) and sock_* on pre-opened sockets.
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "compile/vm_abi.h"
#include "wasi/syscalls.h"
#include "wasi/wasi_limits.h"

namespace tern::wasi {
namespace {

uint64_t clockNow(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t saturatingAdd(uint64_t a, uint64_t b) { return b > UINT64_MAX - a ? UINT64_MAX : a + b; }

// One subscription while poll_oneoff runs.
struct Sub {
  uint64_t userdata = 0;
  uint8_t type = 0;
  bool ready = false;
  Errno error = Errno::kSuccess;
  uint64_t deadline = 0;  // clock: CLOCK_MONOTONIC ns
  int pfd = -1;           // fd: index into the pollfd array, or -1 when answered without polling
  FdEntry* entry = nullptr;
  uint64_t nbytes = 0;
  uint16_t flags = 0;
};

void answerNow(Sub& s, Errno error, uint64_t nbytes = 0, uint16_t flags = 0) {
  s.ready = true;
  s.error = error;
  s.nbytes = nbytes;
  s.flags = flags;
}

// Bytes available to read, as far as the host can tell cheaply.
uint64_t readableBytes(const FdEntry& e) {
  if (e.kind == FdKind::kFile) {
    struct stat st;
    off_t pos = lseek(e.host_fd, 0, SEEK_CUR);
    if (fstat(e.host_fd, &st) == 0 && S_ISREG(st.st_mode) && pos >= 0) {
      return st.st_size > pos ? static_cast<uint64_t>(st.st_size - pos) : 0;
    }
  }
  int n = 0;
  if (ioctl(e.host_fd, FIONREAD, &n) == 0 && n > 0) return static_cast<uint64_t>(n);
  return 1;
}

Result<Errno> parseSub(const uint8_t* raw, Sub& s, const FdTable& fds,
                       std::vector<struct pollfd>& pfds, uint64_t mono_now) {
  std::memcpy(&s.userdata, raw + abi::subscription::kUserdata, 8);
  s.type = raw[abi::subscription::kTag];
  if (s.type == abi::kEventClock) {
    uint32_t id;
    uint64_t timeout;
    uint16_t flags;
    std::memcpy(&id, raw + abi::subscription::kClockId, 4);
    std::memcpy(&timeout, raw + abi::subscription::kClockTimeout, 8);
    std::memcpy(&flags, raw + abi::subscription::kClockFlags, 2);
    bool abs = flags & abi::kSubclockAbstime;
    if (flags & ~abi::kSubclockAbstime) {
      answerNow(s, Errno::kInval);
    } else if (id == abi::kClockMonotonic) {
      s.deadline = abs ? timeout : saturatingAdd(mono_now, timeout);
    } else if (id == abi::kClockRealtime) {
      uint64_t real_now = clockNow(CLOCK_REALTIME);
      uint64_t wait = abs ? (timeout > real_now ? timeout - real_now : 0) : timeout;
      s.deadline = saturatingAdd(mono_now, wait);
    } else {
      answerNow(s, Errno::kInval);  // CPU-time clocks cannot be waited on
    }
    return Errno::kSuccess;
  }
  if (s.type != abi::kEventFdRead && s.type != abi::kEventFdWrite) return Errno::kInval;
  uint32_t fd;
  std::memcpy(&fd, raw + abi::subscription::kFd, 4);
  FdEntry* e = fds.get(fd);
  if (!e) {
    answerNow(s, Errno::kBadf);
  } else if (Errno r = missingRights(*e, abi::kRightPollFdReadwrite); r != Errno::kSuccess) {
    answerNow(s, r);
  } else if (e->host_fd < 0) {
    // In-memory stdio never blocks.
    if (s.type == abi::kEventFdRead) {
      uint64_t left = e->input ? e->input->size() - e->input_pos : 0;
      answerNow(s, Errno::kSuccess, left, left == 0 ? abi::kEventrwHangup : 0);
    } else {
      answerNow(s, Errno::kSuccess, 1);
    }
  } else {
    s.entry = e;
    s.pfd = static_cast<int>(pfds.size());
    short events = s.type == abi::kEventFdRead ? POLLIN : POLLOUT;
    pfds.push_back({e->host_fd, events, 0});
  }
  return Errno::kSuccess;
}

void collectFd(Sub& s, const struct pollfd& p) {
  if (p.revents == 0) return;
  if (p.revents & POLLNVAL) return answerNow(s, Errno::kBadf);
  if (s.type == abi::kEventFdRead) {
    uint16_t flags = (p.revents & POLLHUP) ? abi::kEventrwHangup : 0;
    if (p.revents & POLLIN) return answerNow(s, Errno::kSuccess, readableBytes(*s.entry), flags);
    if (p.revents & (POLLHUP | POLLERR)) return answerNow(s, Errno::kSuccess, 0, flags);
  } else {
    if (p.revents & POLLOUT) return answerNow(s, Errno::kSuccess, 1);
    if (p.revents & (POLLHUP | POLLERR)) return answerNow(s, Errno::kPipe, 0, abi::kEventrwHangup);
  }
}

}  // namespace

namespace {

bool anyReady(const std::vector<Sub>& subs) {
  return std::any_of(subs.begin(), subs.end(), [](const Sub& s) { return s.ready; });
}

// Blocks until at least one subscription is ready (clocks by CLOCK_MONOTONIC, fds by ppoll), or
// traps once `limit` (the request deadline, monotonic ns) passes.
Result<Errno> waitForAny(std::vector<Sub>& subs, std::vector<struct pollfd>& pfds, uint64_t now,
                         uint64_t limit) {
  for (;;) {
    uint64_t wake = UINT64_MAX;
    for (const Sub& s : subs) {
      if (s.type == abi::kEventClock && !s.ready) wake = std::min(wake, s.deadline);
    }
    uint64_t until = anyReady(subs) ? now : std::min(wake, limit);
    struct timespec ts;
    struct timespec* tsp = nullptr;
    if (until != UINT64_MAX) {
      uint64_t wait = until > now ? until - now : 0;
      ts = {static_cast<time_t>(wait / 1'000'000'000ull),
            static_cast<long>(wait % 1'000'000'000ull)};
      tsp = &ts;
    }
    int r = ppoll(pfds.data(), pfds.size(), tsp, nullptr);
    if (r < 0 && errno != EINTR) return fromHostErrno(errno);
    now = clockNow(CLOCK_MONOTONIC);
    for (Sub& s : subs) {
      if (s.ready) continue;
      if (s.type == abi::kEventClock) {
        if (now >= s.deadline) answerNow(s, Errno::kSuccess);
      } else if (r > 0 && s.pfd >= 0) {
        collectFd(s, pfds[s.pfd]);
      }
    }
    if (anyReady(subs)) return Errno::kSuccess;
    if (now >= limit) {
      return fail(Error{ErrorCode::kTrap, "wasi: poll_oneoff passed the request deadline",
                        static_cast<int32_t>(vm::TrapKind::kDeadline)});
    }
  }
}

// Writes one event per ready subscription, in subscription order; returns how many.
uint32_t writeEvents(const std::vector<Sub>& subs, std::span<uint8_t> out) {
  uint32_t count = 0;
  for (const Sub& s : subs) {
    if (!s.ready) continue;
    uint8_t ev[abi::event::kSize] = {};
    uint16_t error = static_cast<uint16_t>(s.error);
    std::memcpy(ev + abi::event::kUserdata, &s.userdata, 8);
    std::memcpy(ev + abi::event::kError, &error, 2);
    ev[abi::event::kType] = s.type;
    if (s.type != abi::kEventClock) {
      std::memcpy(ev + abi::event::kNbytes, &s.nbytes, 8);
      std::memcpy(ev + abi::event::kFlags, &s.flags, 2);
    }
    std::memcpy(out.data() + uint64_t{count} * abi::event::kSize, ev, sizeof ev);
    ++count;
  }
  return count;
}

}  // namespace

Result<Errno> Syscalls::pollOneoff(const GuestMemory& m, uint32_t in, uint32_t out, uint32_t nsubs,
                                  uint32_t nevents_out,
                                  std::optional<std::chrono::steady_clock::time_point> deadline) {
  // Zero subscriptions would block forever; preview 1 runtimes reject it.
  if (nsubs == 0 || nsubs > kMaxPollSubscriptions) return Errno::kInval;
  WASI_TRY(auto in_span, m.span(in, uint64_t{nsubs} * abi::subscription::kSize));
  WASI_TRY(auto out_span, m.span(out, uint64_t{nsubs} * abi::event::kSize));
  WASI_TRY_VOID(m.span(nevents_out, 4));
  std::vector<uint8_t> raw(in_span.begin(), in_span.end());  // `in` and `out` may overlap
  std::vector<Sub> subs(nsubs);
  std::vector<struct pollfd> pfds;
  uint64_t now = clockNow(CLOCK_MONOTONIC);
  for (uint32_t i = 0; i < nsubs; ++i) {
    WASI_TRY(Errno r, parseSub(raw.data() + uint64_t{i} * abi::subscription::kSize, subs[i], fds_,
                               pfds, now));
    if (r != Errno::kSuccess) return r;
  }
  // steady_clock is CLOCK_MONOTONIC on Linux, so the deadline compares with clockNow().
  uint64_t limit = deadline
                       ? static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                   deadline->time_since_epoch())
                                                   .count())
                       : UINT64_MAX;
  WASI_TRY(Errno waited, waitForAny(subs, pfds, now, limit));
  if (waited != Errno::kSuccess) return waited;
  WASI_TRY_VOID(m.store<uint32_t>(nevents_out, writeEvents(subs, out_span)));
  return Errno::kSuccess;
}

// ---- sockets: only those pre-opened (WasiOptions::listen_sockets) and what they accept ----

Result<Errno> Syscalls::sockAccept(const GuestMemory& m, uint32_t fd, uint32_t flags,
                                   uint32_t fd_out) {
  WASI_TRY(FdEntry * e, entry(fd));
  if (e->kind != FdKind::kListener)
    return e->kind == FdKind::kSocket ? Errno::kInval : Errno::kNotsock;
  WASI_CHECK(missingRights(*e, abi::kRightSockAccept));
  if (flags & ~uint32_t{abi::kFdflagNonblock}) return Errno::kInval;
  int sock;
  do {
    sock = accept4(e->host_fd, nullptr, nullptr,
                   SOCK_CLOEXEC | ((flags & abi::kFdflagNonblock) ? SOCK_NONBLOCK : 0));
  } while (sock < 0 && errno == EINTR);
  if (sock < 0) return fromHostErrno(errno);
  auto conn = std::make_unique<FdEntry>();
  conn->kind = FdKind::kSocket;
  conn->host_fd = sock;
  conn->filetype = abi::Filetype::kSocketStream;
  conn->base = abi::kSocketRights & e->inheriting;
  conn->inheriting = 0;
  conn->fdflags = static_cast<uint16_t>(flags);
  WASI_TRY(uint32_t n, fds_.insert(std::move(conn)));
  WASI_TRY_VOID(m.store<uint32_t>(fd_out, n));
  return Errno::kSuccess;
}

Result<Errno> Syscalls::sockRecv(const GuestMemory& m, uint32_t fd, uint32_t iovs,
                                 uint32_t iovs_len, uint32_t riflags, uint32_t datalen_out,
                                 uint32_t roflags_out) {
  WASI_TRY(FdEntry * e, entry(fd));
  if (e->kind != FdKind::kSocket) return Errno::kNotsock;
  WASI_CHECK(missingRights(*e, abi::kRightFdRead));
  if ((riflags & ~uint32_t{abi::kRiflagPeek | abi::kRiflagWaitall}) || iovs_len > kMaxIovecs) {
    return Errno::kInval;
  }
  WASI_TRY(auto iov, iovecs(m, iovs, iovs_len));
  struct msghdr msg = {};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  int flags = ((riflags & abi::kRiflagPeek) ? MSG_PEEK : 0) |
              ((riflags & abi::kRiflagWaitall) ? MSG_WAITALL : 0);
  ssize_t n;
  do {
    n = recvmsg(e->host_fd, &msg, flags);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return fromHostErrno(errno);
  uint16_t roflags = (msg.msg_flags & MSG_TRUNC) ? abi::kRoflagDataTruncated : 0;
  WASI_TRY_VOID(m.store<uint32_t>(datalen_out, static_cast<uint32_t>(n)));
  WASI_TRY_VOID(m.store<uint16_t>(roflags_out, roflags));
  return Errno::kSuccess;
}

Result<Errno> Syscalls::sockSend(const GuestMemory& m, uint32_t fd, uint32_t iovs,
                                 uint32_t iovs_len, uint32_t siflags, uint32_t datalen_out) {
  WASI_TRY(FdEntry * e, entry(fd));
  if (e->kind != FdKind::kSocket) return Errno::kNotsock;
  WASI_CHECK(missingRights(*e, abi::kRightFdWrite));
  if (siflags != 0 || iovs_len > kMaxIovecs) return Errno::kInval;  // no siflags are defined
  WASI_TRY(auto iov, iovecs(m, iovs, iovs_len));
  struct msghdr msg = {};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  ssize_t n;
  do {
    n = sendmsg(e->host_fd, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return fromHostErrno(errno);
  WASI_TRY_VOID(m.store<uint32_t>(datalen_out, static_cast<uint32_t>(n)));
  return Errno::kSuccess;
}

Result<Errno> Syscalls::sockShutdown(uint32_t fd, uint32_t how) {
  WASI_TRY(FdEntry * e, entry(fd));
  if (e->kind != FdKind::kSocket && e->kind != FdKind::kListener) return Errno::kNotsock;
  WASI_CHECK(missingRights(*e, abi::kRightSockShutdown));
  int mode;
  switch (how) {
    case abi::kSdflagRd:
      mode = SHUT_RD;
      break;
    case abi::kSdflagWr:
      mode = SHUT_WR;
      break;
    case abi::kSdflagRd | abi::kSdflagWr:
      mode = SHUT_RDWR;
      break;
    default:
      return Errno::kInval;
  }
  if (shutdown(e->host_fd, mode) != 0) return fromHostErrno(errno);
  return Errno::kSuccess;
}

}  // namespace tern::wasi
