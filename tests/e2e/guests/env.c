// E2E guest: prints its argv and environment (all of it sorted, or the names in $SHOW).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char** environ;

static int cmp(const void* a, const void* b) {
  return strcmp(*(const char* const*)a, *(const char* const*)b);
}

int main(int argc, char** argv) {
  printf("Content-Type: text/plain\n\n");
  for (int i = 0; i < argc; ++i) printf("argv[%d]=%s\n", i, argv[i]);
  const char* show = getenv("SHOW");
  if (show) {
    char names[1024];
    strncpy(names, show, sizeof names - 1);
    names[sizeof names - 1] = 0;
    for (char* name = strtok(names, " "); name; name = strtok(NULL, " ")) {
      const char* v = getenv(name);
      printf("%s=%s\n", name, v ? v : "<unset>");
    }
    return 0;
  }
  size_t n = 0;
  while (environ[n]) ++n;
  qsort(environ, n, sizeof *environ, cmp);
  for (size_t i = 0; i < n; ++i) printf("%s\n", environ[i]);
  return 0;
}
