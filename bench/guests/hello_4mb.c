/* hello with a 4 MiB initialised data segment: instantiation must not copy it (CoW image). */
#include <stdio.h>

static const unsigned char blob[4 << 20] = {[0 ...(4 << 20) - 1] = 7};

int main(int argc, char** argv) {
  printf("hello from wasm %d\n", blob[argc * 4096]);
  return 0;
}
