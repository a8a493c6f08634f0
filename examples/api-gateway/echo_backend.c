#include "echo_backend.h"

#include <string.h>

const char* const kForwardedHeaders[][2] = {
    {"HTTP_ACCEPT", "Accept"},
    {"HTTP_USER_AGENT", "User-Agent"},
    {"CONTENT_TYPE", "Content-Type"},
    {"HTTP_X_REQUEST_ID", "X-Request-Id"},
    {"HTTP_X_FORWARDED_PREFIX", "X-Forwarded-Prefix"},
    {"HTTP_X_AUTHENTICATED", "X-Authenticated"},
};
const unsigned kForwardedHeaderCount = sizeof kForwardedHeaders / sizeof kForwardedHeaders[0];

void echo_backend(const char* name, const Upstream* up, WagiResponse* res) {
  wagi_header(res, "Content-Type", "application/json");
  wagi_header(res, "X-Backend-Internal", "secret-topology");
  wagi_printf(&res->body, "{\"backend\":\"%s\",\"method\":\"%s\",\"path\":\"%s\",\"headers\":[", name,
              up->method, up->path);
  const char* h = up->headers.data ? up->headers.data : "";
  for (int first = 1; *h; first = 0) {
    const char* end = strchr(h, '\n');
    wagi_printf(&res->body, "%s\"%.*s\"", first ? "" : ",", (int)(end - h), h);
    h = end + 1;
  }
  wagi_append(&res->body, "]}\n", 3);
}
