// WASI fd_* calls: I/O, seeking, metadata, flags, rights, pre-open names and directory listing.
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "wasi/syscalls.h"
#include "wasi/wasi_limits.h"

namespace tern::wasi {
namespace {

// Linux flags for a WASI fdflags value (RSYNC has no separate meaning on Linux).
int openFlagsFor(uint16_t fdflags) {
  int f = 0;
  if (fdflags & abi::kFdflagAppend) f |= O_APPEND;
  if (fdflags & abi::kFdflagNonblock) f |= O_NONBLOCK;
  return f;
}

// Positional and seek calls apply to files only: stdio and sockets are streams (ESPIPE, as
// wasmtime), directories are not byte streams (EISDIR, as POSIX read(2) says).
Errno requireSeekable(const FdEntry& e) {
  switch (e.kind) {
    case FdKind::kFile:
      return Errno::kSuccess;
    case FdKind::kDirectory:
      return Errno::kIsdir;
    default:
      return Errno::kSpipe;
  }
}

ErrnoOr<struct timespec> timeSpec(uint64_t ns, bool set, bool now) {
  struct timespec ts = {0, UTIME_OMIT};
  if (set && now) return errnoFail(Errno::kInval);
  if (now) ts.tv_nsec = UTIME_NOW;
  if (set) {
    ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000ull);
    ts.tv_nsec = static_cast<long>(ns % 1'000'000'000ull);
  }
  return ts;
}

}  // namespace

// Shared by fd_filestat_set_times and path_filestat_set_times.
ErrnoOr<std::pair<struct timespec, struct timespec>> fileTimes(uint64_t atim, uint64_t mtim,
                                                               uint32_t fst) {
  if (fst & ~uint32_t{abi::kFstAll}) return errnoFail(Errno::kInval);
  auto a = timeSpec(atim, fst & abi::kFstAtim, fst & abi::kFstAtimNow);
  auto m = timeSpec(mtim, fst & abi::kFstMtim, fst & abi::kFstMtimNow);
  if (!a || !m) return errnoFail(Errno::kInval);
  return std::pair{*a, *m};
}

ErrnoOr<size_t> Syscalls::readStdin(FdEntry& e, const std::vector<struct iovec>& iov) {
  if (!e.input) return size_t{0};  // empty stdin: end of file
  size_t total = 0;
  for (const auto& v : iov) {
    size_t left = e.input->size() - e.input_pos;
    size_t n = std::min(left, v.iov_len);
    std::memcpy(v.iov_base, e.input->data() + e.input_pos, n);
    e.input_pos += n;
    total += n;
    if (n < v.iov_len) break;
  }
  return total;
}

ErrnoOr<size_t> Syscalls::writeOutput(FdEntry& e, const std::vector<struct iovec>& iov) {
  size_t total = 0;
  for (const auto& v : iov) {
    if (e.output) e.output->append({static_cast<const uint8_t*>(v.iov_base), v.iov_len});
    total += v.iov_len;
  }
  return total;
}

Result<Errno> Syscalls::fdRead(const GuestMemory& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                               uint32_t nread_out) {
  WASI_TRY(FdEntry * e, entry(fd));
  if (e->kind == FdKind::kDirectory) return Errno::kIsdir;
  WASI_CHECK(missingRights(*e, abi::kRightFdRead));
  if (iovs_len > kMaxIovecs) return Errno::kInval;
  WASI_TRY(auto iov, iovecs(m, iovs, iovs_len));
  size_t n = 0;
  if (e->host_fd < 0) {
    WASI_TRY(n, readStdin(*e, iov));
  } else {
    ssize_t r;
    do {
      r = readv(e->host_fd, iov.data(), static_cast<int>(iov.size()));
    } while (r < 0 && errno == EINTR);
    if (r < 0) return fromHostErrno(errno);
    n = static_cast<size_t>(r);
  }
  WASI_TRY_VOID(m.store<uint32_t>(nread_out, static_cast<uint32_t>(n)));
  return Errno::kSuccess;
}

Result<Errno> Syscalls::fdWrite(const GuestMemory& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                                uint32_t nwritten_out) {
  WASI_TRY(FdEntry * e, entry(fd));
  if (e->kind == FdKind::kDirectory) return Errno::kIsdir;
  WASI_CHECK(missingRights(*e, abi::kRightFdWrite));
  if (iovs_len > kMaxIovecs) return Errno::kInval;
  WASI_TRY(auto iov, iovecs(m, iovs, iovs_len));
  size_t n = 0;
  if (e->host_fd < 0) {
    WASI_TRY(n, writeOutput(*e, iov));
  } else {
    ssize_t r;
    do {
      if (e->kind == FdKind::kSocket) {
        // sendmsg with MSG_NOSIGNAL: a closed peer is EPIPE, never SIGPIPE to the host.
        struct msghdr msg = {};
        msg.msg_iov = iov.data();
        msg.msg_iovlen = iov.size();
        r = sendmsg(e->host_fd, &msg, MSG_NOSIGNAL);
      } else {
        r = writev(e->host_fd, iov.data(), static_cast<int>(iov.size()));
      }
    } while (r < 0 && errno == EINTR);
    if (r < 0) return fromHostErrno(errno);
    n = static_cast<size_t>(r);
  }
  WASI_TRY_VOID(m.store<uint32_t>(nwritten_out, static_cast<uint32_t>(n)));
  return Errno::kSuccess;
}

Result<Errno> Syscalls::fdPread(const GuestMemory& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                                uint64_t offset, uint32_t nread_out) {
  WASI_TRY(FdEntry * e, entry(fd));
  WASI_CHECK(requireSeekable(*e));
  WASI_CHECK(missingRights(*e, abi::kRightFdRead | abi::kRightFdSeek));
  if (iovs_len > kMaxIovecs || offset > INT64_MAX) return Errno::kInval;
  WASI_TRY(auto iov, iovecs(m, iovs, iovs_len));
  ssize_t r;
  do {
    r = preadv(e->host_fd, iov.data(), static_cast<int>(iov.size()), static_cast<off_t>(offset));
  } while (r < 0 && errno == EINTR);
  if (r < 0) return fromHostErrno(errno);
  WASI_TRY_VOID(m.store<uint32_t>(nread_out, static_cast<uint32_t>(r)));
  return Errno::kSuccess;
}

Result<Errno> Syscalls::fdPwrite(const GuestMemory& m, uint32_t fd, uint32_t iovs,
                                 uint32_t iovs_len, uint64_t offset, uint32_t nwritten_out) {
  WASI_TRY(FdEntry * e, entry(fd));
  WASI_CHECK(requireSeekable(*e));
  WASI_CHECK(missingRights(*e, abi::kRightFdWrite | abi::kRightFdSeek));
  if (iovs_len > kMaxIovecs || offset > INT64_MAX) return Errno::kInval;
  WASI_TRY(auto iov, iovecs(m, iovs, iovs_len));
  ssize_t r;
  do {
    // Linux semantics (as wasmtime): on an O_APPEND file pwrite appends and ignores the offset.
    r = pwritev(e->host_fd, iov.data(), static_cast<int>(iov.size()), static_cast<off_t>(offset));
  } while (r < 0 && errno == EINTR);
  if (r < 0) return fromHostErrno(errno);
  WASI_TRY_VOID(m.store<uint32_t>(nwritten_out, static_cast<uint32_t>(r)));
  return Errno::kSuccess;
}

Result<Errno> Syscalls::fdSeek(const GuestMemory& m, uint32_t fd, int64_t offset, uint32_t whence,
                               uint32_t newoffset_out) {
  WASI_TRY(FdEntry * e, entry(fd));
  WASI_CHECK(requireSeekable(*e));
  // A pure "where am I" query needs only FD_TELL (wasi-common's rule).
  bool tell = whence == abi::kWhenceCur && offset == 0;
  WASI_CHECK(missingRights(*e, tell ? abi::kRightFdTell : abi::kRightFdSeek));
  int how;
  switch (whence) {
    case abi::kWhenceSet:
      how = SEEK_SET;
      break;
    case abi::kWhenceCur:
      how = SEEK_CUR;
      break;
    case abi::kWhenceEnd:
      how = SEEK_END;
      break;
    default:
      return Errno::kInval;
  }
  off_t pos = lseek(e->host_fd, static_cast<off_t>(offset), how);
  if (pos < 0) return fromHostErrno(errno);
  WASI_TRY_VOID(m.store<uint64_t>(newoffset_out, static_cast<uint64_t>(pos)));
  return Errno::kSuccess;
}

Result<Errno> Syscalls::fdTell(const GuestMemory& m, uint32_t fd, uint32_t out) {
  WASI_TRY(FdEntry * e, entry(fd));
  WASI_CHECK(requireSeekable(*e));
  WASI_CHECK(missingRights(*e, abi::kRightFdTell));
  off_t pos = lseek(e->host_fd, 0, SEEK_CUR);
  if (pos < 0) return fromHostErrno(errno);
  WASI_TRY_VOID(m.store<uint64_t>(out, static_cast<uint64_t>(pos)));
  return Errno::kSuccess;
}

Result<Errno> Syscalls::fdClose(uint32_t fd) {
  if (!fds_.remove(fd)) return Errno::kBadf;
  return Errno::kSuccess;
}

Result<Errno> Syscalls::fdRenumber(uint32_t fd, uint32_t to) { return fds_.renumber(fd, to); }

Result<Errno> Syscalls::fdDatasync(uint32_t fd) {
  WASI_TRY(FdEntry * e, entry(fd));
  WASI_CHECK(missingRights(*e, abi::kRightFdDatasync));
  if (e->host_fd >= 0 && fdatasync(e->host_fd) != 0) return fromHostErrno(errno);
  return Errno::kSuccess;
}

Result<Errno> Syscalls::fdSync(uint32_t fd) {
  WASI_TRY(FdEntry * e, entry(fd));
  WASI_CHECK(missingRights(*e, abi::kRightFdSync));
  if (e->host_fd >= 0 && fsync(e->host_fd) != 0) return fromHostErrno(errno);
  return Errno::kSuccess;
}

Result<Errno> Syscalls::fdAdvise(uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice) {
  WASI_TRY(FdEntry * e, entry(fd));
  if (advice > abi::kAdviceMax || offset > INT64_MAX || len > INT64_MAX) return Errno::kInval;
  WASI_CHECK(requireSeekable(*e));
  WASI_CHECK(missingRights(*e, abi::kRightFdAdvise));
  // WASI advice values 0..5 are POSIX_FADV_NORMAL..POSIX_FADV_NOREUSE in the same order.
  static constexpr int kAdvice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                    POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
  int r = posix_fadvise(e->host_fd, static_cast<off_t>(offset), static_cast<off_t>(len),
                        kAdvice[advice]);
  return fromHostErrno(r);
}

Result<Errno> Syscalls::fdAllocate(uint32_t fd, uint64_t offset, uint64_t len) {
  WASI_TRY(FdEntry * e, entry(fd));
  WASI_CHECK(requireSeekable(*e));
  WASI_CHECK(missingRights(*e, abi::kRightFdAllocate));
  if (offset > INT64_MAX || len > INT64_MAX || offset + len > INT64_MAX) return Errno::kFbig;
  if (len == 0) return Errno::kInval;
  int r;
  do {
    r = posix_fallocate(e->host_fd, static_cast<off_t>(offset), static_cast<off_t>(len));
  } while (r == EINTR);
  return fromHostErrno(r);
}

Result<Errno> Syscalls::fdFdstatGet(const GuestMemory& m, uint32_t fd, uint32_t out) {
  WASI_TRY(FdEntry * e, entry(fd));
  WASI_TRY(auto s, m.span(out, abi::fdstat::kSize));
  std::memset(s.data(), 0, s.size());
  s[abi::fdstat::kFiletype] = static_cast<uint8_t>(e->filetype);
  std::memcpy(s.data() + abi::fdstat::kFlags, &e->fdflags, 2);
  std::memcpy(s.data() + abi::fdstat::kRightsBase, &e->base, 8);
  std::memcpy(s.data() + abi::fdstat::kRightsInheriting, &e->inheriting, 8);
  return Errno::kSuccess;
}

Result<Errno> Syscalls::fdFdstatSetFlags(uint32_t fd, uint32_t flags) {
  WASI_TRY(FdEntry * e, entry(fd));
  if (flags & ~uint32_t{abi::kFdflagsAll}) return Errno::kInval;
  WASI_CHECK(missingRights(*e, abi::kRightFdFdstatSetFlags));
  // Only APPEND and NONBLOCK can change after open (as fcntl(F_SETFL) on Linux); asking to
  // change the sync flags is unsupported rather than silently ignored.
  constexpr uint16_t kSyncFlags = abi::kFdflagDsync | abi::kFdflagRsync | abi::kFdflagSync;
  if ((flags & kSyncFlags) != (e->fdflags & kSyncFlags)) return Errno::kNotsup;
  if (e->host_fd >= 0 && !e->borrowed) {
    int cur = fcntl(e->host_fd, F_GETFL);
    if (cur < 0) return fromHostErrno(errno);
    int next = (cur & ~(O_APPEND | O_NONBLOCK)) | openFlagsFor(static_cast<uint16_t>(flags));
    if (fcntl(e->host_fd, F_SETFL, next) != 0) return fromHostErrno(errno);
  }
  e->fdflags = static_cast<uint16_t>(flags);
  return Errno::kSuccess;
}

Result<Errno> Syscalls::fdFdstatSetRights(uint32_t fd, uint64_t base, uint64_t inheriting) {
  WASI_TRY(FdEntry * e, entry(fd));
  // Rights only ever shrink (capability monotonicity).
  if ((base & ~e->base) || (inheriting & ~e->inheriting)) return Errno::kNotcapable;
  e->base = base;
  e->inheriting = inheriting;
  return Errno::kSuccess;
}

Result<Errno> Syscalls::fdFilestatGet(const GuestMemory& m, uint32_t fd, uint32_t out) {
  WASI_TRY(FdEntry * e, entry(fd));
  WASI_CHECK(missingRights(*e, abi::kRightFdFilestatGet));
  struct stat st = {};
  if (e->host_fd >= 0) {
    if (fstat(e->host_fd, &st) != 0) return fromHostErrno(errno);
  }
  WASI_TRY(Errno r, writeFilestat(m, out, st));
  if (e->host_fd < 0 || e->isStdio()) {
    // In-memory stdio has no host file; inherited stdio reports the type it was given.
    WASI_TRY_VOID(m.store<uint8_t>(uint64_t{out} + abi::filestat::kFiletype,
                                   static_cast<uint8_t>(e->filetype)));
  }
  return r;
}

Result<Errno> Syscalls::fdFilestatSetSize(uint32_t fd, uint64_t size) {
  WASI_TRY(FdEntry * e, entry(fd));
  WASI_CHECK(requireSeekable(*e));
  WASI_CHECK(missingRights(*e, abi::kRightFdFilestatSetSize));
  if (size > INT64_MAX) return Errno::kFbig;
  if (ftruncate(e->host_fd, static_cast<off_t>(size)) != 0) return fromHostErrno(errno);
  return Errno::kSuccess;
}

Result<Errno> Syscalls::fdFilestatSetTimes(uint32_t fd, uint64_t atim, uint64_t mtim,
                                           uint32_t fst) {
  WASI_TRY(FdEntry * e, entry(fd));
  WASI_CHECK(missingRights(*e, abi::kRightFdFilestatSetTimes));
  WASI_TRY(auto times, fileTimes(atim, mtim, fst));
  if (e->host_fd < 0) return Errno::kSuccess;
  struct timespec ts[2] = {times.first, times.second};
  if (futimens(e->host_fd, ts) != 0) return fromHostErrno(errno);
  return Errno::kSuccess;
}

Result<Errno> Syscalls::fdPrestatGet(const GuestMemory& m, uint32_t fd, uint32_t out) {
  WASI_TRY(FdEntry * e, entry(fd));
  if (e->preopen_name.empty()) return Errno::kBadf;
  WASI_TRY(auto s, m.span(out, abi::prestat::kSize));
  std::memset(s.data(), 0, s.size());
  s[abi::prestat::kTag] = abi::kPreopenDir;
  uint32_t len = static_cast<uint32_t>(e->preopen_name.size());
  std::memcpy(s.data() + abi::prestat::kNameLen, &len, 4);
  return Errno::kSuccess;
}

Result<Errno> Syscalls::fdPrestatDirName(const GuestMemory& m, uint32_t fd, uint32_t path,
                                         uint32_t len) {
  WASI_TRY(FdEntry * e, entry(fd));
  if (e->preopen_name.empty()) return Errno::kBadf;
  if (len < e->preopen_name.size()) return Errno::kNametoolong;
  WASI_TRY_VOID(m.write(path, e->preopen_name));
  return Errno::kSuccess;
}

Errno Syscalls::refreshListing(const FdEntry& e) {
  listing_.clear();
  listing_owner_ = 0;
  struct stat self;
  if (fstat(e.host_fd, &self) != 0) return fromHostErrno(errno);
  // "." and ".." first, as every preview 1 runtime lists them; ".." reports the directory's own
  // inode so nothing about the parent (possibly outside the sandbox) leaks.
  listing_.push_back({".", static_cast<uint64_t>(self.st_ino), abi::Filetype::kDirectory});
  listing_.push_back({"..", static_cast<uint64_t>(self.st_ino), abi::Filetype::kDirectory});
  // A fresh open description, so the guest's fd offset and our listing never interfere.
  int fd = openat(e.host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fromHostErrno(errno);
  DIR* dir = fdopendir(fd);
  if (!dir) {
    close(fd);
    return fromHostErrno(errno);
  }
  errno = 0;
  while (struct dirent* d = readdir(dir)) {
    if (std::strcmp(d->d_name, ".") == 0 || std::strcmp(d->d_name, "..") == 0) continue;
    if (listing_.size() >= kMaxDirEntries) break;
    DirListingEntry item{d->d_name, static_cast<uint64_t>(d->d_ino), abi::Filetype::kUnknown};
    struct stat st;
    if (fstatat(dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
      item.type = filetypeFromMode(st.st_mode);
    }
    listing_.push_back(std::move(item));
  }
  int err = errno;
  closedir(dir);
  if (err != 0) return fromHostErrno(err);
  listing_owner_ = e.id;
  return Errno::kSuccess;
}

Result<Errno> Syscalls::fdReaddir(const GuestMemory& m, uint32_t fd, uint32_t buf, uint32_t buf_len,
                                  uint64_t cookie, uint32_t bufused_out) {
  WASI_TRY(FdEntry * e, entry(fd));
  if (e->kind != FdKind::kDirectory) return Errno::kNotdir;
  WASI_CHECK(missingRights(*e, abi::kRightFdReaddir));
  WASI_TRY(auto out, m.span(buf, buf_len));
  // Cookie n means "continue after entry n-1" of one snapshot; cookie 0 takes a new snapshot, and
  // so does any cookie for a directory whose snapshot is not the live one.
  if (cookie == 0 || listing_owner_ != e->id) WASI_CHECK(refreshListing(*e));
  size_t used = 0;
  for (uint64_t i = cookie; i < listing_.size() && used < out.size(); ++i) {
    const DirListingEntry& d = listing_[i];
    uint8_t header[abi::dirent::kSize] = {};
    uint64_t next = i + 1;
    uint32_t namlen = static_cast<uint32_t>(d.name.size());
    std::memcpy(header + abi::dirent::kNext, &next, 8);
    std::memcpy(header + abi::dirent::kIno, &d.ino, 8);
    std::memcpy(header + abi::dirent::kNamlen, &namlen, 4);
    header[abi::dirent::kType] = static_cast<uint8_t>(d.type);
    // Entries that do not fit are truncated; a full buffer tells the guest to call again.
    size_t n = std::min(sizeof header, out.size() - used);
    std::memcpy(out.data() + used, header, n);
    used += n;
    n = std::min(d.name.size(), out.size() - used);
    std::memcpy(out.data() + used, d.name.data(), n);
    used += n;
  }
  if (used < out.size()) {
    // The guest has reached the end: drop the snapshot now rather than hold it.
    listing_.clear();
    listing_.shrink_to_fit();
    listing_owner_ = 0;
  }
  WASI_TRY_VOID(m.store<uint32_t>(bufused_out, static_cast<uint32_t>(used)));
  return Errno::kSuccess;
}

}  // namespace tern::wasi
