// The WAGI entry point for the edge example apps: request from environ + stdin, response on stdout
// (CGI/1.1, RFC 3875 §6: header lines, a blank line, then the body).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wagi_app.h"

extern char** environ;

// Bodies above this are refused by the host anyway; the cap keeps a bad CONTENT_LENGTH harmless.
enum { kMaxBody = 16 << 20 };

int main(void) {
  WagiRequest req = {(const char* const*)environ, NULL, 0};
  WagiBuf body = {0};
  static char chunk[65536];  // static: the default wasm stack is only 64 KiB
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0 && body.len + n <= kMaxBody)
    wagi_append(&body, chunk, n);
  req.body = (const unsigned char*)body.data;
  req.body_len = body.len;

  WagiResponse res = {200, {0}, {0}};
  app_handle(&req, &res);
  if (res.headers.failed || res.body.failed) {
    fputs("Status: 500\nContent-Type: text/plain\n\nout of memory\n", stdout);
    return 0;
  }
  printf("Status: %d\n", res.status);
  if (res.headers.len) fwrite(res.headers.data, 1, res.headers.len, stdout);
  fputs("\n", stdout);
  if (res.body.len) fwrite(res.body.data, 1, res.body.len, stdout);
  fflush(stdout);
  return 0;
}
