// Named limits for the HTTP front end: every size and time a client controls is capped here.
// (Limits on guests are in common/limits.h, admission defaults in trigger/admission.h.)
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tern::http {

// Request line + header fields of one request; more gives 431.
inline constexpr uint32_t kMaxHeaderBytes = 16 * 1024;
// Decoded request body (Content-Length or chunked); more gives 413.
inline constexpr uint64_t kMaxBodyBytes = 64ull << 20;
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
