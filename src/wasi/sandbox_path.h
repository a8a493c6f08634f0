// Path resolution that cannot leave a directory: the core of the WASI capability sandbox.
//
// Every guest path is resolved relative to a directory fd the guest holds, and must stay beneath
// it: absolute paths, ".." above the directory and symlinks (anywhere in the path) whose target
// leads outside fail with EPERM, which is what wasmtime reports for an escape attempt. The kernel
// enforces this with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) (Linux >= 5.6); only if
// openat2 reports ENOSYS do we walk the path one component at a time with O_NOFOLLOW opens,
// expanding symlinks ourselves against a stack of directory fds (the same rules, in user space).
//
// Operations on a directory entry itself (mkdir, unlink, rmdir, rename, link, symlink, readlink)
// use openParent(): the parent is resolved beneath the directory and the final name contains no
// slash and is never "." or "..", so the *at(2) call that follows touches only an entry inside
// the sandbox and never follows a final symlink.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "wasi/errno.h"
#include "wasi/fd_table.h"

namespace tern::wasi::sandbox {

// Checks a guest path: kIlseq for invalid UTF-8, kInval for an embedded NUL, kNametoolong beyond
// kMaxPathBytes, kNoent when empty, kPerm when absolute.
Errno validatePath(std::string_view path);

// open(2) of `path` beneath `dirfd` with `flags` (O_CLOEXEC is added; O_NOFOLLOW applies to the
// final component only, and a trailing slash still follows, as POSIX says). Errors are WASI
// errnos; an escape attempt is kPerm.
ErrnoOr<UniqueFd> openBeneath(int dirfd, std::string_view path, int flags, mode_t mode = 0);

struct ParentAndName {
  UniqueFd parent;      // an O_PATH directory fd beneath the starting directory
  std::string name;     // one component: no '/', never "" or ".." ("." for the directory itself)
  bool trailing_slash;  // the guest path ended in '/': the entry must be a directory
};

// Splits `path` into its parent directory (opened beneath `dirfd`) and final name. A path whose
// last component is "." or ".." names a directory, which is then the parent and name is ".".
ErrnoOr<ParentAndName> openParent(int dirfd, std::string_view path);

// Testing hook: use the manual walk even where openat2 exists.
void forceManualWalkForTesting(bool force);

}  // namespace tern::wasi::sandbox
