// Named limits for the HTTP front end: every size and time a client controls is capped here.
//
// These belong with the others in common/limits.h; they live here until that file's owner moves
// them (src/common is outside the http stage's ownership).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tern::http {

// Request line + header fields of one request; more gives 431.
inline constexpr uint32_t kMaxHeaderBytes = 16 * 1024;
// Decoded request body (Content-Length or chunked); more gives 413.
inline constexpr uint64_t kMaxBodyBytes = 64ull << 20;
// Bytes a WAGI guest may write to stdout (its whole response); more is cut and logged.
inline constexpr size_t kMaxGuestStdoutBytes = 64u << 20;
// Header block of a WAGI response (everything before the blank line); more gives 500, as nginx
// refuses an upstream's "too big header".
inline constexpr size_t kMaxGuestResponseHeaderBytes = 64u << 10;
// Bytes of guest stderr kept per request for --log-dir.
inline constexpr size_t kMaxGuestStderrBytes = 1u << 20;
// Admission: how long a request may wait for an instance slot, and how many may wait per gate.
inline constexpr std::chrono::milliseconds kQueueTimeout{1000};
inline constexpr uint32_t kQueueLength = 128;
// Responses larger than this are sent with chunked transfer coding (HTTP/1.1 clients).
inline constexpr size_t kChunkedResponseThreshold = 1u << 20;

// A keep-alive connection with no request in progress is closed after this.
inline constexpr std::chrono::seconds kIdleTimeout{60};
// From the first byte of a request to the end of its header; then the connection is closed.
inline constexpr std::chrono::seconds kHeaderTimeout{10};
// Reading one request body; then the connection is closed.
inline constexpr std::chrono::seconds kBodyTimeout{60};
// Writing one response.
inline constexpr std::chrono::seconds kWriteTimeout{60};

}  // namespace tern::http
