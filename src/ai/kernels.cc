// CPU kernels: GEMM through OpenBLAS's cblas_sgemm, element-wise loops the compiler vectorises.
#include "ai/kernels.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

extern "C" void openblas_set_num_threads(int);

namespace tern::ai::cpu {

void linear(const float* x, int rows, int in, const float* w, int out, float* y,
            const float* bias) {
  if (rows == 1) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, out, in, 1.0f, w, in, x, 1, 0.0f, y, 1);
  } else {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, out, in, 1.0f, x, in, w, in, 0.0f,
                y, out);
  }
  if (bias) {
    for (int r = 0; r < rows; ++r) add(y + static_cast<size_t>(r) * out, bias, out);
  }
}

void rmsNorm(float* x, int rows, int n, const float* weight, float eps) {
  for (int r = 0; r < rows; ++r) {
    float* v = x + static_cast<size_t>(r) * n;
    double ss = 0;
    for (int i = 0; i < n; ++i) ss += double(v[i]) * v[i];
    float scale = 1.0f / std::sqrt(static_cast<float>(ss / n) + eps);
    for (int i = 0; i < n; ++i) v[i] = v[i] * scale * weight[i];
  }
}

void layerNorm(float* x, int rows, int n, const float* gamma, const float* beta, float eps) {
  for (int r = 0; r < rows; ++r) {
    float* v = x + static_cast<size_t>(r) * n;
    double mean = 0, var = 0;
    for (int i = 0; i < n; ++i) mean += v[i];
    mean /= n;
    for (int i = 0; i < n; ++i) var += (v[i] - mean) * (v[i] - mean);
    var /= n;
    float inv = 1.0f / std::sqrt(static_cast<float>(var) + eps);
    for (int i = 0; i < n; ++i) v[i] = (v[i] - static_cast<float>(mean)) * inv * gamma[i] + beta[i];
  }
}

void softmax(float* x, int n) {
  float m = *std::max_element(x, x + n);
  float sum = 0;
  for (int i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - m);
    sum += x[i];
  }
  for (int i = 0; i < n; ++i) x[i] /= sum;
}

void rope(float* v, int headDim, int pos, const float* invFreq) {
  int half = headDim / 2;
  for (int i = 0; i < half; ++i) {
    float angle = static_cast<float>(pos) * invFreq[i];
    float c = std::cos(angle), s = std::sin(angle);
    float a = v[i], b = v[i + half];
    v[i] = a * c - b * s;
    v[i + half] = b * c + a * s;
  }
}

void siluMul(float* gate, const float* up, size_t n) {
  for (size_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void gelu(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.70710678118f));
}

void add(float* x, const float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] += y[i];
}

float dot(const float* a, const float* b, int n) {
  float s = 0;
  for (int i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

void setBlasThreads(int n) {
  if (n > 0) openblas_set_num_threads(n);
}

}  // namespace tern::ai::cpu
