// E2E guest: answers with the request body it read from stdin, and its length.
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  size_t cap = 1 << 16, len = 0;
  char* buf = malloc(cap);
  size_t n;
  while ((n = fread(buf + len, 1, cap - len, stdin)) > 0) {
    len += n;
    if (len == cap) buf = realloc(buf, cap *= 2);
  }
  const char* declared = getenv("CONTENT_LENGTH");
  printf("Content-Type: application/octet-stream\nX-Body-Length: %zu\nX-Content-Length: %s\n\n",
         len, declared ? declared : "<unset>");
  fwrite(buf, 1, len, stdout);
  return 0;
}
