/* The WASI hello module used by the instantiation benchmark and examples. */
#include <stdio.h>

int main(void) {
  printf("hello from wasm\n");
  return 0;
}
