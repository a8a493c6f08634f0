// A wasi:http guest with state in its globals, for the instance-reuse cases (reuse-*): it counts
// the requests its instance has served and remembers the last PUT body.
//   PUT /...       stores the body; answers "count=N stored=BODY" (each answer ends with '\n')
//   GET /trap      traps (after counting)
//   GET /leak      keeps a host resource (an outgoing-request, never sent) in a global; answers
//   GET /print     writes a line to stdout and to stderr (libc keeps both streams); answers normally
//   GET /...       answers "count=N last=BODY" (the last PUT body this instance saw, or empty)
// With a fresh instance per request every answer reads count=1 and an empty last value.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern_http.h"

__attribute__((import_module("wasi:http/types@0.2.12"), import_name("[constructor]fields")))
uint32_t fields_new(void);
__attribute__((import_module("wasi:http/types@0.2.12"),
               import_name("[constructor]outgoing-request")))
uint32_t outgoing_request_new(uint32_t headers);

static unsigned served;      // requests this instance has run, the current one included
static char last[256];       // the last PUT body (cut to 255 bytes)
static uint32_t leaked;      // a host handle kept across requests (GET /leak)

static void answer(uint32_t outparam, int status, const char* text) {
  TernHeader ct = {"content-type", (uint8_t*)"text/plain", 10};
  TernResponse res;
  if (tern_response_start(outparam, status, &ct, 1, &res) == 0) {
    tern_response_write(&res, text, strlen(text));
    tern_response_finish(&res);
  }
}

TERN_HTTP_HANDLER void handle(uint32_t request, uint32_t outparam) {
  char err[128], text[320];
  TernRequest in;
  ++served;
  if (tern_request_read(request, 1 << 16, &in, err, sizeof err) != 0) {
    tern_request_free(&in);
    return answer(outparam, 400, err);
  }
  if (strcmp(in.method, "PUT") == 0) {
    size_t n = in.body_len < sizeof last - 1 ? in.body_len : sizeof last - 1;
    memcpy(last, in.body, n);
    last[n] = 0;
    snprintf(text, sizeof text, "count=%u stored=%s\n", served, last);
  } else if (strcmp(in.path_with_query, "/trap") == 0) {
    __builtin_trap();
  } else if (strcmp(in.path_with_query, "/leak") == 0) {
    leaked = outgoing_request_new(fields_new());
    snprintf(text, sizeof text, "count=%u leaked\n", served);
  } else {
    if (strcmp(in.path_with_query, "/print") == 0) {
      printf("remember: request %u\n", served);
      fflush(stdout);
      fprintf(stderr, "remember: request %u\n", served);
    }
    snprintf(text, sizeof text, "count=%u last=%s\n", served, last);
  }
  tern_request_free(&in);
  answer(outparam, 200, text);
}
