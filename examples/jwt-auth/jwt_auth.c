// The jwt-auth example: validates an HS256 JWT (RFC 7519; signature per RFC 7515 §A.1, then exp,
// nbf and aud) and answers 200 with the claims or 401 with the reason.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/wagi_app.h"
#include "sha256.h"

enum { kMaxToken = 8192 };

// base64url without padding (RFC 7515 §2); returns the decoded length or -1.
static long b64url_decode(const char* in, size_t len, uint8_t* out) {
  uint32_t acc = 0;
  int bits = 0;
  long n = 0;
  for (size_t i = 0; i < len; ++i) {
    char c = in[i];
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '-'             ? 62
            : c == '_'             ? 63
                                   : -1;
    if (v < 0) return -1;
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (uint8_t)(acc >> bits);
    }
  }
  return len % 4 == 1 ? -1 : n;
}

// A tiny JSON skipper, enough to find top-level members of the header and payload objects.
static const char* ws(const char* p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') ++p;
  return p;
}
static const char* skip_value(const char* p, int depth);
static const char* skip_string(const char* p) {
  if (*p != '"') return NULL;
  for (++p; *p && *p != '"'; ++p)
    if (*p == '\\' && !*++p) return NULL;
  return *p ? p + 1 : NULL;
}
static const char* skip_value(const char* p, int depth) {
  p = ws(p);
  if (depth > 32) return NULL;
  if (*p == '"') return skip_string(p);
  if (*p == '{' || *p == '[') {
    char close = *p == '{' ? '}' : ']';
    p = ws(p + 1);
    if (*p == close) return p + 1;
    for (;;) {
      if (close == '}') {
        if (!(p = skip_string(ws(p)))) return NULL;
        p = ws(p);
        if (*p++ != ':') return NULL;
      }
      if (!(p = skip_value(p, depth + 1))) return NULL;
      p = ws(p);
      if (*p == close) return p + 1;
      if (*p++ != ',') return NULL;
    }
  }
  const char* s = p;
  while (*p && strchr("+-.0123456789eEtrufalsn", *p)) ++p;
  return p > s ? p : NULL;
}
// The value of top-level member `key` in object `json` (a pointer into it), or NULL.
static const char* member(const char* json, const char* key) {
  const char* p = ws(json);
  if (*p++ != '{') return NULL;
  size_t klen = strlen(key);
  for (p = ws(p); *p && *p != '}';) {
    const char* k = p;
    if (!(p = skip_string(p))) return NULL;
    int match = (size_t)(p - k) == klen + 2 && strncmp(k + 1, key, klen) == 0;
    p = ws(p);
    if (*p++ != ':') return NULL;
    p = ws(p);
    if (match) return p;
    const char* next = skip_value(p, 1);
    if (!next) return NULL;
    p = ws(next);
    if (*p == ',') p = ws(p + 1);
  }
  return NULL;
}
static int string_is(const char* v, const char* s) {
  size_t n = strlen(s);
  return v && *v == '"' && strncmp(v + 1, s, n) == 0 && v[n + 1] == '"';
}
// aud is a string or an array of strings (RFC 7519 §4.1.3).
static int audience_ok(const char* v, const char* want) {
  if (!v) return 0;
  if (*v == '"') return string_is(v, want);
  if (*v != '[') return 0;
  for (const char* p = ws(v + 1); *p == '"';) {
    if (string_is(p, want)) return 1;
    p = ws(skip_string(p));
    if (*p != ',') break;
    p = ws(p + 1);
  }
  return 0;
}

static void deny(WagiResponse* res, const char* reason) {
  res->status = 401;
  wagi_printf(&res->headers, "WWW-Authenticate: Bearer error=\"invalid_token\", error_description=\"%s\"\n", reason);
  wagi_header(res, "Content-Type", "application/json");
  wagi_printf(&res->body, "{\"valid\":false,\"reason\":\"%s\"}\n", reason);
}

static void hex(WagiBuf* b, const uint8_t* d, size_t n) {
  for (size_t i = 0; i < n; ++i) wagi_printf(b, "%02x", d[i]);
}

// POST .../digest: SHA-256 of the body, or HMAC-SHA256 with the X-Hmac-Key header as key; the e2e
// test checks both against FIPS 180-4 and RFC 4231 vectors.
static void digest(const WagiRequest* req, WagiResponse* res) {
  uint8_t out[32];
  const char* key = wagi_env(req, "HTTP_X_HMAC_KEY");
  if (key) {
    hmac_sha256(key, strlen(key), req->body, req->body_len, out);
  } else {
    Sha256 s;
    sha256_init(&s);
    sha256_update(&s, req->body, req->body_len);
    sha256_final(&s, out);
  }
  wagi_header(res, "Content-Type", "text/plain");
  hex(&res->body, out, 32);
  wagi_append(&res->body, "\n", 1);
}

static void validate(const char* token, size_t len, const char* secret, const char* audience,
                     WagiResponse* res) {
  const char* dot1 = memchr(token, '.', len);
  const char* dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
  if (!dot2) return deny(res, "malformed token");
  static uint8_t header[kMaxToken], payload[kMaxToken], sig[kMaxToken];
  long hn = b64url_decode(token, (size_t)(dot1 - token), header);
  long pn = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), payload);
  long sn = b64url_decode(dot2 + 1, len - (size_t)(dot2 + 1 - token), sig);
  if (hn < 0 || pn < 0 || sn < 0) return deny(res, "malformed token");
  header[hn] = 0;
  payload[pn] = 0;
  // Only HS256: a token naming "none" or another algorithm is refused (RFC 8725 §3.1).
  if (!string_is(member((const char*)header, "alg"), "HS256")) return deny(res, "unsupported alg");
  uint8_t mac[32];
  hmac_sha256(secret, strlen(secret), token, (size_t)(dot2 - token), mac);
  uint8_t diff = sn == 32 ? 0 : 1;
  for (int i = 0; i < 32 && sn == 32; ++i) diff |= mac[i] ^ sig[i];  // constant time
  if (diff) return deny(res, "bad signature");
  const char* claims = (const char*)payload;
  if (!skip_value(claims, 0) || *ws(claims) != '{') return deny(res, "malformed claims");
  long long now = (long long)time(NULL);
  const char* exp = member(claims, "exp");
  const char* nbf = member(claims, "nbf");
  if (exp && now >= strtoll(exp, NULL, 10)) return deny(res, "token expired");
  if (nbf && now < strtoll(nbf, NULL, 10)) return deny(res, "token not yet valid");
  if (!audience_ok(member(claims, "aud"), audience)) return deny(res, "wrong audience");
  wagi_header(res, "Content-Type", "application/json");
  wagi_printf(&res->body, "{\"valid\":true,\"claims\":%s}\n", claims);
}

void app_handle(const WagiRequest* req, WagiResponse* res) {
  const char* path = wagi_env(req, "PATH_INFO");
  size_t plen = path ? strlen(path) : 0;
  if (plen >= 7 && strcmp(path + plen - 7, "/digest") == 0) return digest(req, res);
  // CGI hosts (Spin's WAGI, Tern) withhold Authorization (RFC 3875 §4.1.18), so the token may
  // also come in X-Authorization.
  const char* auth = wagi_env(req, "HTTP_AUTHORIZATION");
  if (!auth) auth = wagi_env(req, "HTTP_X_AUTHORIZATION");
  if (!auth || strncmp(auth, "Bearer ", 7) != 0) return deny(res, "missing bearer token");
  const char* token = auth + 7;
  size_t len = strlen(token);
  if (len >= kMaxToken) return deny(res, "token too long");
  const char* secret = wagi_env(req, "JWT_SECRET");
  const char* audience = wagi_env(req, "JWT_AUDIENCE");
  validate(token, len, secret ? secret : "tern-demo-secret", audience ? audience : "tern-edge", res);
}
