// E2E guest: traps (unreachable) after printing half a response.
#include <stdio.h>

int main(void) {
  printf("Content-Type: text/plain\n\nabout to trap\n");
  fflush(stdout);
  __builtin_trap();
}
