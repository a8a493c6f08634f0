// The api-gateway example: a route table (prefix match, path rewrite), an API-key check, request
// and response header rewriting, and forwarding to a backend. With GATEWAY_UPSTREAM set (a URL
// template such as "http://{backend}.spin.internal", the component build) each request goes to its
// backend component over outbound HTTP / service chaining; without it (the WAGI build, which has no
// outbound HTTP) the backends are the same echo functions called inside this guest.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/wagi_app.h"
#include "echo_backend.h"

typedef struct {
  const char* prefix;   // matched against PATH_INFO
  const char* rewrite;  // replaces the prefix before forwarding
  int needs_key;        // X-Api-Key must equal API_KEY
  const char* backend;  // the backend's name (its component id when forwarding)
} Route;

static const Route kRoutes[] = {
    {"/api/v1/users", "/users", 1, "users"},
    {"/api/v1/orders", "/orders", 1, "orders"},
    {"/public", "/", 0, "public"},
};

// Request headers the gateway forwards are the first three of kForwardedHeaders (Accept,
// User-Agent, Content-Type); everything else (Cookie, X-Api-Key) stays at the edge.
enum { kClientHeaders = 3 };

// Sends `up` to the backend at GATEWAY_UPSTREAM ("{backend}" replaced by the route's backend).
static int forward(const char* upstream, const Route* route, const Upstream* up,
                   const WagiRequest* req, WagiResponse* back, char* err, size_t cap) {
  char url[1024];
  const char* mark = strstr(upstream, "{backend}");
  if (mark) {
    snprintf(url, sizeof url, "%.*s%s%s%s", (int)(mark - upstream), upstream, route->backend,
             mark + 9, up->path);
  } else {
    snprintf(url, sizeof url, "%s%s", upstream, up->path);
  }
  return app_fetch(up->method, url, up->headers.data, req->body, req->body_len, back, err, cap);
}

static int dropped_header(const char* line) {
  static const char* const kDrop[] = {"X-Backend-", "Content-Length:", "Transfer-Encoding:",
                                      "Connection:", "Date:"};
  for (size_t i = 0; i < sizeof kDrop / sizeof kDrop[0]; ++i)
    if (strncasecmp(line, kDrop[i], strlen(kDrop[i])) == 0) return 1;
  return 0;
}

static int prefix_match(const char* path, const char* prefix) {
  size_t n = strlen(prefix);
  return strncmp(path, prefix, n) == 0 && (path[n] == 0 || path[n] == '/' || prefix[n - 1] == '/');
}

static void reply(WagiResponse* res, int status, const char* json) {
  wagi_text(res, status, "application/json", json);
  wagi_header(res, "X-Gateway", "tern");
}

void app_handle(const WagiRequest* req, WagiResponse* res) {
  const char* path = wagi_env(req, "PATH_INFO");
  const char* method = wagi_env(req, "REQUEST_METHOD");
  if (!path || !*path) path = "/";
  if (strcmp(path, "/health") == 0) return reply(res, 200, "{\"status\":\"ok\"}\n");
  const Route* route = NULL;
  for (size_t i = 0; i < sizeof kRoutes / sizeof kRoutes[0] && !route; ++i)
    if (prefix_match(path, kRoutes[i].prefix)) route = &kRoutes[i];
  if (!route) return reply(res, 404, "{\"error\":\"no route\"}\n");
  if (route->needs_key) {
    // API_KEY comes from the manifest's `environment`; the default serves hosts without one.
    const char* want = wagi_env(req, "API_KEY");
    const char* got = wagi_env(req, "HTTP_X_API_KEY");
    if (!got) return reply(res, 401, "{\"error\":\"missing api key\"}\n");
    if (strcmp(got, want ? want : "tern-demo-key") != 0) return reply(res, 403, "{\"error\":\"bad api key\"}\n");
  }

  Upstream up = {method ? method : "GET", {0}, {0}};
  const char* rest = path + strlen(route->prefix);
  snprintf(up.path, sizeof up.path, "%s%s", route->rewrite,
           *rest == '/' && route->rewrite[strlen(route->rewrite) - 1] == '/' ? rest + 1 : rest);
  for (size_t i = 0; i < kClientHeaders; ++i) {
    const char* v = wagi_env(req, kForwardedHeaders[i][0]);
    if (v && *v) wagi_printf(&up.headers, "%s: %s\n", kForwardedHeaders[i][1], v);
  }
  const char* rid = wagi_env(req, "HTTP_X_REQUEST_ID");
  wagi_printf(&up.headers, "X-Request-Id: %s\n", rid ? rid : "generated-by-gateway");
  wagi_printf(&up.headers, "X-Forwarded-Prefix: %s\n", route->prefix);
  if (route->needs_key) wagi_printf(&up.headers, "X-Authenticated: %s\n", "api-key");

  WagiResponse back = {200, {0}, {0}};
  const char* upstream = wagi_env(req, "GATEWAY_UPSTREAM");
  if (upstream && *upstream) {
    char err[128];
    int rc = forward(upstream, route, &up, req, &back, err, sizeof err);
    free(up.headers.data);
    if (rc != 0) {
      wagi_response_free(&back);
      wagi_text(res, 502, "application/json", "");
      wagi_printf(&res->body, "{\"error\":\"upstream %s: %s\"}\n", route->backend, err);
      wagi_header(res, "X-Gateway", "tern");
      return;
    }
  } else {
    echo_backend(route->backend, &up, &back);
    free(up.headers.data);
  }
  // Response rewrite: drop headers starting X-Backend- and the framing ones the server sets, add
  // the gateway's own.
  res->status = back.status;
  const char* h = back.headers.data ? back.headers.data : "";
  while (*h) {
    const char* end = strchr(h, '\n');
    if (!dropped_header(h)) wagi_append(&res->headers, h, (size_t)(end - h + 1));
    h = end + 1;
  }
  wagi_header(res, "X-Gateway", "tern");
  wagi_printf(&res->headers, "X-Upstream: %s\n", route->backend);
  wagi_append(&res->body, back.body.data, back.body.len);
  wagi_response_free(&back);
}
