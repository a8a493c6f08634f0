// E2E guest: CGI response forms, chosen by PATH_INFO.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  const char* p = getenv("PATH_INFO");
  if (!p) p = "";
  if (!strcmp(p, "/status")) {
    printf("Status: 418 I'm a teapot\nContent-Type: text/plain\nX-Custom: yes\n\nshort and stout\n");
  } else if (!strcmp(p, "/redirect")) {
    printf("Location: /elsewhere\n\n");
  } else if (!strcmp(p, "/moved")) {
    printf("Status: 301 Moved Permanently\nLocation: /new\n\n");
  } else if (!strcmp(p, "/crlf")) {
    printf("Content-Type: text/html\r\n\r\n<p>hi</p>");
  } else if (!strcmp(p, "/empty")) {
    // nothing on stdout
  } else if (!strcmp(p, "/noheaders")) {
    printf("just a body\n");
  } else if (!strcmp(p, "/exit3")) {
    printf("Content-Type: text/plain\n\nbye\n");
    exit(3);
  } else if (!strcmp(p, "/stderr")) {
    fprintf(stderr, "a line for the log\n");
    printf("Content-Type: text/plain\n\nlogged\n");
  } else {
    printf("Content-Type: text/plain\n\nok %s\n", p);
  }
  return 0;
}
