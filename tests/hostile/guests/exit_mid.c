// Hostile guest: starts a response, then calls proc_exit(7) halfway through the body. A non-zero
// exit is a failed request (500), whatever was already written.
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  printf("Content-Type: text/plain\n\nhalf a respo");
  fflush(stdout);
  exit(7);
}
