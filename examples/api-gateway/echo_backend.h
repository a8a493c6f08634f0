// The api-gateway's backends: each answers JSON describing what reached it (method, rewritten path,
// forwarded headers) plus an internal header the gateway strips. The same function runs inside the
// gateway (WAGI build) and as its own component behind service chaining (backend.c).
#ifndef TERN_EXAMPLES_ECHO_BACKEND_H
#define TERN_EXAMPLES_ECHO_BACKEND_H

#include "../common/wagi_app.h"

// What a backend sees: the rewritten path and the forwarded headers ("Name: value\n" lines).
typedef struct {
  const char* method;
  char path[512];
  WagiBuf headers;
} Upstream;

// The headers a gateway forwards, in the order it adds them (CGI name, HTTP name).
extern const char* const kForwardedHeaders[][2];
extern const unsigned kForwardedHeaderCount;

void echo_backend(const char* name, const Upstream* up, WagiResponse* res);

#endif
