// Hostile guest: a CGI response with 1 MiB of header fields. The header-block cap must refuse it
// (500) instead of sending a 1 MiB header to the client.
#include <stdio.h>
#include <string.h>

int main(void) {
  static char value[1001];
  memset(value, 'h', 1000);
  printf("Content-Type: text/plain\n");
  for (int i = 0; i < 1024; ++i) printf("X-Hostile-%d: %s\n", i, value);
  printf("\nbody\n");
  return 0;
}
