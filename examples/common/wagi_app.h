// The handler interface shared by the edge example apps: one pure function from request to response,
// so the same C runs as a WAGI guest (wagi_main.c) and in the native benchmark driver.
#ifndef TERN_EXAMPLES_WAGI_APP_H
#define TERN_EXAMPLES_WAGI_APP_H

#include <stddef.h>

// A request as WAGI presents it (CGI/1.1 variables: PATH_INFO, QUERY_STRING, HTTP_<HEADER>, ...).
// `env` is a NULL-terminated "NAME=VALUE" array the caller owns; `body` is the request body.
typedef struct {
  const char* const* env;
  const unsigned char* body;
  size_t body_len;
} WagiRequest;

// A growable byte buffer; the caller frees `data`. Appends that run out of memory set `failed`.
typedef struct {
  char* data;
  size_t len, cap;
  int failed;
} WagiBuf;

// The response: `status`, header lines ("Name: value\n" each) and the body.
typedef struct {
  int status;
  WagiBuf headers;
  WagiBuf body;
} WagiResponse;

// Each app defines this one function. It must not keep pointers into `req` after returning.
void app_handle(const WagiRequest* req, WagiResponse* res);

// Outbound HTTP: `header_lines` are "Name: value\n" lines (may be NULL). Fills `res` and returns 0,
// or returns -1 with a reason in `err`. Only the component build (component_main.c) has outbound
// HTTP; the WAGI and native builds link wagi_util.c's fallback, which reports that.
int app_fetch(const char* method, const char* url, const char* header_lines, const void* body,
              size_t body_len, WagiResponse* res, char* err, size_t cap);

// Helpers (wagi_util.c).
const char* wagi_env(const WagiRequest* req, const char* name);  // NULL when absent
// The query parameter `name` copied into out (at most cap-1 bytes, not URL-decoded); 0 if absent.
int wagi_query(const WagiRequest* req, const char* name, char* out, size_t cap);
void wagi_append(WagiBuf* b, const void* data, size_t len);
void wagi_printf(WagiBuf* b, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void wagi_header(WagiResponse* res, const char* name, const char* value);
// Status + text/plain or application/json body in one call.
void wagi_text(WagiResponse* res, int status, const char* content_type, const char* text);
void wagi_response_free(WagiResponse* res);

#endif
