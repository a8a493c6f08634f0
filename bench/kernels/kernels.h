/* Compute kernels for the code-speed benchmark: built natively (gcc -O2) and for wasm32-wasi
 * (clang-14 -O2) from the same source, then timed side by side by bench/code_speed_bench.cc. */
#ifndef TERN_BENCH_KERNELS_H
#define TERN_BENCH_KERNELS_H
#include <stdint.h>

/* SHA-256 over `megabytes` MiB of pseudo-random bytes; returns the first digest word. */
uint32_t kernel_sha256(uint32_t megabytes);
/* n x n double matrix multiply (n <= 512); returns a checksum of the product. */
double kernel_matmul(uint32_t n);
/* N-body simulation of the five Jovian planets for `steps` steps; returns the final energy. */
double kernel_nbody(uint32_t steps);
#endif
