/* Dense double-precision matrix multiply (i-k-j order): floating-point and cache-bound. */
#include "kernels.h"

#define MAX_N 512
static double a[MAX_N * MAX_N], b[MAX_N * MAX_N], c[MAX_N * MAX_N];

double kernel_matmul(uint32_t n) {
  if (n > MAX_N) n = MAX_N;
  for (uint32_t i = 0; i < n * n; ++i) {
    a[i] = (double)(i % 97) * 0.5;
    b[i] = (double)(i % 89) * 0.25;
    c[i] = 0;
  }
  for (uint32_t i = 0; i < n; ++i) {
    for (uint32_t k = 0; k < n; ++k) {
      double aik = a[i * n + k];
      for (uint32_t j = 0; j < n; ++j) c[i * n + j] += aik * b[k * n + j];
    }
  }
  double sum = 0;
  for (uint32_t i = 0; i < n * n; ++i) sum += c[i] * (double)((i % 7) + 1);
  return sum;
}
