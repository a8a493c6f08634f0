// Hostile wasi:http component: answers 200 and writes half a body, then returns from the handler
// without outgoing-body.finish. An unfinished body is incomplete: the client must get a 5xx.
#include "tern_http.h"

TERN_HTTP_HANDLER void handle(uint32_t request, uint32_t outparam) {
  (void)request;
  TernHeader len = {"content-type", (uint8_t*)"text/plain", 10};
  TernResponse res;
  if (tern_response_start(outparam, 200, &len, 1, &res) != 0) return;
  tern_response_write(&res, "the first half of the body\n", 27);
}
