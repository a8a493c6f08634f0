// wasi:http@0.2.12 for C guests, written against the canonical ABI (CanonicalABI.md): resources are
// i32 handles; a result with more than one flat value comes back through a return pointer whose
// layout follows the ABI's alignment rules (offsets noted at each call).
#include "tern_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
#define TYPES "wasi:http/types@0.2.12"
#define STREAMS "wasi:io/streams@0.2.12"

// wasi:http/types
IMPORT(TYPES, "[method]incoming-request.method") void req_method(uint32_t, void* ret);
IMPORT(TYPES, "[method]incoming-request.path-with-query") void req_path(uint32_t, void* ret);
IMPORT(TYPES, "[method]incoming-request.headers") uint32_t req_headers(uint32_t);
IMPORT(TYPES, "[method]incoming-request.consume") void req_consume(uint32_t, void* ret);
IMPORT(TYPES, "[resource-drop]incoming-request") void drop_request(uint32_t);
IMPORT(TYPES, "[method]fields.entries") void fields_entries(uint32_t, void* ret);
IMPORT(TYPES, "[static]fields.from-list") void fields_from_list(const void*, size_t, void* ret);
IMPORT(TYPES, "[resource-drop]fields") void drop_fields(uint32_t);
IMPORT(TYPES, "[method]incoming-body.stream") void body_stream(uint32_t, void* ret);
IMPORT(TYPES, "[resource-drop]incoming-body") void drop_incoming_body(uint32_t);
IMPORT(TYPES, "[constructor]outgoing-response") uint32_t response_new(uint32_t headers);
IMPORT(TYPES, "[method]outgoing-response.set-status-code") uint32_t response_status(uint32_t, uint32_t);
IMPORT(TYPES, "[method]outgoing-response.body") void response_body(uint32_t, void* ret);
IMPORT(TYPES, "[method]outgoing-body.write") void outgoing_body_write(uint32_t, void* ret);
IMPORT(TYPES, "[static]outgoing-body.finish")
void outgoing_body_finish(uint32_t body, uint32_t has_trailers, uint32_t trailers, void* ret);
// result<own<outgoing-response>, error-code> flattens to a discriminant and the join of both
// cases: error-code's own discriminant (or the handle), then its payloads joined:
// [i32, i64, i32 x 4] (option<u64> puts an i64 second).
IMPORT(TYPES, "[static]response-outparam.set")
void outparam_set(uint32_t, uint32_t is_err, uint32_t, uint32_t, int64_t, uint32_t, uint32_t,
                  uint32_t, uint32_t);
IMPORT(TYPES, "[constructor]outgoing-request") uint32_t request_new(uint32_t headers);
IMPORT(TYPES, "[method]outgoing-request.set-method")
uint32_t request_set_method(uint32_t, uint32_t tag, const char*, size_t);
IMPORT(TYPES, "[method]outgoing-request.set-scheme")
uint32_t request_set_scheme(uint32_t, uint32_t some, uint32_t tag, const char*, size_t);
IMPORT(TYPES, "[method]outgoing-request.set-authority")
uint32_t request_set_authority(uint32_t, uint32_t some, const char*, size_t);
IMPORT(TYPES, "[method]outgoing-request.set-path-with-query")
uint32_t request_set_path(uint32_t, uint32_t some, const char*, size_t);
IMPORT(TYPES, "[method]outgoing-request.body") void request_body(uint32_t, void* ret);
IMPORT(TYPES, "[resource-drop]outgoing-request") void drop_outgoing_request(uint32_t);
IMPORT(TYPES, "[method]future-incoming-response.subscribe") uint32_t future_subscribe(uint32_t);
IMPORT(TYPES, "[method]future-incoming-response.get") void future_get(uint32_t, void* ret);
IMPORT(TYPES, "[resource-drop]future-incoming-response") void drop_future(uint32_t);
IMPORT(TYPES, "[method]incoming-response.status") uint32_t incoming_status(uint32_t);
IMPORT(TYPES, "[method]incoming-response.headers") uint32_t incoming_headers(uint32_t);
IMPORT(TYPES, "[method]incoming-response.consume") void incoming_consume(uint32_t, void* ret);
IMPORT(TYPES, "[resource-drop]incoming-response") void drop_incoming_response(uint32_t);
IMPORT("wasi:http/outgoing-handler@0.2.12", "handle")
void outgoing_handle(uint32_t request, uint32_t has_options, uint32_t options, void* ret);
// wasi:io
IMPORT(STREAMS, "[method]input-stream.blocking-read") void stream_read(uint32_t, uint64_t, void* ret);
IMPORT(STREAMS, "[method]output-stream.blocking-write-and-flush")
void stream_write(uint32_t, const void*, size_t, void* ret);
IMPORT(STREAMS, "[resource-drop]input-stream") void drop_input_stream(uint32_t);
IMPORT(STREAMS, "[resource-drop]output-stream") void drop_output_stream(uint32_t);
IMPORT("wasi:io/error@0.2.12", "[resource-drop]error") void drop_error(uint32_t);
IMPORT("wasi:io/poll@0.2.12", "[method]pollable.block") void pollable_block(uint32_t);
IMPORT("wasi:io/poll@0.2.12", "[resource-drop]pollable") void drop_pollable(uint32_t);

// The host allocates returned lists and strings here.
__attribute__((export_name("cabi_realloc"))) void* cabi_realloc(void* old, size_t old_size,
                                                               size_t align, size_t new_size) {
  (void)old_size, (void)align;  // malloc's 16-byte alignment covers every canonical ABI type
  void* p = realloc(old, new_size ? new_size : 1);
  if (!p) abort();
  return p;
}

// Return areas. 8-aligned: error-code payloads contain u64.
typedef struct {
  _Alignas(8) uint8_t bytes[64];
} Ret;
static uint8_t tag_at(const Ret* r, size_t off) { return r->bytes[off]; }
static uint32_t u32_at(const Ret* r, size_t off) {
  uint32_t v;
  memcpy(&v, r->bytes + off, 4);
  return v;
}

// Frees a list or string the host returned: an empty one may point at no allocation at all.
static void release(uint32_t ptr, uint32_t len) {
  if (len) free((void*)(uintptr_t)ptr);
}

static void fail(char* err, size_t cap, const char* what) {
  if (cap) snprintf(err, cap, "%s", what);
}

// wasi:http error-code case names, for messages (the order of the WIT variant).
static const char* const kErrorCodes[] = {
    "DNS-timeout", "DNS-error", "destination-not-found", "destination-unavailable",
    "destination-IP-prohibited", "destination-IP-unroutable", "connection-refused",
    "connection-terminated", "connection-timeout", "connection-read-timeout",
    "connection-write-timeout", "connection-limit-reached", "TLS-protocol-error",
    "TLS-certificate-error", "TLS-alert-received", "HTTP-request-denied",
    "HTTP-request-length-required", "HTTP-request-body-size", "HTTP-request-method-invalid",
    "HTTP-request-URI-invalid", "HTTP-request-URI-too-long", "HTTP-request-header-section-size",
    "HTTP-request-header-size", "HTTP-request-trailer-section-size", "HTTP-request-trailer-size",
    "HTTP-response-incomplete", "HTTP-response-header-section-size", "HTTP-response-header-size",
    "HTTP-response-body-size", "HTTP-response-trailer-section-size", "HTTP-response-trailer-size",
    "HTTP-response-transfer-coding", "HTTP-response-content-coding", "HTTP-response-timeout",
    "HTTP-upgrade-failed", "HTTP-protocol-error", "loop-detected", "configuration-error",
    "internal-error"};
static const char* error_code_name(uint8_t tag) {
  return tag < sizeof kErrorCodes / sizeof kErrorCodes[0] ? kErrorCodes[tag] : "unknown";
}

// Copies a fields resource's entries into NUL-terminated names and drops the handle.
static int read_fields(uint32_t fields, TernHeader** out, size_t* count) {
  Ret r;
  fields_entries(fields, &r);  // list<tuple<string, list<u8>>>: ptr at 0, len at 4
  drop_fields(fields);
  uint8_t* items = (uint8_t*)(uintptr_t)u32_at(&r, 0);
  size_t n = u32_at(&r, 4);
  TernHeader* hs = calloc(n ? n : 1, sizeof *hs);
  if (!hs) return -1;
  for (size_t i = 0; i < n; ++i) {  // each tuple: name ptr, name len, value ptr, value len
    uint32_t f[4];
    memcpy(f, items + 16 * i, 16);
    hs[i].name = malloc(f[1] + 1);
    if (!hs[i].name) return -1;
    memcpy(hs[i].name, (void*)(uintptr_t)f[0], f[1]);
    hs[i].name[f[1]] = 0;
    hs[i].value = f[3] ? (uint8_t*)(uintptr_t)f[2] : NULL;  // the host's allocation becomes ours
    hs[i].value_len = f[3];
    release(f[0], f[1]);
  }
  release((uint32_t)(uintptr_t)items, (uint32_t)n);
  *out = hs;
  *count = n;
  return 0;
}

static void free_headers(TernHeader* hs, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    free(hs[i].name);
    free(hs[i].value);
  }
  free(hs);
}

// Reads an input stream to its end (closed) into *data; more than max bytes is an error.
static int read_stream(uint32_t stream, size_t max, uint8_t** data, size_t* len, char* err,
                       size_t cap) {
  uint8_t* buf = NULL;
  size_t n = 0;
  for (;;) {
    Ret r;
    stream_read(stream, 65536, &r);  // result<list<u8>, stream-error>
    if (tag_at(&r, 0) != 0) {
      if (tag_at(&r, 4) == 0) {  // last-operation-failed(error)
        drop_error(u32_at(&r, 8));
        free(buf);
        fail(err, cap, "body stream failed");
        return -1;
      }
      break;  // closed: the end of the body
    }
    uint8_t* chunk = (uint8_t*)(uintptr_t)u32_at(&r, 4);
    size_t got = u32_at(&r, 8);
    if (n + got > max) {
      release((uint32_t)(uintptr_t)chunk, (uint32_t)got);
      free(buf);
      fail(err, cap, "body too large");
      return -1;
    }
    uint8_t* grown = realloc(buf, n + got + 1);
    if (!grown) abort();
    buf = grown;
    memcpy(buf + n, chunk, got);
    n += got;
    release((uint32_t)(uintptr_t)chunk, (uint32_t)got);
  }
  *data = buf;
  *len = n;
  return 0;
}

// Reads an incoming-body (request or response) and drops it.
static int read_body(uint32_t body, size_t max, uint8_t** data, size_t* len, char* err,
                     size_t cap) {
  Ret r;
  body_stream(body, &r);
  if (tag_at(&r, 0) != 0) {
    drop_incoming_body(body);
    fail(err, cap, "body stream unavailable");
    return -1;
  }
  uint32_t stream = u32_at(&r, 4);
  int rc = read_stream(stream, max, data, len, err, cap);
  drop_input_stream(stream);  // the stream is a child of the body: drop it first
  drop_incoming_body(body);
  return rc;
}

static const char* const kMethods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                       "CONNECT", "OPTIONS", "TRACE", "PATCH"};

int tern_request_read(uint32_t request, size_t max_body, TernRequest* out, char* err, size_t cap) {
  memset(out, 0, sizeof *out);
  Ret r;
  req_method(request, &r);  // variant method: tag at 0, other(string) at 4
  uint8_t tag = tag_at(&r, 0);
  if (tag < 9) {
    snprintf(out->method, sizeof out->method, "%s", kMethods[tag]);
  } else {
    char* s = (char*)(uintptr_t)u32_at(&r, 4);
    snprintf(out->method, sizeof out->method, "%.*s", (int)u32_at(&r, 8), s);
    release(u32_at(&r, 4), u32_at(&r, 8));
  }
  req_path(request, &r);  // option<string>: tag at 0, string at 4
  size_t plen = tag_at(&r, 0) ? u32_at(&r, 8) : 1;
  out->path_with_query = malloc(plen + 1);
  if (!out->path_with_query) abort();
  if (tag_at(&r, 0)) {
    memcpy(out->path_with_query, (void*)(uintptr_t)u32_at(&r, 4), plen);
    release(u32_at(&r, 4), (uint32_t)plen);
  } else {
    out->path_with_query[0] = '/';
  }
  out->path_with_query[plen] = 0;
  if (read_fields(req_headers(request), &out->headers, &out->header_count) != 0) abort();
  req_consume(request, &r);
  int rc = 0;
  if (tag_at(&r, 0) != 0) {
    fail(err, cap, "request body already consumed");
    rc = -1;
  } else {
    rc = read_body(u32_at(&r, 4), max_body, &out->body, &out->body_len, err, cap);
  }
  drop_request(request);
  return rc;
}

void tern_request_free(TernRequest* req) {
  free(req->path_with_query);
  free_headers(req->headers, req->header_count);
  free(req->body);
  memset(req, 0, sizeof *req);
}

// A fields resource from name/value pairs (names are NUL-terminated). Returns 0 on failure.
static uint32_t make_fields(const TernHeader* headers, size_t n) {
  uint32_t* list = calloc(n ? n : 1, 16);
  if (!list) abort();
  for (size_t i = 0; i < n; ++i) {
    list[4 * i] = (uint32_t)(uintptr_t)headers[i].name;
    list[4 * i + 1] = (uint32_t)strlen(headers[i].name);
    list[4 * i + 2] = (uint32_t)(uintptr_t)headers[i].value;
    list[4 * i + 3] = (uint32_t)headers[i].value_len;
  }
  Ret r;
  fields_from_list(list, n, &r);  // result<own<fields>, header-error>: tag at 0, handle at 4
  free(list);
  return tag_at(&r, 0) == 0 ? u32_at(&r, 4) : 0;
}

// Takes an outgoing-body's output stream.
static int open_write(uint32_t body, uint32_t* stream) {
  Ret r;
  outgoing_body_write(body, &r);
  if (tag_at(&r, 0) != 0) return -1;
  *stream = u32_at(&r, 4);
  return 0;
}

static int write_all(uint32_t stream, const uint8_t* p, size_t len) {
  while (len) {
    size_t n = len < 4096 ? len : 4096;  // blocking-write-and-flush takes at most 4096 bytes
    Ret r;
    stream_write(stream, p, n, &r);  // result<_, stream-error>: tag at 0, error at 4/8
    if (tag_at(&r, 0) != 0) {
      if (tag_at(&r, 4) == 0) drop_error(u32_at(&r, 8));
      return -1;
    }
    p += n;
    len -= n;
  }
  return 0;
}

static int finish_body(uint32_t body, uint32_t stream) {
  drop_output_stream(stream);
  Ret r;
  outgoing_body_finish(body, 0, 0, &r);  // result<_, error-code>
  return tag_at(&r, 0) == 0 ? 0 : -1;
}

int tern_response_start(uint32_t response_outparam, int status, const TernHeader* headers, size_t n,
                        TernResponse* out) {
  uint32_t fields = make_fields(headers, n);
  if (!fields) {
    outparam_set(response_outparam, 1, 38 /* internal-error(none) */, 0, 0, 0, 0, 0, 0);
    return -1;
  }
  uint32_t response = response_new(fields);
  Ret r;
  if (response_status(response, (uint32_t)status) != 0) return -1;
  response_body(response, &r);
  if (tag_at(&r, 0) != 0) return -1;
  out->body = u32_at(&r, 4);
  if (open_write(out->body, &out->stream) != 0) return -1;
  outparam_set(response_outparam, 0, response, 0, 0, 0, 0, 0, 0);
  return 0;
}

int tern_response_write(TernResponse* res, const void* data, size_t len) {
  return write_all(res->stream, data, len);
}

int tern_response_finish(TernResponse* res) { return finish_body(res->body, res->stream); }

// Splits scheme://authority/path?query. Returns 0 or -1.
static int split_url(const char* url, char* scheme, size_t scap, const char** authority,
                     size_t* alen, const char** path) {
  const char* sep = strstr(url, "://");
  if (!sep || (size_t)(sep - url) >= scap) return -1;
  memcpy(scheme, url, (size_t)(sep - url));
  scheme[sep - url] = 0;
  *authority = sep + 3;
  const char* slash = strchr(*authority, '/');
  *path = slash ? slash : "/";
  *alen = slash ? (size_t)(slash - *authority) : strlen(*authority);
  return *alen ? 0 : -1;
}

int tern_fetch(const char* method, const char* url, const TernHeader* headers, size_t n,
               const void* body, size_t body_len, size_t max_body, TernFetched* out, char* err,
               size_t cap) {
  memset(out, 0, sizeof *out);
  char scheme[16];
  const char* authority;
  const char* path;
  size_t alen;
  if (split_url(url, scheme, sizeof scheme, &authority, &alen, &path) != 0) {
    fail(err, cap, "bad url");
    return -1;
  }
  uint32_t fields = make_fields(headers, n);
  if (!fields) {
    fail(err, cap, "bad request header");
    return -1;
  }
  uint32_t request = request_new(fields);
  uint32_t mtag = 9;  // other(string) unless a standard method
  for (uint32_t i = 0; i < 9; ++i)
    if (strcmp(method, kMethods[i]) == 0) mtag = i;
  uint32_t stag = strcmp(scheme, "http") == 0 ? 0 : strcmp(scheme, "https") == 0 ? 1 : 2;
  if (request_set_method(request, mtag, method, strlen(method)) != 0 ||
      request_set_scheme(request, 1, stag, scheme, strlen(scheme)) != 0 ||
      request_set_authority(request, 1, authority, alen) != 0 ||
      request_set_path(request, 1, path, strlen(path)) != 0) {
    drop_outgoing_request(request);
    fail(err, cap, "bad request");
    return -1;
  }
  Ret r;
  request_body(request, &r);
  uint32_t obody = u32_at(&r, 4), ostream;
  if (tag_at(&r, 0) != 0 || open_write(obody, &ostream) != 0) {
    drop_outgoing_request(request);
    fail(err, cap, "request body unavailable");
    return -1;
  }
  // Send first, then stream the body: the host may start the request before the body ends.
  outgoing_handle(request, 0, 0, &r);  // result<own<future>, error-code>: tag 0, payload at 8
  if (tag_at(&r, 0) != 0) {
    fail(err, cap, error_code_name(tag_at(&r, 8)));
    finish_body(obody, ostream);
    return -1;
  }
  uint32_t future = u32_at(&r, 8);
  int wrote = write_all(ostream, body, body_len);
  int finished = finish_body(obody, ostream);
  uint32_t pollable = future_subscribe(future);
  pollable_block(pollable);
  drop_pollable(pollable);
  // option<result<result<own<incoming-response>, error-code>>>: tags at 0, 8, 16; payload at 24.
  future_get(future, &r);
  drop_future(future);
  if (tag_at(&r, 0) == 0 || tag_at(&r, 8) != 0) {
    fail(err, cap, "response not ready");
    return -1;
  }
  if (tag_at(&r, 16) != 0) {
    fail(err, cap, error_code_name(tag_at(&r, 24)));
    return -1;
  }
  if (wrote != 0 || finished != 0) {
    fail(err, cap, "request body write failed");
    return -1;
  }
  uint32_t response = u32_at(&r, 24);
  out->status = (int)incoming_status(response);
  if (read_fields(incoming_headers(response), &out->headers, &out->header_count) != 0) abort();
  incoming_consume(response, &r);
  int rc = tag_at(&r, 0) == 0
               ? read_body(u32_at(&r, 4), max_body, &out->body, &out->body_len, err, cap)
               : (fail(err, cap, "response body unavailable"), -1);
  drop_incoming_response(response);
  if (rc != 0) tern_fetched_free(out);
  return rc;
}

void tern_fetched_free(TernFetched* res) {
  free_headers(res->headers, res->header_count);
  free(res->body);
  memset(res, 0, sizeof *res);
}
