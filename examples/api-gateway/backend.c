// A backend of the api-gateway as its own component (BACKEND_NAME from the manifest), reached by
// the gateway through service chaining: it echoes what the gateway forwarded.
#include <stdio.h>
#include <stdlib.h>

#include "echo_backend.h"

void app_handle(const WagiRequest* req, WagiResponse* res) {
  const char* name = wagi_env(req, "BACKEND_NAME");
  const char* method = wagi_env(req, "REQUEST_METHOD");
  const char* path = wagi_env(req, "PATH_INFO");
  const char* query = wagi_env(req, "QUERY_STRING");
  Upstream up = {method ? method : "GET", {0}, {0}};
  snprintf(up.path, sizeof up.path, "%s%s%s", path && *path ? path : "/",
           query && *query ? "?" : "", query && *query ? query : "");
  for (unsigned i = 0; i < kForwardedHeaderCount; ++i) {
    const char* v = wagi_env(req, kForwardedHeaders[i][0]);
    if (v && *v) wagi_printf(&up.headers, "%s: %s\n", kForwardedHeaders[i][1], v);
  }
  echo_backend(name ? name : "backend", &up, res);
  free(up.headers.data);
}
