// Internals of the wasi:filesystem 0.2 host shared by wasi_filesystem*.cc: the descriptor
// object, flag bits, error-code mapping and the registration helper.
#pragma once

#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include "wasi2/io.h"
#include "wasi2/util.h"
#include "wasi/errno.h"
#include "wasi/fd_table.h"

namespace tern::wasi2::fs {

inline constexpr std::string_view kTypes = "wasi:filesystem/types@0.2.12";
inline constexpr std::string_view kPreopens = "wasi:filesystem/preopens@0.2.12";

// descriptor-flags bits (WIT order).
enum : uint32_t {
  kFlagRead = 1u << 0,
  kFlagWrite = 1u << 1,
  kFlagFileSync = 1u << 2,
  kFlagDataSync = 1u << 3,
  kFlagRequestedWriteSync = 1u << 4,
  kFlagMutateDirectory = 1u << 5,
};

// wasi:filesystem error-code cases used by name here (WIT order; the full mapping is errorCode).
enum ErrorCase : uint32_t {
  kBadDescriptor = 3,
  kInvalid = 12,
  kIsDirectory = 14,
  kNotDirectory = 24,
  kNotPermitted = 31,
};

// A descriptor's host fd, counted in the session's WasiP2Context::open_fds (which outlives it),
// so a guest cannot exhaust the host's fds: at limits::kMaxFds open-at fails.
class HostFd {
 public:
  HostFd(int fd, size_t& live) : fd_(fd), live_(live) { ++live_; }
  ~HostFd() { --live_; }
  HostFd(const HostFd&) = delete;
  HostFd& operator=(const HostFd&) = delete;
  int get() const { return fd_.get(); }

 private:
  wasi::UniqueFd fd_;
  size_t& live_;
};

// wasi:filesystem/types.descriptor. The host fd is shared with the streams opened from it, so a
// stream stays valid if the guest drops the descriptor first.
struct Descriptor : HostObject {
  std::shared_ptr<HostFd> fd;
  bool directory = false;
  uint32_t flags = 0;      // descriptor-flags; a directory's mutate-directory is its write right
  bool read_only = false;  // beneath a read-only pre-open: every mutation is not-permitted
  int host() const { return fd->get(); }
};

// A directory-entry-stream: a snapshot taken by read-directory.
struct DirEntryStream : HostObject {
  std::vector<std::pair<uint32_t, std::string>> entries;  // descriptor-type, name
  size_t pos = 0;
};

struct FsTypes {
  IoTypes io;
  const ResourceType* descriptor = nullptr;
  const ResourceType* dir_stream = nullptr;
};

// The error-code case for a preview 1 errno (the sandbox code reports those).
uint32_t errorCode(wasi::Errno e);
// result<_, error-code> values.
inline Val errVal(uint32_t code) { return Val::err(Val::enumCase(code)); }
inline Val errVal(wasi::Errno e) { return errVal(errorCode(e)); }
Val errFromErrno();  // from the host's current errno

// descriptor-type of a stat mode; descriptor-stat record.
uint32_t descriptorType(mode_t mode);
Val statVal(const struct stat& st);

// A descriptor method: returns the whole result value (ok or err); an Error traps.
using FsOp = Result<Val> (*)(HostCall& call, const FsTypes& t, std::span<Val> args);
void defineOp(ComponentLinker& linker, const FsTypes& t, std::string_view name, FsOp op);

// The descriptor a `self`/`borrow<descriptor>` argument refers to.
inline Result<Descriptor*> descriptorArg(HostCall& call, const FsTypes& t, const Val& v) {
  return self<Descriptor>(call, t.descriptor, v);
}

// Defines the path-based descriptor methods (wasi_filesystem_paths.cc).
void definePathOps(ComponentLinker& linker, const FsTypes& t);

}  // namespace tern::wasi2::fs
