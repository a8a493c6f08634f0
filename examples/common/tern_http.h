// A small C binding for WASI 0.2 HTTP (wasi:http@0.2.12): read the incoming request, answer through
// the response-outparam, and send outbound requests through wasi:http/outgoing-handler (which is
// also how a component calls another one: http://<component>.spin.internal/...).
//
// Debian ships no wit-bindgen, so tern_http.c declares the canonical ABI's lowered imports by hand
// for the handful of functions it uses. CMake embeds the matching world (cmake/wasi_http_wit.mjs)
// and `jco new --wasi-reactor` turns the core module into a component.
#ifndef TERN_EXAMPLES_TERN_HTTP_H
#define TERN_EXAMPLES_TERN_HTTP_H

#include <stddef.h>
#include <stdint.h>

// The component's export. Define the handler with this attribute:
//   TERN_HTTP_HANDLER void handle(uint32_t request, uint32_t response_outparam) { ... }
#define TERN_HTTP_HANDLER \
  __attribute__((export_name("wasi:http/incoming-handler@0.2.12#handle")))

typedef struct {
  char* name;  // NUL-terminated
  uint8_t* value;
  size_t value_len;
} TernHeader;

typedef struct {
  char method[16];        // "GET", ...; "other" methods are cut to 15 bytes
  char* path_with_query;  // "/" when the request had none
  TernHeader* headers;
  size_t header_count;
  uint8_t* body;
  size_t body_len;
} TernRequest;

// Reads method, path, headers and up to `max_body` bytes of body (more is an error), and drops the
// request handle. Returns 0, or -1 with a reason in `err`.
int tern_request_read(uint32_t request, size_t max_body, TernRequest* out, char* err, size_t cap);
void tern_request_free(TernRequest* req);

// A response being written: tern_response_start sets the response-outparam (status + headers),
// then tern_response_write streams the body, and tern_response_finish ends it. Each returns 0 or -1.
typedef struct {
  uint32_t body;
  uint32_t stream;
} TernResponse;

int tern_response_start(uint32_t response_outparam, int status, const TernHeader* headers, size_t n,
                        TernResponse* out);
int tern_response_write(TernResponse* res, const void* data, size_t len);
int tern_response_finish(TernResponse* res);

// An outbound request. `url` is scheme://authority/path?query; `headers` may be NULL when n is 0.
// On success fills `out` (free with tern_fetched_free) and returns 0; otherwise -1 with a reason in
// `err` (e.g. "HTTP-request-denied" when the host is not in allowed_outbound_hosts).
typedef struct {
  int status;
  TernHeader* headers;
  size_t header_count;
  uint8_t* body;
  size_t body_len;
} TernFetched;

int tern_fetch(const char* method, const char* url, const TernHeader* headers, size_t n,
               const void* body, size_t body_len, size_t max_body, TernFetched* out, char* err,
               size_t cap);
void tern_fetched_free(TernFetched* res);

#endif
