// Hostile wasi:http component: sends a request to a host its manifest does not allow
// (http://127.0.0.1:9, the discard port). The host must refuse it before any connection with
// HTTP-request-denied; the guest then answers 502 naming the error. Any other outcome (a response,
// or a different error such as connection-refused, which would mean a connection was tried)
// answers 200, which the driver counts as a failure.
#include <stdio.h>
#include <string.h>

#include "tern_http.h"

TERN_HTTP_HANDLER void handle(uint32_t request, uint32_t outparam) {
  (void)request;
  char err[128] = "";
  TernFetched got;
  int rc = tern_fetch("GET", "http://127.0.0.1:9/steal", NULL, 0, NULL, 0, 1 << 20, &got, err,
                      sizeof err);
  if (rc == 0) tern_fetched_free(&got);
  int denied = rc != 0 && strcmp(err, "HTTP-request-denied") == 0;
  char text[192];
  snprintf(text, sizeof text, "%s: %s\n", denied ? "denied" : "NOT DENIED", rc ? err : "response");
  TernHeader ct = {"content-type", (uint8_t*)"text/plain", 10};
  TernResponse res;
  if (tern_response_start(outparam, denied ? 502 : 200, &ct, 1, &res) != 0) return;
  tern_response_write(&res, text, strlen(text));
  tern_response_finish(&res);
}
