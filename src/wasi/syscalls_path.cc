// WASI path_* calls: every path is resolved beneath its directory fd (see sandbox_path.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "wasi/syscalls.h"
#include "wasi/sandbox_path.h"
#include "wasi/wasi_limits.h"

namespace tern::wasi {
namespace {

using sandbox::ParentAndName;

// Creating a non-directory (symlink, hard link) at a name with a trailing slash always fails;
// which errno depends on what is there now (POSIX: a trailing slash demands a directory).
Errno trailingSlashCreateError(const ParentAndName& pn) {
  struct stat st;
  if (fstatat(pn.parent.get(), pn.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return fromHostErrno(errno);
  }
  return S_ISDIR(st.st_mode) ? Errno::kExist : Errno::kNotdir;
}

// The name to hand to an *at(2) call that does not follow its final component; a trailing
// slash is kept where the kernel gives it POSIX meaning without following (rename).
std::string withSlash(const ParentAndName& pn) {
  return pn.trailing_slash ? pn.name + "/" : pn.name;
}

// open(2) flags for a path_open. Access follows the rights asked for (a directory opened for
// writing is EISDIR, as POSIX says). O_NONBLOCK is always set while opening, so that a FIFO
// cannot block the host; pathOpen clears it again unless the guest asked for it.
int openFlags(uint32_t oflags, uint32_t fdflags, uint32_t dirflags, bool read, bool write) {
  int flags = O_NOCTTY | O_NONBLOCK | (write ? (read ? O_RDWR : O_WRONLY) : O_RDONLY);
  if (oflags & abi::kOflagDirectory) flags |= O_DIRECTORY;
  if (oflags & abi::kOflagCreat) flags |= O_CREAT;
  if (oflags & abi::kOflagExcl) flags |= O_EXCL;
  if (oflags & abi::kOflagTrunc) flags |= O_TRUNC;
  if (fdflags & abi::kFdflagAppend) flags |= O_APPEND;
  if (fdflags & abi::kFdflagDsync) flags |= O_DSYNC;
  if (fdflags & abi::kFdflagSync) flags |= O_SYNC;
  if (fdflags & abi::kFdflagRsync) flags |= O_RSYNC;
  if (!(dirflags & abi::kLookupSymlinkFollow)) flags |= O_NOFOLLOW;
  return flags;
}

}  // namespace

Result<Errno> Syscalls::pathOpen(const GuestMemory& m, uint32_t fd, uint32_t dirflags,
                                 uint32_t path, uint32_t path_len, uint32_t oflags, uint64_t base,
                                 uint64_t inheriting, uint32_t fdflags, uint32_t fd_out) {
  WASI_TRY(std::string p, readPath(m, path, path_len));
  if ((oflags & ~uint32_t{abi::kOflagsAll}) || (fdflags & ~uint32_t{abi::kFdflagsAll}) ||
      (dirflags & ~abi::kLookupSymlinkFollow)) {
    return Errno::kInval;
  }
  abi::Rights need = abi::kRightPathOpen;
  if (oflags & abi::kOflagCreat) need |= abi::kRightPathCreateFile;
  if (oflags & abi::kOflagTrunc) need |= abi::kRightPathFilestatSetSize;
  WASI_TRY(FdEntry * dir, dirEntry(fd, need));
  const bool want_dir = oflags & abi::kOflagDirectory;
  if (want_dir && (oflags & abi::kOflagCreat)) return Errno::kInval;

  // The new fd gets what was asked for, limited by what the directory passes on (other rights
  // are dropped silently, as wasi-libc expects). Writing is never dropped silently: beneath a
  // read-only pre-open it is EPERM, where FD_WRITE is not inherited ENOTCAPABLE.
  abi::Rights granted = base & dir->inheriting;
  bool read = granted & (abi::kRightFdRead | abi::kRightFdReaddir);
  bool write =
      granted & (abi::kRightFdWrite | abi::kRightFdAllocate | abi::kRightFdFilestatSetSize);
  if (dir->read_only) {
    if (write || (base & abi::kRightFdWrite)) return Errno::kPerm;
    granted &= ~abi::kMutatingRights;  // what it opens is read-only too (read_only set below)
  } else if ((base & abi::kRightFdWrite) && !(granted & abi::kRightFdWrite)) {
    // Writing that the directory does not pass on is refused, not silently dropped.
    return Errno::kNotcapable;
  }
  int flags = openFlags(oflags, fdflags, dirflags, read, write);
  WASI_TRY(UniqueFd host, sandbox::openBeneath(dir->host_fd, p, flags, 0666));
  struct stat st;
  if (fstat(host.get(), &st) != 0) return fromHostErrno(errno);
  if (!(fdflags & abi::kFdflagNonblock)) {
    int cur = fcntl(host.get(), F_GETFL);
    if (cur >= 0) fcntl(host.get(), F_SETFL, cur & ~O_NONBLOCK);
  }
  auto e = std::make_unique<FdEntry>();
  e->filetype = filetypeFromMode(st.st_mode);
  e->fdflags = static_cast<uint16_t>(fdflags);
  e->inheriting = inheriting & dir->inheriting;
  e->read_only = dir->read_only;
  if (S_ISDIR(st.st_mode)) {
    e->kind = FdKind::kDirectory;
    e->base = granted & abi::kDirectoryRights;
  } else {
    e->kind = FdKind::kFile;
    e->base = granted & abi::kFileRights;
  }
  e->host_fd = host.release();
  WASI_TRY(uint32_t n, fds_.insert(std::move(e)));
  WASI_TRY_VOID(m.store<uint32_t>(fd_out, n));
  return Errno::kSuccess;
}

Result<Errno> Syscalls::pathCreateDirectory(const GuestMemory& m, uint32_t fd, uint32_t path,
                                            uint32_t path_len) {
  WASI_TRY(std::string p, readPath(m, path, path_len));
  WASI_TRY(FdEntry * dir, dirEntry(fd, abi::kRightPathCreateDirectory));
  WASI_TRY(ParentAndName pn, sandbox::openParent(dir->host_fd, p));
  if (mkdirat(pn.parent.get(), pn.name.c_str(), 0777) != 0) return fromHostErrno(errno);
  return Errno::kSuccess;
}

Result<Errno> Syscalls::pathRemoveDirectory(const GuestMemory& m, uint32_t fd, uint32_t path,
                                            uint32_t path_len) {
  WASI_TRY(std::string p, readPath(m, path, path_len));
  WASI_TRY(FdEntry * dir, dirEntry(fd, abi::kRightPathRemoveDirectory));
  WASI_TRY(ParentAndName pn, sandbox::openParent(dir->host_fd, p));
  if (unlinkat(pn.parent.get(), pn.name.c_str(), AT_REMOVEDIR) != 0) return fromHostErrno(errno);
  return Errno::kSuccess;
}

Result<Errno> Syscalls::pathUnlinkFile(const GuestMemory& m, uint32_t fd, uint32_t path,
                                       uint32_t path_len) {
  WASI_TRY(std::string p, readPath(m, path, path_len));
  WASI_TRY(FdEntry * dir, dirEntry(fd, abi::kRightPathUnlinkFile));
  WASI_TRY(ParentAndName pn, sandbox::openParent(dir->host_fd, p));
  if (pn.trailing_slash) {
    // "file/" names a directory that is not there: ENOTDIR; "dir/" is a directory: EISDIR.
    struct stat st;
    if (fstatat(pn.parent.get(), pn.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return fromHostErrno(errno);
    }
    return S_ISDIR(st.st_mode) ? Errno::kIsdir : Errno::kNotdir;
  }
  if (unlinkat(pn.parent.get(), pn.name.c_str(), 0) != 0) return fromHostErrno(errno);
  return Errno::kSuccess;
}

Result<Errno> Syscalls::pathSymlink(const GuestMemory& m, uint32_t old_path, uint32_t old_len,
                                    uint32_t fd, uint32_t new_path, uint32_t new_len) {
  WASI_TRY(std::string target, readPath(m, old_path, old_len));
  WASI_TRY(std::string p, readPath(m, new_path, new_len));
  // The link's contents: never absolute (it could only ever point outside the sandbox).
  Errno valid = sandbox::validatePath(target);
  if (valid != Errno::kSuccess) return valid;
  WASI_TRY(FdEntry * dir, dirEntry(fd, abi::kRightPathSymlink));
  WASI_TRY(ParentAndName pn, sandbox::openParent(dir->host_fd, p));
  if (pn.trailing_slash) return trailingSlashCreateError(pn);
  if (symlinkat(target.c_str(), pn.parent.get(), pn.name.c_str()) != 0) {
    return fromHostErrno(errno);
  }
  return Errno::kSuccess;
}

Result<Errno> Syscalls::pathReadlink(const GuestMemory& m, uint32_t fd, uint32_t path,
                                     uint32_t path_len, uint32_t buf, uint32_t buf_len,
                                     uint32_t bufused_out) {
  WASI_TRY(std::string p, readPath(m, path, path_len));
  WASI_TRY(FdEntry * dir, dirEntry(fd, abi::kRightPathReadlink));
  WASI_TRY(ParentAndName pn, sandbox::openParent(dir->host_fd, p));
  WASI_TRY(auto out, m.span(buf, buf_len));
  if (pn.trailing_slash) {
    // "link/" resolves through the link (beneath the directory); what it reaches is no link.
    auto f = sandbox::openBeneath(dir->host_fd, p, O_PATH);
    return f ? Errno::kInval : f.error();
  }
  std::string target(kMaxPathBytes, '\0');
  ssize_t n = readlinkat(pn.parent.get(), pn.name.c_str(), target.data(), target.size());
  if (n < 0) return fromHostErrno(errno);
  size_t used = std::min(static_cast<size_t>(n), out.size());
  std::memcpy(out.data(), target.data(), used);
  WASI_TRY_VOID(m.store<uint32_t>(bufused_out, static_cast<uint32_t>(used)));
  return Errno::kSuccess;
}

Result<Errno> Syscalls::pathFilestatGet(const GuestMemory& m, uint32_t fd, uint32_t flags,
                                        uint32_t path, uint32_t path_len, uint32_t out) {
  WASI_TRY(std::string p, readPath(m, path, path_len));
  if (flags & ~abi::kLookupSymlinkFollow) return Errno::kInval;
  WASI_TRY(FdEntry * dir, dirEntry(fd, abi::kRightPathFilestatGet));
  bool follow = flags & abi::kLookupSymlinkFollow;
  WASI_TRY(UniqueFd f, sandbox::openBeneath(dir->host_fd, p, O_PATH | (follow ? 0 : O_NOFOLLOW)));
  struct stat st;
  if (fstat(f.get(), &st) != 0) return fromHostErrno(errno);
  return writeFilestat(m, out, st);
}

Result<Errno> Syscalls::pathFilestatSetTimes(const GuestMemory& m, uint32_t fd, uint32_t flags,
                                             uint32_t path, uint32_t path_len, uint64_t atim,
                                             uint64_t mtim, uint32_t fst) {
  WASI_TRY(std::string p, readPath(m, path, path_len));
  if (flags & ~abi::kLookupSymlinkFollow) return Errno::kInval;
  WASI_TRY(auto times, fileTimes(atim, mtim, fst));
  WASI_TRY(FdEntry * dir, dirEntry(fd, abi::kRightPathFilestatSetTimes));
  struct timespec ts[2] = {times.first, times.second};
  bool follow = flags & abi::kLookupSymlinkFollow;
  WASI_TRY(ParentAndName pn, sandbox::openParent(dir->host_fd, p));
  struct stat st;
  if (fstatat(pn.parent.get(), pn.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return fromHostErrno(errno);
  }
  if (!follow || (!S_ISLNK(st.st_mode) && !pn.trailing_slash)) {
    if (utimensat(pn.parent.get(), pn.name.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0) {
      return fromHostErrno(errno);
    }
    return Errno::kSuccess;
  }
  // Following a symlink: resolve it beneath the directory, then set the times on what the
  // resolved fd refers to (never on a path the kernel would resolve again).
  WASI_TRY(UniqueFd f, sandbox::openBeneath(dir->host_fd, p, O_PATH));
  if (utimensat(f.get(), "", ts, AT_EMPTY_PATH) == 0) return Errno::kSuccess;
  if (errno != EINVAL) return fromHostErrno(errno);
  char proc[64];
  std::snprintf(proc, sizeof proc, "/proc/self/fd/%d", f.get());
  if (utimensat(AT_FDCWD, proc, ts, 0) != 0) return fromHostErrno(errno);
  return Errno::kSuccess;
}

Result<Errno> Syscalls::pathRename(const GuestMemory& m, uint32_t fd, uint32_t old_path,
                                   uint32_t old_len, uint32_t new_fd, uint32_t new_path,
                                   uint32_t new_len) {
  WASI_TRY(std::string from, readPath(m, old_path, old_len));
  WASI_TRY(std::string to, readPath(m, new_path, new_len));
  WASI_TRY(FdEntry * src, dirEntry(fd, abi::kRightPathRenameSource));
  WASI_TRY(FdEntry * dst, dirEntry(new_fd, abi::kRightPathRenameTarget));
  WASI_TRY(ParentAndName a, sandbox::openParent(src->host_fd, from));
  WASI_TRY(ParentAndName b, sandbox::openParent(dst->host_fd, to));
  // renameat(2) never follows either final component; trailing slashes keep their POSIX
  // meaning (the source must be a directory).
  if (renameat(a.parent.get(), withSlash(a).c_str(), b.parent.get(), withSlash(b).c_str()) != 0) {
    return fromHostErrno(errno);
  }
  return Errno::kSuccess;
}

Result<Errno> Syscalls::pathLink(const GuestMemory& m, uint32_t old_fd, uint32_t old_flags,
                                 uint32_t old_path, uint32_t old_len, uint32_t new_fd,
                                 uint32_t new_path, uint32_t new_len) {
  WASI_TRY(std::string from, readPath(m, old_path, old_len));
  WASI_TRY(std::string to, readPath(m, new_path, new_len));
  if (old_flags & ~abi::kLookupSymlinkFollow) return Errno::kInval;
  WASI_TRY(FdEntry * src, dirEntry(old_fd, abi::kRightPathLinkSource));
  WASI_TRY(FdEntry * dst, dirEntry(new_fd, abi::kRightPathLinkTarget));
  WASI_TRY(ParentAndName a, sandbox::openParent(src->host_fd, from));
  WASI_TRY(ParentAndName b, sandbox::openParent(dst->host_fd, to));
  if (b.trailing_slash) return trailingSlashCreateError(b);
  bool follow = old_flags & abi::kLookupSymlinkFollow;
  if (follow || a.trailing_slash) {
    // Resolve the source beneath its directory first; a trailing slash or a followed link must
    // not let linkat(2) resolve the path again on its own.
    WASI_TRY(UniqueFd f, sandbox::openBeneath(src->host_fd, from, O_PATH));
    struct stat st;
    if (fstat(f.get(), &st) != 0) return fromHostErrno(errno);
    if (S_ISDIR(st.st_mode)) return Errno::kPerm;  // no hard links to directories
    char proc[64];
    std::snprintf(proc, sizeof proc, "/proc/self/fd/%d", f.get());
    if (linkat(AT_FDCWD, proc, b.parent.get(), b.name.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      return fromHostErrno(errno);
    }
    return Errno::kSuccess;
  }
  if (linkat(a.parent.get(), a.name.c_str(), b.parent.get(), b.name.c_str(), 0) != 0) {
    return fromHostErrno(errno);
  }
  return Errno::kSuccess;
}

}  // namespace tern::wasi
