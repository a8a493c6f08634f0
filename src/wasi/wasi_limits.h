// Named limits for the WASI host: every count a guest controls is capped here.
//
// These belong with the others in common/limits.h; they live here until that file's owner moves
// them (src/common is outside the wasi stage's ownership).
#pragma once

#include <cstddef>
#include <cstdint>

namespace tern::wasi {

// Open descriptors per WasiContext (stdio and pre-opens included); more gives EMFILE.
inline constexpr uint32_t kMaxFds = 4096;
// Bytes in one guest path (PATH_MAX); longer gives ENAMETOOLONG.
inline constexpr uint64_t kMaxPathBytes = 4096;
// iovecs in one fd_read/fd_write/sock_* call (IOV_MAX); more gives EINVAL.
inline constexpr uint32_t kMaxIovecs = 1024;
// Subscriptions in one poll_oneoff call; more gives EINVAL.
inline constexpr uint32_t kMaxPollSubscriptions = 4096;
// Entries one fd_readdir snapshot holds (one snapshot per context at a time); a larger
// directory is listed up to this many.
inline constexpr size_t kMaxDirEntries = 100'000;
// Default cap on captured stdout/stderr bytes per stream.
inline constexpr size_t kDefaultCaptureBytes = 1u << 20;
// Symlinks followed in one path resolution by the manual (pre-openat2) walk; more gives ELOOP.
inline constexpr int kMaxSymlinkFollows = 40;

}  // namespace tern::wasi
