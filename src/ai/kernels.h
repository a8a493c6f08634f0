// CPU kernels for the transformer models: OpenBLAS GEMM plus the element-wise steps.
#pragma once

#include <cstddef>

namespace tern::ai::cpu {

// y[rows][out] = x[rows][in] * W^T, W stored [out][in] row-major (a Hugging Face Linear weight);
// with bias (may be null) added per output.
void linear(const float* x, int rows, int in, const float* w, int out, float* y,
            const float* bias = nullptr);
// x[rows][n] normalised in place: x * rsqrt(mean(x^2) + eps) * weight.
void rmsNorm(float* x, int rows, int n, const float* weight, float eps);
// LayerNorm in place with gamma/beta.
void layerNorm(float* x, int rows, int n, const float* gamma, const float* beta, float eps);
// In-place softmax over n values.
void softmax(float* x, int n);
// Rotates one head vector (Hugging Face "rotate_half" layout) at `pos`.
void rope(float* v, int headDim, int pos, const float* invFreq);
// gate[i] = silu(gate[i]) * up[i].
void siluMul(float* gate, const float* up, size_t n);
// x = gelu(x), the exact erf form BERT uses.
void gelu(float* x, size_t n);
void add(float* x, const float* y, size_t n);
float dot(const float* a, const float* b, int n);
// Sets the BLAS thread count (0: leave OpenBLAS's default).
void setBlasThreads(int n);

}  // namespace tern::ai::cpu
