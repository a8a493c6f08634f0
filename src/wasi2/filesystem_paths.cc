// wasi:filesystem 0.2 descriptor methods that take a path: every path is resolved beneath the
// descriptor's directory fd by wasi/sandbox_path.h (openat2 RESOLVE_BENEATH), exactly as the
// preview 1 path_* calls do; escapes are not-permitted.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>

#include "wasi2/filesystem.h"
#include "wasi2/wasi2.h"
#include "wasi/sandbox_path.h"
#include "wasi/wasi_limits.h"

namespace tern::wasi2::fs {
namespace {

using wasi::Errno;
using wasi::UniqueFd;
using wasi::sandbox::ParentAndName;

enum : uint32_t { kPathFollow = 1 };
enum : uint32_t { kOpenCreate = 1, kOpenDirectory = 2, kOpenExclusive = 4, kOpenTruncate = 8 };

uint32_t bitsOf(const Val& flags) { return flags.flags.empty() ? 0 : flags.flags[0]; }

// The directory a path method works in; `mutate`: the method changes it (read-only pre-opens
// and directories without mutate-directory refuse with not-permitted, as in preview 1).
std::optional<Val> dirAccess(const Descriptor& d, bool mutate) {
  if (!d.directory) return errVal(kNotDirectory);
  if (mutate && (d.read_only || !(d.flags & kFlagMutateDirectory))) return errVal(kNotPermitted);
  return std::nullopt;
}

// Resolves the descriptor argument at `index` as a directory for a path method.
#define P2_DIR(var, index, mutate)                              \
  P2_TRY(Descriptor* var, descriptorArg(call, t, args[index])); \
  if (auto dir_err = dirAccess(*var, mutate)) return *dir_err

#define P2_ERRNO_TRY(lhs, expr)                                                         \
  auto P2_TRY_CAT(p2_e_, __LINE__) = (expr);                                            \
  if (!P2_TRY_CAT(p2_e_, __LINE__)) return errVal(P2_TRY_CAT(p2_e_, __LINE__).error()); \
  lhs = std::move(*P2_TRY_CAT(p2_e_, __LINE__))

// open(2) flags for open-at. O_NONBLOCK while opening so that a FIFO cannot block the host.
int openFlags(uint32_t path_flags, uint32_t oflags, uint32_t flags) {
  bool read = flags & kFlagRead, write = flags & kFlagWrite;
  int f = O_NOCTTY | O_NONBLOCK | (write ? (read ? O_RDWR : O_WRONLY) : O_RDONLY);
  if (oflags & kOpenCreate) f |= O_CREAT;
  if (oflags & kOpenDirectory) f |= O_DIRECTORY;
  if (oflags & kOpenExclusive) f |= O_EXCL;
  if (oflags & kOpenTruncate) f |= O_TRUNC;
  if (flags & kFlagFileSync) f |= O_SYNC;
  if (flags & kFlagDataSync) f |= O_DSYNC;
  if (flags & kFlagRequestedWriteSync) f |= O_RSYNC;
  if (!(path_flags & kPathFollow)) f |= O_NOFOLLOW;
  return f;
}

Result<Val> openAt(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_DIR(dir, 0, false);
  uint32_t path_flags = bitsOf(args[1]), oflags = bitsOf(args[3]), flags = bitsOf(args[4]);
  const std::string& path = args[2].bytes;
  bool mutating =
      (oflags & (kOpenCreate | kOpenTruncate)) || (flags & (kFlagWrite | kFlagMutateDirectory));
  if (mutating && !(dir->flags & kFlagMutateDirectory)) return errVal(kNotPermitted);
  if (mutating && dir->read_only) return errVal(kNotPermitted);
  if ((oflags & kOpenDirectory) && (oflags & (kOpenCreate | kOpenTruncate)))
    return errVal(kInvalid);
  P2_TRY(WasiP2Context * ctx, requireWasiContext(call));
  if (ctx->open_fds >= limits::kMaxFds) return errVal(Errno::kMfile);
  P2_ERRNO_TRY(UniqueFd fd, wasi::sandbox::openBeneath(dir->host(), path,
                                                       openFlags(path_flags, oflags, flags), 0666));
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return errFromErrno();
  int cur = fcntl(fd.get(), F_GETFL);
  if (cur >= 0) fcntl(fd.get(), F_SETFL, cur & ~O_NONBLOCK);
  auto d = std::make_unique<Descriptor>();
  d->directory = S_ISDIR(st.st_mode);
  d->read_only = dir->read_only;
  // A directory passes its rights on (mutate-directory included); a file gets what was asked.
  d->flags = d->directory ? (kFlagRead | (dir->flags & kFlagMutateDirectory))
                          : (flags & ~kFlagMutateDirectory);
  d->fd = std::make_shared<HostFd>(fd.release(), ctx->open_fds);
  P2_TRY(uint32_t rep, call.resources().add(t.descriptor, std::move(d)));
  return Val::ok(Val::own(rep));
}

Result<Val> createDirectoryAt(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_DIR(dir, 0, true);
  P2_ERRNO_TRY(ParentAndName pn, wasi::sandbox::openParent(dir->host(), args[1].bytes));
  if (mkdirat(pn.parent.get(), pn.name.c_str(), 0777) != 0) return errFromErrno();
  return Val::ok();
}

Result<Val> removeDirectoryAt(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_DIR(dir, 0, true);
  P2_ERRNO_TRY(ParentAndName pn, wasi::sandbox::openParent(dir->host(), args[1].bytes));
  if (unlinkat(pn.parent.get(), pn.name.c_str(), AT_REMOVEDIR) != 0) return errFromErrno();
  return Val::ok();
}

Result<Val> unlinkFileAt(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_DIR(dir, 0, true);
  P2_ERRNO_TRY(ParentAndName pn, wasi::sandbox::openParent(dir->host(), args[1].bytes));
  if (pn.trailing_slash) {
    // "file/" names a directory that is not there; "dir/" is a directory.
    struct stat st;
    if (fstatat(pn.parent.get(), pn.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return errFromErrno();
    return errVal(S_ISDIR(st.st_mode) ? Errno::kIsdir : Errno::kNotdir);
  }
  if (unlinkat(pn.parent.get(), pn.name.c_str(), 0) != 0) return errFromErrno();
  return Val::ok();
}

// A non-directory cannot be created at a name with a trailing slash.
Val trailingSlashCreateError(const ParentAndName& pn) {
  struct stat st;
  if (fstatat(pn.parent.get(), pn.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errFromErrno();
  return errVal(S_ISDIR(st.st_mode) ? Errno::kExist : Errno::kNotdir);
}

Result<Val> symlinkAt(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_DIR(dir, 0, true);
  const std::string& target = args[1].bytes;
  // The link's contents are never absolute (they could only point outside the sandbox).
  if (Errno e = wasi::sandbox::validatePath(target); e != Errno::kSuccess) return errVal(e);
  P2_ERRNO_TRY(ParentAndName pn, wasi::sandbox::openParent(dir->host(), args[2].bytes));
  if (pn.trailing_slash) return trailingSlashCreateError(pn);
  if (symlinkat(target.c_str(), pn.parent.get(), pn.name.c_str()) != 0) return errFromErrno();
  return Val::ok();
}

Result<Val> readlinkAt(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_DIR(dir, 0, false);
  P2_ERRNO_TRY(ParentAndName pn, wasi::sandbox::openParent(dir->host(), args[1].bytes));
  if (pn.trailing_slash) {
    // "link/" resolves through the link; what it reaches is no link.
    P2_ERRNO_TRY(UniqueFd f, wasi::sandbox::openBeneath(dir->host(), args[1].bytes, O_PATH));
    return errVal(kInvalid);
  }
  std::string buf(wasi::kMaxPathBytes, '\0');
  ssize_t n = readlinkat(pn.parent.get(), pn.name.c_str(), buf.data(), buf.size());
  if (n < 0) return errFromErrno();
  buf.resize(static_cast<size_t>(n));
  return Val::ok(Val::string(std::move(buf)));
}

Result<Val> renameAt(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_DIR(src, 0, true);
  P2_DIR(dst, 2, true);
  P2_ERRNO_TRY(ParentAndName a, wasi::sandbox::openParent(src->host(), args[1].bytes));
  P2_ERRNO_TRY(ParentAndName b, wasi::sandbox::openParent(dst->host(), args[3].bytes));
  // renameat(2) never follows either final component; trailing slashes keep their POSIX meaning.
  std::string from = a.trailing_slash ? a.name + "/" : a.name;
  std::string to = b.trailing_slash ? b.name + "/" : b.name;
  if (renameat(a.parent.get(), from.c_str(), b.parent.get(), to.c_str()) != 0)
    return errFromErrno();
  return Val::ok();
}

Result<Val> linkAt(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_DIR(src, 0, true);
  P2_DIR(dst, 3, true);
  const std::string& from = args[2].bytes;
  P2_ERRNO_TRY(ParentAndName a, wasi::sandbox::openParent(src->host(), from));
  P2_ERRNO_TRY(ParentAndName b, wasi::sandbox::openParent(dst->host(), args[4].bytes));
  if (b.trailing_slash) return trailingSlashCreateError(b);
  if ((bitsOf(args[1]) & kPathFollow) || a.trailing_slash) {
    // Resolve the source beneath its directory first, so linkat(2) never resolves it again.
    P2_ERRNO_TRY(UniqueFd f, wasi::sandbox::openBeneath(src->host(), from, O_PATH));
    struct stat st;
    if (fstat(f.get(), &st) != 0) return errFromErrno();
    if (S_ISDIR(st.st_mode)) return errVal(kNotPermitted);
    char proc[64];
    std::snprintf(proc, sizeof proc, "/proc/self/fd/%d", f.get());
    if (linkat(AT_FDCWD, proc, b.parent.get(), b.name.c_str(), AT_SYMLINK_FOLLOW) != 0)
      return errFromErrno();
    return Val::ok();
  }
  if (linkat(a.parent.get(), a.name.c_str(), b.parent.get(), b.name.c_str(), 0) != 0)
    return errFromErrno();
  return Val::ok();
}

// stat(2) of a path beneath the directory, following a final symlink only when asked.
Result<Val> statPath(HostCall& call, const FsTypes& t, std::span<Val> args, struct stat& st) {
  P2_DIR(dir, 0, false);
  bool follow = bitsOf(args[1]) & kPathFollow;
  P2_ERRNO_TRY(UniqueFd f, wasi::sandbox::openBeneath(dir->host(), args[2].bytes,
                                                      O_PATH | (follow ? 0 : O_NOFOLLOW)));
  if (fstat(f.get(), &st) != 0) return errFromErrno();
  return Val::ok();
}

Result<Val> statAt(HostCall& call, const FsTypes& t, std::span<Val> args) {
  struct stat st;
  P2_TRY(Val r, statPath(call, t, args, st));
  return r.isOk() ? Val::ok(statVal(st)) : r;
}

// metadata-hash: the identity of the file (device and inode) mixed into 128 bits.
Val hashVal(const struct stat& st) {
  auto mix = [](uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  };
  uint64_t dev = static_cast<uint64_t>(st.st_dev), ino = static_cast<uint64_t>(st.st_ino);
  return Val::ok(Val::record({Val::u64(mix(ino ^ mix(dev))), Val::u64(mix(dev ^ mix(~ino)))}));
}

Result<Val> metadataHash(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_TRY(Descriptor * d, descriptorArg(call, t, args[0]));
  struct stat st;
  if (fstat(d->host(), &st) != 0) return errFromErrno();
  return hashVal(st);
}

Result<Val> metadataHashAt(HostCall& call, const FsTypes& t, std::span<Val> args) {
  struct stat st;
  P2_TRY(Val r, statPath(call, t, args, st));
  return r.isOk() ? hashVal(st) : r;
}

// new-timestamp -> timespec: no-change, now, or a datetime (nanoseconds < 1e9).
std::optional<struct timespec> timeSpec(const Val& v) {
  if (v.disc == 0) return timespec{0, UTIME_OMIT};
  if (v.disc == 1) return timespec{0, UTIME_NOW};
  const Val& dt = v.payload();
  uint64_t sec = dt.items.at(0).u, nsec = dt.items.at(1).u;
  if (nsec >= 1'000'000'000 || sec > static_cast<uint64_t>(LLONG_MAX)) return std::nullopt;
  return timespec{static_cast<time_t>(sec), static_cast<long>(nsec)};
}

Result<Val> setTimes(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_TRY(Descriptor * d, descriptorArg(call, t, args[0]));
  if (d->read_only) return errVal(kNotPermitted);
  if (d->directory ? !(d->flags & kFlagMutateDirectory) : !(d->flags & kFlagWrite)) {
    return errVal(d->directory ? kNotPermitted : kBadDescriptor);
  }
  auto a = timeSpec(args[1]), m = timeSpec(args[2]);
  if (!a || !m) return errVal(kInvalid);
  struct timespec ts[2] = {*a, *m};
  if (futimens(d->host(), ts) != 0) return errFromErrno();
  return Val::ok();
}

Result<Val> setTimesAt(HostCall& call, const FsTypes& t, std::span<Val> args) {
  P2_DIR(dir, 0, true);
  auto a = timeSpec(args[3]), m = timeSpec(args[4]);
  if (!a || !m) return errVal(kInvalid);
  struct timespec ts[2] = {*a, *m};
  const std::string& path = args[2].bytes;
  P2_ERRNO_TRY(ParentAndName pn, wasi::sandbox::openParent(dir->host(), path));
  struct stat st;
  if (fstatat(pn.parent.get(), pn.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errFromErrno();
  bool follow = bitsOf(args[1]) & kPathFollow;
  if (!follow || (!S_ISLNK(st.st_mode) && !pn.trailing_slash)) {
    if (utimensat(pn.parent.get(), pn.name.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0)
      return errFromErrno();
    return Val::ok();
  }
  // Following a link: resolve it beneath the directory, then set the times on what it reached.
  P2_ERRNO_TRY(UniqueFd f, wasi::sandbox::openBeneath(dir->host(), path, O_PATH));
  char proc[64];
  std::snprintf(proc, sizeof proc, "/proc/self/fd/%d", f.get());
  if (utimensat(AT_FDCWD, proc, ts, 0) != 0) return errFromErrno();
  return Val::ok();
}

}  // namespace

void definePathOps(ComponentLinker& linker, const FsTypes& t) {
  defineOp(linker, t, "[method]descriptor.open-at", openAt);
  defineOp(linker, t, "[method]descriptor.create-directory-at", createDirectoryAt);
  defineOp(linker, t, "[method]descriptor.remove-directory-at", removeDirectoryAt);
  defineOp(linker, t, "[method]descriptor.unlink-file-at", unlinkFileAt);
  defineOp(linker, t, "[method]descriptor.symlink-at", symlinkAt);
  defineOp(linker, t, "[method]descriptor.readlink-at", readlinkAt);
  defineOp(linker, t, "[method]descriptor.rename-at", renameAt);
  defineOp(linker, t, "[method]descriptor.link-at", linkAt);
  defineOp(linker, t, "[method]descriptor.stat-at", statAt);
  defineOp(linker, t, "[method]descriptor.metadata-hash", metadataHash);
  defineOp(linker, t, "[method]descriptor.metadata-hash-at", metadataHashAt);
  defineOp(linker, t, "[method]descriptor.set-times", setTimes);
  defineOp(linker, t, "[method]descriptor.set-times-at", setTimesAt);
}

}  // namespace tern::wasi2::fs
