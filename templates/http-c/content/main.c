// {{project-name}}: a WAGI handler (CGI over WASI). The request arrives in the environment
// (REQUEST_METHOD, PATH_INFO, QUERY_STRING, HTTP_* headers) and the body on stdin; the response
// is written to stdout: headers, a blank line, then the body.
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  const char* path = getenv("PATH_INFO");
  printf("Content-Type: text/plain\n\n");
  printf("Hello from {{project-name}} (C)\n");
  if (path && *path) printf("path: %s\n", path);
  return 0;
}
