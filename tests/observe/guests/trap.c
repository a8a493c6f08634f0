// Observe-test guest: traps (unreachable), for the traps_total metric and the error span.
#include <stdio.h>

int main(void) {
  printf("Content-Type: text/plain\n\nabout to trap\n");
  fflush(stdout);
  __builtin_trap();
}
