// Named limits on every count read from untrusted input or granted to a guest.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tern::limits {

// Wasm module shape (checked after decoding, before code generation).
inline constexpr size_t kMaxModuleBytes = 256u << 20;
inline constexpr uint32_t kMaxFunctions = 1'000'000;
inline constexpr uint32_t kMaxParams = 1'000;
inline constexpr uint32_t kMaxResults = 1'000;
inline constexpr uint32_t kMaxLocals = 50'000;
inline constexpr uint32_t kMaxTableElements = 10'000'000;
inline constexpr uint32_t kMaxSegments = 100'000;
// Block/loop/if nesting depth: code generation recurses once per level.
inline constexpr uint32_t kMaxNesting = 4096;

// Linear memory: 32-bit index space, 64 KiB pages.
inline constexpr uint64_t kWasmPageBytes = 64 * 1024;
inline constexpr uint32_t kMaxWasmPages = 65536;
// Reservation per memory: 4 GiB of index space + 4 GiB for a 32-bit static offset, plus a page of
// slack, so any address `base + u32 index + u32 offset + access size` lands in the reservation.
inline constexpr uint64_t kMemoryReservationBytes = (8ull << 30) + kWasmPageBytes;

// A released memory slot at most this large is reset by copying its initial contents back
// (no syscall, no TLB shootdown, no page faults on reuse); larger ones by madvise(DONTNEED).
inline constexpr uint64_t kKeepResidentBytes = 256 * 1024;

// Native stack kept free below a guest for its largest frame (locals are capped by kMaxLocals),
// host calls and the signal handler.
inline constexpr size_t kStackReserveBytes = 1024 * 1024;

// WASI preview 1 (per WasiContext / per call).
inline constexpr uint32_t kMaxFds = 4096;                 // open descriptors; more: EMFILE
inline constexpr uint64_t kMaxPathBytes = 4096;           // one guest path; longer: ENAMETOOLONG
inline constexpr uint32_t kMaxIovecs = 1024;              // iovecs per read/write; more: EINVAL
inline constexpr uint32_t kMaxPollSubscriptions = 4096;   // per poll_oneoff; more: EINVAL
inline constexpr size_t kMaxDirEntries = 100'000;         // one fd_readdir snapshot
inline constexpr size_t kDefaultCaptureBytes = 1u << 20;  // captured stdout/stderr per stream
inline constexpr int kMaxSymlinkFollows = 40;             // manual walk (no openat2); more: ELOOP
// WASI 0.2 host (wasi2/): sizes a guest asks for.
inline constexpr uint64_t kMaxStreamChunk = 1u << 20;   // bytes per stream read / write grant
inline constexpr uint64_t kMaxRandomBytes = 1u << 24;   // one get-random-bytes; more traps
inline constexpr size_t kMaxPollList = 4096;            // pollables per wasi:io/poll.poll; more traps

// Component model (component binaries are untrusted input; see component/binary.cc).
inline constexpr size_t kMaxComponentBytes = 256u << 20;
inline constexpr uint32_t kMaxComponentVecItems = 100'000;    // items in one section or list
inline constexpr uint32_t kMaxComponentNesting = 32;          // nested components / types
// Definitions created while resolving a component, nested instantiations included (a binary
// that instantiates its nested components many times cannot make compilation explode).
inline constexpr uint32_t kMaxComponentDefinitions = 1'000'000;
inline constexpr uint32_t kMaxComponentTypeDepth = 100;       // val type nesting (list<list<...>>)
inline constexpr uint32_t kMaxComponentFuncParams = 1'000;
inline constexpr uint32_t kMaxComponentCaseCount = 10'000;    // variant cases, flags, fields
inline constexpr uint32_t kMaxFlagsCount = 32;                // flags per flags type (spec: 32)
inline constexpr uint32_t kMaxComponentHandles = 100'000;     // live handles per instance
inline constexpr size_t kMaxHostResources = 100'000;         // live host objects per Session

// Host services (src/host): key-value stores, SQLite databases, variables.
inline constexpr size_t kMaxKvKeyBytes = 1024;             // one key; longer: an error value
inline constexpr size_t kMaxKvValueBytes = 1u << 20;       // one value; larger: an error value
inline constexpr size_t kMaxKvBatchKeys = 1000;            // keys in one get/set/delete-many
inline constexpr size_t kMaxKvListedKeys = 100'000;        // keys one get-keys may return
inline constexpr size_t kKvListPageKeys = 1000;            // keys per wasi:keyvalue list-keys page
inline constexpr size_t kMaxSqlStatementBytes = 1u << 20;  // one SQL statement text
inline constexpr size_t kMaxSqlParams = 999;               // parameters bound to one statement
inline constexpr size_t kMaxSqlResultBytes = 16u << 20;    // cells of one query result, summed
inline constexpr size_t kMaxSqlConnections = 64;           // pooled connections per database

// Component model: host memory one lift of guest values may take (Val nodes plus string/list
// bytes) beyond the size of the guest's memory, so zero-sized or aliased list elements cannot
// make the host build a tree far larger than the guest itself.
inline constexpr uint64_t kMaxCanonLiftBytes = uint64_t{256} << 20;

// Guests on the request path (executor/): what one request's guest may hand back.
// Bytes a WAGI guest may write to stdout (its whole response); more is cut and logged.
inline constexpr size_t kMaxGuestStdoutBytes = 64u << 20;
// Header block of a guest's response (WAGI: everything before the blank line; wasi:http: the
// header fields); more gives 500, as nginx refuses an upstream's "too big header".
inline constexpr size_t kMaxGuestResponseHeaderBytes = 64u << 10;
// Bytes of guest stdout/stderr kept per request for the guest log (--log-dir or the console).
inline constexpr size_t kMaxGuestStderrBytes = 1u << 20;

}  // namespace tern::limits
