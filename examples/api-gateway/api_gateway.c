// The api-gateway example: a route table (prefix match, path rewrite), an API-key check, request
// and response header rewriting, and forwarding to a backend. Tern has no outbound HTTP or service
// chaining yet, so the backends are local functions in this guest: no network call is made.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/wagi_app.h"

// What a backend sees: the rewritten path and the forwarded headers ("Name: value\n" lines).
typedef struct {
  const char* method;
  char path[512];
  WagiBuf headers;
} Upstream;

typedef void (*Backend)(const Upstream* up, WagiResponse* res);

typedef struct {
  const char* prefix;   // matched against PATH_INFO
  const char* rewrite;  // replaces the prefix before forwarding
  int needs_key;        // X-Api-Key must equal API_KEY
  const char* backend_name;
  Backend backend;
} Route;

// Backends answer JSON describing what reached them, plus an internal header the gateway strips.
static void echo_backend(const char* name, const Upstream* up, WagiResponse* res) {
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
static void users_backend(const Upstream* up, WagiResponse* res) { echo_backend("users", up, res); }
static void orders_backend(const Upstream* up, WagiResponse* res) { echo_backend("orders", up, res); }
static void public_backend(const Upstream* up, WagiResponse* res) { echo_backend("public", up, res); }

static const Route kRoutes[] = {
    {"/api/v1/users", "/users", 1, "users", users_backend},
    {"/api/v1/orders", "/orders", 1, "orders", orders_backend},
    {"/public", "/", 0, "public", public_backend},
};

// Request headers the gateway forwards (CGI name, HTTP name); everything else (Cookie, X-Api-Key)
// stays at the edge.
static const char* const kForward[][2] = {
    {"HTTP_ACCEPT", "Accept"}, {"HTTP_USER_AGENT", "User-Agent"}, {"CONTENT_TYPE", "Content-Type"}};

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
  for (size_t i = 0; i < sizeof kForward / sizeof kForward[0]; ++i) {
    const char* v = wagi_env(req, kForward[i][0]);
    if (v && *v) wagi_printf(&up.headers, "%s: %s\n", kForward[i][1], v);
  }
  const char* rid = wagi_env(req, "HTTP_X_REQUEST_ID");
  wagi_printf(&up.headers, "X-Request-Id: %s\n", rid ? rid : "generated-by-gateway");
  wagi_printf(&up.headers, "X-Forwarded-Prefix: %s\n", route->prefix);
  if (route->needs_key) wagi_printf(&up.headers, "X-Authenticated: %s\n", "api-key");

  WagiResponse back = {200, {0}, {0}};
  route->backend(&up, &back);
  free(up.headers.data);
  // Response rewrite: drop headers starting X-Backend-, add the gateway's own.
  res->status = back.status;
  const char* h = back.headers.data ? back.headers.data : "";
  while (*h) {
    const char* end = strchr(h, '\n');
    if (strncmp(h, "X-Backend-", 10) != 0) wagi_append(&res->headers, h, (size_t)(end - h + 1));
    h = end + 1;
  }
  wagi_header(res, "X-Gateway", "tern");
  wagi_printf(&res->headers, "X-Upstream: %s\n", route->backend_name);
  wagi_append(&res->body, back.body.data, back.body.len);
  wagi_response_free(&back);
}
