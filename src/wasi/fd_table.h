// The guest's file descriptor table: what each WASI fd number refers to, and its rights.
//
// A WasiContext owns one FdTable; every host fd in it is owned (UniqueFd) and closed with the
// context, except inherited stdio (fds 0-2 of the tern process), which is borrowed and never
// closed. Numbers are allocated lowest-free-first, like POSIX, up to wasi::kMaxFds.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "wasi/abi.h"
#include "wasi/errno.h"
#include "wasi/output_buffer.h"

namespace tern::wasi {

// Owns one host file descriptor; move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

enum class FdKind : uint8_t {
  kStdin,      // host fd 0, an in-memory byte string, or empty
  kStdout,     // host fd 1, a capture buffer, or discarded
  kStderr,     // host fd 2, a capture buffer, or discarded
  kFile,       // a regular file or other non-directory opened by path_open
  kDirectory,  // a pre-opened directory or one opened by path_open
  kListener,   // a pre-opened listening socket (sock_accept)
  kSocket,     // a connection returned by sock_accept
};

// One entry of an fd_readdir snapshot (cookie = index in the snapshot).
struct DirListingEntry {
  std::string name;
  uint64_t ino = 0;
  abi::Filetype type = abi::Filetype::kUnknown;
};

struct FdEntry {
  FdKind kind = FdKind::kFile;
  // The host fd; -1 for in-memory stdio. Borrowed (not closed) when `borrowed` is set.
  int host_fd = -1;
  bool borrowed = false;
  abi::Filetype filetype = abi::Filetype::kUnknown;
  abi::Rights base = 0;
  abi::Rights inheriting = 0;
  uint16_t fdflags = 0;
  // Pre-opened directories: the name the guest sees (fd_prestat_dir_name).
  std::string preopen_name;
  bool read_only = false;
  // Captured or in-memory stdio.
  OutputBuffer* output = nullptr;      // kStdout/kStderr capture target, or null
  const std::string* input = nullptr;  // kStdin in-memory bytes, or null (empty stdin)
  size_t input_pos = 0;
  // Unique per context (never reused), so a cached fd_readdir snapshot is tied to this entry.
  uint64_t id = 0;

  FdEntry() = default;
  FdEntry(const FdEntry&) = delete;
  FdEntry& operator=(const FdEntry&) = delete;
  ~FdEntry() {
    if (host_fd >= 0 && !borrowed) ::close(host_fd);
  }
  bool isStdio() const {
    return kind == FdKind::kStdin || kind == FdKind::kStdout || kind == FdKind::kStderr;
  }
  bool hasRights(abi::Rights r) const { return (base & r) == r; }
};

class FdTable {
 public:
  // The entry for `fd`, or null when it is not open.
  FdEntry* get(uint32_t fd) const;
  // Installs `entry` at the lowest free number (and gives it a fresh id). kMfile when full.
  ErrnoOr<uint32_t> insert(std::unique_ptr<FdEntry> entry);
  // Installs `entry` at exactly `fd` (setup only; replaces what was there).
  void insertAt(uint32_t fd, std::unique_ptr<FdEntry> entry);
  // Removes and returns the entry (closing happens when it is destroyed).
  std::unique_ptr<FdEntry> remove(uint32_t fd);
  // fd_renumber: moves `from` over `to` (both must be open); `to`'s old entry is closed.
  Errno renumber(uint32_t from, uint32_t to);
  size_t openCount() const;

 private:
  std::vector<std::unique_ptr<FdEntry>> slots_;
  uint64_t next_id_ = 1;
};

}  // namespace tern::wasi
