// Observe-test guest: answers at once and writes one line to stderr (for the guest log tests).
#include <stdio.h>

int main(void) {
  fprintf(stderr, "fast guest says hi\n");
  printf("Content-Type: text/plain\n\nfast\n");
  return 0;
}
