// Hostile wasi:http component: answers 200, streams 256 KiB of body, then traps (unreachable)
// before finishing the body. The client must get a 5xx, never a 200 with a cut body.
#include <string.h>

#include "tern_http.h"

TERN_HTTP_HANDLER void handle(uint32_t request, uint32_t outparam) {
  (void)request;
  TernHeader ct = {"content-type", (uint8_t*)"text/plain", 10};
  TernResponse res;
  if (tern_response_start(outparam, 200, &ct, 1, &res) != 0) return;
  static char chunk[4096];
  memset(chunk, 'x', sizeof chunk);
  for (int i = 0; i < 64; ++i) tern_response_write(&res, chunk, sizeof chunk);
  __builtin_trap();
}
