// The wasi:http component entry point for the edge example apps: the same app_handle() as the WAGI
// build (wagi_main.c), fed from a wasi:http incoming-request. The request becomes the CGI variables
// the apps read (REQUEST_METHOD, PATH_INFO, QUERY_STRING, HTTP_<NAME>, CONTENT_TYPE, ...) followed
// by the component's environment, and app_fetch() is real outbound HTTP (tern_fetch).
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/libc-environ.h>

#include "tern_http.h"
#include "wagi_app.h"

enum { kMaxBody = 16 << 20 };

static char* env_entry(const char* name, const void* value, size_t len) {
  size_t n = strlen(name);
  char* e = malloc(n + len + 2);
  if (!e) abort();
  memcpy(e, name, n);
  e[n] = '=';
  memcpy(e + n + 1, value, len);
  e[n + 1 + len] = 0;
  return e;
}

// The header's CGI name: HTTP_ + upper case with '-' as '_'; Content-Type/Length keep no prefix.
static void cgi_name(const char* header, char* out, size_t cap) {
  int plain = strcasecmp(header, "content-type") == 0 || strcasecmp(header, "content-length") == 0;
  size_t o = plain ? 0 : (size_t)snprintf(out, cap, "HTTP_");
  for (const char* h = header; *h && o + 1 < cap; ++h)
    out[o++] = *h == '-' ? '_' : (char)toupper((unsigned char)*h);
  out[o] = 0;
}

static const TernHeader* find_header(const TernRequest* r, const char* name) {
  for (size_t i = 0; i < r->header_count; ++i)
    if (strcasecmp(r->headers[i].name, name) == 0) return &r->headers[i];
  return NULL;
}

static void answer_text(uint32_t outparam, int status, const char* text) {
  TernHeader ct = {"content-type", (uint8_t*)"text/plain", 10};
  TernResponse res;
  if (tern_response_start(outparam, status, &ct, 1, &res) == 0) {
    tern_response_write(&res, text, strlen(text));
    tern_response_finish(&res);
  }
}

// "Name: value\n" lines as header pairs pointing into `lines` (which this edits in place).
static size_t parse_header_lines(char* lines, TernHeader* out, size_t cap) {
  size_t n = 0;
  for (char* line = lines; line && *line && n < cap;) {
    char* end = strchr(line, '\n');
    if (end) *end = 0;
    char* colon = strchr(line, ':');
    if (colon) {
      *colon = 0;
      char* v = colon + 1;
      while (*v == ' ') ++v;
      out[n++] = (TernHeader){line, (uint8_t*)v, strlen(v)};
    }
    line = end ? end + 1 : NULL;
  }
  return n;
}

TERN_HTTP_HANDLER void handle(uint32_t request, uint32_t outparam) {
  char err[128];
  TernRequest in;
  if (tern_request_read(request, kMaxBody, &in, err, sizeof err) != 0) {
    tern_request_free(&in);
    return answer_text(outparam, 400, err);
  }
  char** own_env = __wasilibc_get_environ();  // the component's environment, read on first use
  size_t env_count = 0;
  for (char** e = own_env; *e; ++e) ++env_count;
  char** env = calloc(in.header_count + env_count + 8, sizeof *env);
  if (!env) abort();
  size_t n = 0;
  char* query = strchr(in.path_with_query, '?');
  if (query) *query++ = 0;
  // Spin gives a component its path below the route in spin-path-info, as WAGI's PATH_INFO.
  const TernHeader* path_info = find_header(&in, "spin-path-info");
  env[n++] = env_entry("REQUEST_METHOD", in.method, strlen(in.method));
  env[n++] = path_info ? env_entry("PATH_INFO", path_info->value, path_info->value_len)
                       : env_entry("PATH_INFO", in.path_with_query, strlen(in.path_with_query));
  env[n++] = env_entry("QUERY_STRING", query ? query : "", query ? strlen(query) : 0);
  for (size_t i = 0; i < in.header_count; ++i) {
    char name[256];
    cgi_name(in.headers[i].name, name, sizeof name);
    env[n++] = env_entry(name, in.headers[i].value, in.headers[i].value_len);
  }
  size_t owned = n;
  for (char** e = own_env; *e; ++e) env[n++] = *e;

  WagiRequest req = {(const char* const*)env, in.body, in.body_len};
  WagiResponse res = {200, {0}, {0}};
  app_handle(&req, &res);
  for (size_t i = 0; i < owned; ++i) free(env[i]);
  free(env);
  tern_request_free(&in);
  if (res.headers.failed || res.body.failed) {
    wagi_response_free(&res);
    return answer_text(outparam, 500, "out of memory\n");
  }

  TernHeader headers[64];
  wagi_append(&res.headers, "", 1);  // NUL-terminate the header lines
  size_t hn = parse_header_lines(res.headers.data, headers, 64);
  TernResponse out;
  if (tern_response_start(outparam, res.status, headers, hn, &out) == 0) {
    tern_response_write(&out, res.body.data, res.body.len);
    tern_response_finish(&out);
  }
  wagi_response_free(&res);
}

int app_fetch(const char* method, const char* url, const char* header_lines, const void* body,
              size_t body_len, WagiResponse* res, char* err, size_t cap) {
  char* lines = strdup(header_lines ? header_lines : "");
  if (!lines) abort();
  TernHeader headers[64];
  size_t hn = parse_header_lines(lines, headers, 64);
  TernFetched got;
  int rc = tern_fetch(method, url, headers, hn, body, body_len, kMaxBody, &got, err, cap);
  free(lines);
  if (rc != 0) return -1;
  res->status = got.status;
  for (size_t i = 0; i < got.header_count; ++i)
    wagi_printf(&res->headers, "%s: %.*s\n", got.headers[i].name, (int)got.headers[i].value_len,
                (const char*)got.headers[i].value);
  wagi_append(&res->body, got.body, got.body_len);
  tern_fetched_free(&got);
  return 0;
}
