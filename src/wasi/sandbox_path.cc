// Sandboxed path resolution: openat2(RESOLVE_BENEATH), or a manual walk where openat2 is missing.
#include "wasi/sandbox_path.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <deque>
#include <vector>

#include "wasi/wasi_limits.h"

namespace tern::wasi::sandbox {
namespace {

enum Openat2State : int { kUnknown, kAvailable, kMissing };
std::atomic<int> g_openat2{kUnknown};
std::atomic<bool> g_force_manual{false};

bool validUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t extra;
    uint32_t min;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1, min = 0x80, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2, min = 0x800, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3, min = 0x10000, cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

std::deque<std::string> splitComponents(std::string_view path) {
  std::deque<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// The target of the symlink `fd` (an O_PATH|O_NOFOLLOW fd), split into components and pushed in
// front of `pending`. Absolute targets escape by definition.
Errno expandSymlink(int fd, std::deque<std::string>& pending, bool& must_be_dir, int& follows) {
  if (++follows > kMaxSymlinkFollows) return Errno::kLoop;
  std::string target(kMaxPathBytes, '\0');
  ssize_t n = readlinkat(fd, "", target.data(), target.size());
  if (n < 0) return fromHostErrno(errno);
  if (static_cast<size_t>(n) >= target.size()) return Errno::kNametoolong;
  target.resize(static_cast<size_t>(n));
  if (target.empty()) return Errno::kNoent;
  if (target[0] == '/') return Errno::kPerm;
  // A target ending in '/' (or naming "." / "..") must resolve to a directory when it is the
  // last thing resolved; a component following the link already demands one.
  if (pending.empty() && target.back() == '/') must_be_dir = true;
  auto parts = splitComponents(target);
  pending.insert(pending.begin(), parts.begin(), parts.end());
  return Errno::kSuccess;
}

// Resolution in user space: every component is opened O_PATH|O_NOFOLLOW relative to the
// directory on top of `stack`, symlinks are expanded by hand, ".." pops the stack and may never
// pop the starting directory.
ErrnoOr<UniqueFd> walkBeneath(int dirfd, std::string_view path, int flags, mode_t mode) {
  std::vector<UniqueFd> stack;
  auto top = [&] { return stack.empty() ? dirfd : stack.back().get(); };
  std::deque<std::string> pending = splitComponents(path);
  bool must_be_dir = path.ends_with('/');
  const bool follow_final = (flags & O_NOFOLLOW) == 0;
  int follows = 0;
  while (!pending.empty()) {
    std::string comp = std::move(pending.front());
    pending.pop_front();
    if (comp == ".") continue;
    if (comp == "..") {
      if (stack.empty()) return errnoFail(Errno::kPerm);
      stack.pop_back();
      continue;
    }
    bool last = pending.empty();
    if (last && !must_be_dir) {
      UniqueFd fd(openat(top(), comp.c_str(), flags | O_NOFOLLOW, mode));
      if (fd.valid()) {
        // O_PATH|O_NOFOLLOW opens a symlink itself instead of failing: expand it when following.
        struct stat st;
        if (follow_final && (flags & O_PATH) && fstat(fd.get(), &st) == 0 && S_ISLNK(st.st_mode)) {
          Errno e = expandSymlink(fd.get(), pending, must_be_dir, follows);
          if (e != Errno::kSuccess) return errnoFail(e);
          continue;
        }
        return fd;
      }
      int err = errno;
      if ((err == ELOOP || err == ENOTDIR) && follow_final) {
        struct stat st;
        if (fstatat(top(), comp.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
          UniqueFd link(openat(top(), comp.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
          if (!link.valid()) return hostFail();
          Errno e = expandSymlink(link.get(), pending, must_be_dir, follows);
          if (e != Errno::kSuccess) return errnoFail(e);
          continue;
        }
      }
      return errnoFail(fromHostErrno(err));
    }
    UniqueFd fd(openat(top(), comp.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return hostFail();
    struct stat st;
    if (fstat(fd.get(), &st) != 0) return hostFail();
    if (S_ISLNK(st.st_mode)) {
      Errno e = expandSymlink(fd.get(), pending, must_be_dir, follows);
      if (e != Errno::kSuccess) return errnoFail(e);
      continue;
    }
    if (!S_ISDIR(st.st_mode)) return errnoFail(Errno::kNotdir);
    stack.push_back(std::move(fd));
  }
  // The path named a directory (".", "a/..", "dir/"): open it with the caller's flags.
  int final_flags = (flags & ~O_NOFOLLOW) | (must_be_dir ? O_DIRECTORY : 0);
  int fd = openat(top(), ".", final_flags, mode);
  if (fd < 0) return hostFail();
  return UniqueFd(fd);
}

}  // namespace

Errno validatePath(std::string_view path) {
  if (path.size() > kMaxPathBytes) return Errno::kNametoolong;
  if (path.find('\0') != std::string_view::npos) return Errno::kInval;
  if (!validUtf8(path)) return Errno::kIlseq;
  if (path.empty()) return Errno::kNoent;
  if (path.front() == '/') return Errno::kPerm;
  return Errno::kSuccess;
}

ErrnoOr<UniqueFd> openBeneath(int dirfd, std::string_view path, int flags, mode_t mode) {
  if (Errno e = validatePath(path); e != Errno::kSuccess) return errnoFail(e);
  flags |= O_CLOEXEC;
  bool creates = (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
  std::string p(path);
  if (!g_force_manual.load(std::memory_order_relaxed) && g_openat2.load() != kMissing) {
    struct open_how how = {};
    how.flags = static_cast<uint64_t>(flags);
    how.mode = creates ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (int attempt = 0; attempt < 16; ++attempt) {
      long fd = syscall(SYS_openat2, dirfd, p.c_str(), &how, sizeof how);
      if (fd >= 0) {
        g_openat2.store(kAvailable);
        return UniqueFd(static_cast<int>(fd));
      }
      // EAGAIN: a concurrent rename raced with ".." resolution; the kernel asks us to retry.
      if (errno == EAGAIN) continue;
      if (errno == ENOSYS) break;
      g_openat2.store(kAvailable);
      if (errno == EXDEV) return errnoFail(Errno::kPerm);  // the path led outside
      return hostFail();
    }
    if (errno == EAGAIN) return hostFail();
    g_openat2.store(kMissing);
  }
  return walkBeneath(dirfd, p, flags, creates ? mode : 0);
}

ErrnoOr<ParentAndName> openParent(int dirfd, std::string_view path) {
  if (Errno e = validatePath(path); e != Errno::kSuccess) return errnoFail(e);
  size_t end = path.size();
  while (end > 0 && path[end - 1] == '/') --end;
  std::string_view stripped = path.substr(0, end);
  ParentAndName out{UniqueFd(), std::string(), end != path.size()};
  size_t slash = stripped.rfind('/');
  std::string_view parent = slash == std::string_view::npos ? "." : stripped.substr(0, slash);
  std::string_view name = slash == std::string_view::npos ? stripped : stripped.substr(slash + 1);
  if (name == "." || name == "..") {
    parent = stripped;
    name = ".";
  }
  auto fd = openBeneath(dirfd, parent, O_PATH | O_DIRECTORY);
  if (!fd) return errnoFail(fd.error());
  out.parent = std::move(*fd);
  out.name = std::string(name);
  return out;
}

void forceManualWalkForTesting(bool force) { g_force_manual.store(force); }

}  // namespace tern::wasi::sandbox
