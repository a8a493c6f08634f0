// E2E guest: serves the file named by PATH_INFO from its read-only "/" (the component's files).
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  const char* p = getenv("PATH_INFO");
  FILE* f = fopen(p && *p ? p : "/", "rb");
  if (!f) {
    printf("Status: 404\nContent-Type: text/plain\n\nno %s (%s)\n", p, strerror(errno));
    return 0;
  }
  printf("Content-Type: text/plain\n\n");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
  fclose(f);
  // Writing must fail: the mount is read-only.
  FILE* w = fopen("/static/new.txt", "w");
  if (w) printf("\nWRITE SUCCEEDED\n");
  return 0;
}
