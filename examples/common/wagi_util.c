// Helpers for the edge example apps: environment and query look-ups, growable response buffers.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wagi_app.h"

const char* wagi_env(const WagiRequest* req, const char* name) {
  size_t n = strlen(name);
  for (const char* const* e = req->env; e && *e; ++e)
    if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') return *e + n + 1;
  return NULL;
}

int wagi_query(const WagiRequest* req, const char* name, char* out, size_t cap) {
  const char* q = wagi_env(req, "QUERY_STRING");
  size_t n = strlen(name);
  while (q && *q) {
    const char* end = strchr(q, '&');
    size_t len = end ? (size_t)(end - q) : strlen(q);
    if (len > n && strncmp(q, name, n) == 0 && q[n] == '=') {
      size_t v = len - n - 1;
      if (v >= cap) v = cap - 1;
      memcpy(out, q + n + 1, v);
      out[v] = 0;
      return 1;
    }
    q = end ? end + 1 : NULL;
  }
  return 0;
}

void wagi_append(WagiBuf* b, const void* data, size_t len) {
  if (b->failed) return;
  if (b->len + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + len + 1) cap *= 2;
    char* p = realloc(b->data, cap);
    if (!p) {
      b->failed = 1;
      return;
    }
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = 0;
}

void wagi_printf(WagiBuf* b, const char* fmt, ...) {
  char small[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    wagi_append(b, small, (size_t)n);
    return;
  }
  char* big = malloc((size_t)n + 1);
  if (!big) {
    b->failed = 1;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  wagi_append(b, big, (size_t)n);
  free(big);
}

void wagi_header(WagiResponse* res, const char* name, const char* value) {
  wagi_printf(&res->headers, "%s: %s\n", name, value);
}

void wagi_text(WagiResponse* res, int status, const char* content_type, const char* text) {
  res->status = status;
  wagi_header(res, "Content-Type", content_type);
  wagi_append(&res->body, text, strlen(text));
}

void wagi_response_free(WagiResponse* res) {
  free(res->headers.data);
  free(res->body.data);
  memset(res, 0, sizeof *res);
}

__attribute__((weak)) int app_fetch(const char* method, const char* url, const char* header_lines,
                                    const void* body, size_t body_len, WagiResponse* res,
                                    char* err, size_t cap) {
  (void)method, (void)url, (void)header_lines, (void)body, (void)body_len, (void)res;
  snprintf(err, cap, "outbound HTTP needs the component build");
  return -1;
}
