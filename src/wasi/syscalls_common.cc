// Shared helpers of the WASI host: fd lookup with rights checks, iovecs, paths, filestat.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "wasi/syscalls.h"
#include "wasi/wasi_limits.h"

namespace tern::wasi {

namespace {

constexpr abi::Rights kPathMutations =
    abi::kRightPathCreateDirectory | abi::kRightPathCreateFile | abi::kRightPathLinkSource |
    abi::kRightPathLinkTarget | abi::kRightPathRenameSource | abi::kRightPathRenameTarget |
    abi::kRightPathFilestatSetSize | abi::kRightPathFilestatSetTimes | abi::kRightPathSymlink |
    abi::kRightPathRemoveDirectory | abi::kRightPathUnlinkFile;

abi::Filetype filetypeOf(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return abi::Filetype::kRegularFile;
    case S_IFDIR:
      return abi::Filetype::kDirectory;
    case S_IFLNK:
      return abi::Filetype::kSymbolicLink;
    case S_IFCHR:
      return abi::Filetype::kCharacterDevice;
    case S_IFBLK:
      return abi::Filetype::kBlockDevice;
    case S_IFSOCK:
      return abi::Filetype::kSocketStream;
    default:
      return abi::Filetype::kUnknown;  // FIFOs: preview 1 has no code for them
  }
}

uint64_t nanos(const struct timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

abi::Filetype filetypeFromMode(mode_t mode) { return filetypeOf(mode); }

Errno missingRights(const FdEntry& entry, abi::Rights needed) {
  abi::Rights missing = needed & ~entry.base;
  if (entry.read_only && (needed & abi::kMutatingRights & ~(abi::kRightFdWrite))) {
    return Errno::kPerm;
  }
  if (missing == 0) return Errno::kSuccess;
  if (missing & (abi::kRightFdRead | abi::kRightFdWrite)) return Errno::kBadf;
  if (missing & kPathMutations) return Errno::kPerm;
  return Errno::kNotcapable;
}

ErrnoOr<FdEntry*> Syscalls::entry(uint32_t fd) const {
  FdEntry* e = fds_.get(fd);
  if (!e) return errnoFail(Errno::kBadf);
  return e;
}

ErrnoOr<FdEntry*> Syscalls::dirEntry(uint32_t fd, abi::Rights rights) const {
  FdEntry* e = fds_.get(fd);
  if (!e) return errnoFail(Errno::kBadf);
  if (e->kind != FdKind::kDirectory) return errnoFail(Errno::kNotdir);
  if (Errno r = missingRights(*e, rights); r != Errno::kSuccess) return errnoFail(r);
  return e;
}

Result<std::string> Syscalls::readPath(const GuestMemory& m, uint32_t ptr, uint32_t len) const {
  auto s = m.string(ptr, len);
  if (!s) return fail(s.error());
  return std::string(*s);
}

Result<std::vector<struct iovec>> Syscalls::iovecs(const GuestMemory& m, uint32_t iovs,
                                                   uint32_t iovs_len) const {
  std::vector<struct iovec> out;
  // Reading the array first bounds-checks it as a whole (iovs_len * 8 cannot overflow u64).
  auto array = m.span(iovs, uint64_t{iovs_len} * abi::iovec::kSize);
  if (!array) return fail(array.error());
  out.reserve(std::min(iovs_len, kMaxIovecs));
  for (uint32_t i = 0; i < iovs_len; ++i) {
    uint64_t at = uint64_t{iovs} + uint64_t{i} * abi::iovec::kSize;
    auto buf = m.load<uint32_t>(at + abi::iovec::kBuf);
    auto len = m.load<uint32_t>(at + abi::iovec::kLen);
    if (!buf || !len) return fail(buf ? len.error() : buf.error());
    auto bytes = m.span(*buf, *len);
    if (!bytes) return fail(bytes.error());
    if (*len == 0) continue;
    out.push_back({bytes->data(), bytes->size()});
  }
  return out;
}

Result<Errno> Syscalls::writeFilestat(const GuestMemory& m, uint32_t out,
                                      const struct stat& st) const {
  WASI_TRY(auto s, m.span(out, abi::filestat::kSize));
  std::memset(s.data(), 0, s.size());
  auto put64 = [&](uint32_t off, uint64_t v) { std::memcpy(s.data() + off, &v, 8); };
  put64(abi::filestat::kDev, static_cast<uint64_t>(st.st_dev));
  put64(abi::filestat::kIno, static_cast<uint64_t>(st.st_ino));
  s[abi::filestat::kFiletype] = static_cast<uint8_t>(filetypeOf(st.st_mode));
  put64(abi::filestat::kNlink, static_cast<uint64_t>(st.st_nlink));
  put64(abi::filestat::kFileSize, static_cast<uint64_t>(st.st_size));
  put64(abi::filestat::kAtim, nanos(st.st_atim));
  put64(abi::filestat::kMtim, nanos(st.st_mtim));
  put64(abi::filestat::kCtim, nanos(st.st_ctim));
  return Errno::kSuccess;
}

}  // namespace tern::wasi
