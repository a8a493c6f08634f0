// The hello-c example: a WAGI handler (CGI over WASI) answering every request with a greeting.
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  const char* path = getenv("PATH_INFO");
  printf("Content-Type: text/plain\n\n");
  printf("Hello from Tern\n");
  if (path && *path) printf("(path: %s)\n", path);
  return 0;
}
