// The wasi_snapshot_preview1 ABI: enum values, flag bits, rights and struct layouts (witx).
//
// Values and byte offsets follow `wasi_snapshot_preview1.witx` (WASI 0.2-era legacy docs,
// `legacy/preview1/witx/typenames.witx`); guest memory is little-endian, as is every host Tern
// runs on, so structs are written field by field at these offsets.
#pragma once

#include <cstdint>

namespace tern::wasi::abi {

inline constexpr char kModuleName[] = "wasi_snapshot_preview1";

// ---- filetype (u8) ----
enum class Filetype : uint8_t {
  kUnknown = 0,
  kBlockDevice = 1,
  kCharacterDevice = 2,
  kDirectory = 3,
  kRegularFile = 4,
  kSocketDgram = 5,
  kSocketStream = 6,
  kSymbolicLink = 7,
};

// ---- clockid (u32) ----
inline constexpr uint32_t kClockRealtime = 0;
inline constexpr uint32_t kClockMonotonic = 1;
inline constexpr uint32_t kClockProcessCputime = 2;
inline constexpr uint32_t kClockThreadCputime = 3;

// ---- whence (u8) ----
inline constexpr uint32_t kWhenceSet = 0;
inline constexpr uint32_t kWhenceCur = 1;
inline constexpr uint32_t kWhenceEnd = 2;

// ---- advice (u8) ----
inline constexpr uint32_t kAdviceMax =
    5;  // normal, sequential, random, willneed, dontneed, noreuse

// ---- fdflags (u16) ----
inline constexpr uint16_t kFdflagAppend = 1 << 0;
inline constexpr uint16_t kFdflagDsync = 1 << 1;
inline constexpr uint16_t kFdflagNonblock = 1 << 2;
inline constexpr uint16_t kFdflagRsync = 1 << 3;
inline constexpr uint16_t kFdflagSync = 1 << 4;
inline constexpr uint16_t kFdflagsAll = 0x1f;

// ---- oflags (u16) ----
inline constexpr uint16_t kOflagCreat = 1 << 0;
inline constexpr uint16_t kOflagDirectory = 1 << 1;
inline constexpr uint16_t kOflagExcl = 1 << 2;
inline constexpr uint16_t kOflagTrunc = 1 << 3;
inline constexpr uint16_t kOflagsAll = 0xf;

// ---- lookupflags (u32) ----
inline constexpr uint32_t kLookupSymlinkFollow = 1 << 0;

// ---- fstflags (u16) ----
inline constexpr uint16_t kFstAtim = 1 << 0;
inline constexpr uint16_t kFstAtimNow = 1 << 1;
inline constexpr uint16_t kFstMtim = 1 << 2;
inline constexpr uint16_t kFstMtimNow = 1 << 3;
inline constexpr uint16_t kFstAll = 0xf;

// ---- eventtype (u8), subclockflags (u16), eventrwflags (u16) ----
inline constexpr uint8_t kEventClock = 0;
inline constexpr uint8_t kEventFdRead = 1;
inline constexpr uint8_t kEventFdWrite = 2;
inline constexpr uint16_t kSubclockAbstime = 1 << 0;
inline constexpr uint16_t kEventrwHangup = 1 << 0;

// ---- riflags / roflags / sdflags ----
inline constexpr uint16_t kRiflagPeek = 1 << 0;
inline constexpr uint16_t kRiflagWaitall = 1 << 1;
inline constexpr uint16_t kRoflagDataTruncated = 1 << 0;
inline constexpr uint8_t kSdflagRd = 1 << 0;
inline constexpr uint8_t kSdflagWr = 1 << 1;

// ---- preopentype (u8) ----
inline constexpr uint8_t kPreopenDir = 0;

// ---- rights (u64) ----
using Rights = uint64_t;
inline constexpr Rights kRightFdDatasync = 1ull << 0;
inline constexpr Rights kRightFdRead = 1ull << 1;
inline constexpr Rights kRightFdSeek = 1ull << 2;
inline constexpr Rights kRightFdFdstatSetFlags = 1ull << 3;
inline constexpr Rights kRightFdSync = 1ull << 4;
inline constexpr Rights kRightFdTell = 1ull << 5;
inline constexpr Rights kRightFdWrite = 1ull << 6;
inline constexpr Rights kRightFdAdvise = 1ull << 7;
inline constexpr Rights kRightFdAllocate = 1ull << 8;
inline constexpr Rights kRightPathCreateDirectory = 1ull << 9;
inline constexpr Rights kRightPathCreateFile = 1ull << 10;
inline constexpr Rights kRightPathLinkSource = 1ull << 11;
inline constexpr Rights kRightPathLinkTarget = 1ull << 12;
inline constexpr Rights kRightPathOpen = 1ull << 13;
inline constexpr Rights kRightFdReaddir = 1ull << 14;
inline constexpr Rights kRightPathReadlink = 1ull << 15;
inline constexpr Rights kRightPathRenameSource = 1ull << 16;
inline constexpr Rights kRightPathRenameTarget = 1ull << 17;
inline constexpr Rights kRightPathFilestatGet = 1ull << 18;
inline constexpr Rights kRightPathFilestatSetSize = 1ull << 19;
inline constexpr Rights kRightPathFilestatSetTimes = 1ull << 20;
inline constexpr Rights kRightFdFilestatGet = 1ull << 21;
inline constexpr Rights kRightFdFilestatSetSize = 1ull << 22;
inline constexpr Rights kRightFdFilestatSetTimes = 1ull << 23;
inline constexpr Rights kRightPathSymlink = 1ull << 24;
inline constexpr Rights kRightPathRemoveDirectory = 1ull << 25;
inline constexpr Rights kRightPathUnlinkFile = 1ull << 26;
inline constexpr Rights kRightPollFdReadwrite = 1ull << 27;
inline constexpr Rights kRightSockShutdown = 1ull << 28;
inline constexpr Rights kRightSockAccept = 1ull << 29;
inline constexpr Rights kRightsAll = (1ull << 30) - 1;

// Rights that make sense on a regular file descriptor.
inline constexpr Rights kFileRights =
    kRightFdDatasync | kRightFdRead | kRightFdSeek | kRightFdFdstatSetFlags | kRightFdSync |
    kRightFdTell | kRightFdWrite | kRightFdAdvise | kRightFdAllocate | kRightFdFilestatGet |
    kRightFdFilestatSetSize | kRightFdFilestatSetTimes | kRightPollFdReadwrite;
// Rights that make sense on a directory descriptor (no seek, no set-size: truncation is a path
// operation on directories).
inline constexpr Rights kDirectoryRights =
    kRightFdFdstatSetFlags | kRightFdSync | kRightFdAdvise | kRightPathCreateDirectory |
    kRightPathCreateFile | kRightPathLinkSource | kRightPathLinkTarget | kRightPathOpen |
    kRightFdReaddir | kRightPathReadlink | kRightPathRenameSource | kRightPathRenameTarget |
    kRightPathFilestatGet | kRightPathFilestatSetSize | kRightPathFilestatSetTimes |
    kRightFdFilestatGet | kRightFdFilestatSetTimes | kRightPathSymlink | kRightPathRemoveDirectory |
    kRightPathUnlinkFile;
// What a read-only pre-open refuses (EPERM), for itself and for everything opened beneath it.
inline constexpr Rights kMutatingRights =
    kRightFdWrite | kRightFdAllocate | kRightPathCreateDirectory | kRightPathCreateFile |
    kRightPathLinkSource | kRightPathLinkTarget | kRightPathRenameSource | kRightPathRenameTarget |
    kRightPathFilestatSetSize | kRightPathFilestatSetTimes | kRightFdFilestatSetSize |
    kRightFdFilestatSetTimes | kRightPathSymlink | kRightPathRemoveDirectory | kRightPathUnlinkFile;
inline constexpr Rights kSocketRights = kRightFdRead | kRightFdWrite | kRightFdFdstatSetFlags |
                                        kRightFdFilestatGet | kRightPollFdReadwrite |
                                        kRightSockShutdown;
inline constexpr Rights kListenerRights =
    kRightFdFdstatSetFlags | kRightFdFilestatGet | kRightPollFdReadwrite | kRightSockAccept;

// ---- struct layouts: size and field offsets ----
namespace iovec {  // iovec / ciovec
inline constexpr uint32_t kSize = 8;
inline constexpr uint32_t kBuf = 0;
inline constexpr uint32_t kLen = 4;
}  // namespace iovec

namespace fdstat {
inline constexpr uint32_t kSize = 24;
inline constexpr uint32_t kFiletype = 0;
inline constexpr uint32_t kFlags = 2;
inline constexpr uint32_t kRightsBase = 8;
inline constexpr uint32_t kRightsInheriting = 16;
}  // namespace fdstat

namespace filestat {
inline constexpr uint32_t kSize = 64;
inline constexpr uint32_t kDev = 0;
inline constexpr uint32_t kIno = 8;
inline constexpr uint32_t kFiletype = 16;
inline constexpr uint32_t kNlink = 24;
inline constexpr uint32_t kFileSize = 32;
inline constexpr uint32_t kAtim = 40;
inline constexpr uint32_t kMtim = 48;
inline constexpr uint32_t kCtim = 56;
}  // namespace filestat

namespace prestat {
inline constexpr uint32_t kSize = 8;
inline constexpr uint32_t kTag = 0;
inline constexpr uint32_t kNameLen = 4;
}  // namespace prestat

namespace dirent {
inline constexpr uint32_t kSize = 24;  // header; the name follows, not NUL-terminated
inline constexpr uint32_t kNext = 0;
inline constexpr uint32_t kIno = 8;
inline constexpr uint32_t kNamlen = 16;
inline constexpr uint32_t kType = 20;
}  // namespace dirent

namespace subscription {
inline constexpr uint32_t kSize = 48;
inline constexpr uint32_t kUserdata = 0;
inline constexpr uint32_t kTag = 8;
inline constexpr uint32_t kClockId = 16;
inline constexpr uint32_t kClockTimeout = 24;
inline constexpr uint32_t kClockPrecision = 32;
inline constexpr uint32_t kClockFlags = 40;
inline constexpr uint32_t kFd = 16;
}  // namespace subscription

namespace event {
inline constexpr uint32_t kSize = 32;
inline constexpr uint32_t kUserdata = 0;
inline constexpr uint32_t kError = 8;
inline constexpr uint32_t kType = 10;
inline constexpr uint32_t kNbytes = 16;
inline constexpr uint32_t kFlags = 24;
}  // namespace event

}  // namespace tern::wasi::abi
