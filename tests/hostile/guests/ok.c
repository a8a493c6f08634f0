// The well-behaved guest the load generator calls while hostile guests run: a fixed 200.
#include <stdio.h>

int main(void) {
  printf("Content-Type: text/plain\n\nok\n");
  return 0;
}
