// CUDA kernels of the Llama backend (norms, RoPE + KV store, attention, SwiGLU, residual add)
// and their launchers; plain C++17 so nvcc never sees Tern's C++23 headers.
#include <cuda_runtime.h>

#include <cmath>
#include <cstddef>

#include "ai/cuda/cuda_kernels.h"

namespace tern::ai::cuda {

namespace {

__global__ void gatherRows(const float* table, const int* ids, float* out, int d) {
  int t = blockIdx.x;
  for (int i = threadIdx.x; i < d; i += blockDim.x) out[size_t(t) * d + i] = table[size_t(ids[t]) * d + i];
}

__global__ void rmsNormKernel(const float* x, float* y, const float* w, int d, float eps) {
  __shared__ float part[256];
  const float* v = x + size_t(blockIdx.x) * d;
  float s = 0;
  for (int i = threadIdx.x; i < d; i += blockDim.x) s += v[i] * v[i];
  part[threadIdx.x] = s;
  __syncthreads();
  for (int k = blockDim.x / 2; k > 0; k /= 2) {
    if (threadIdx.x < k) part[threadIdx.x] += part[threadIdx.x + k];
    __syncthreads();
  }
  float scale = rsqrtf(part[0] / d + eps);
  for (int i = threadIdx.x; i < d; i += blockDim.x) y[size_t(blockIdx.x) * d + i] = v[i] * scale * w[i];
}

// One block per (token, head): rotate q; for kv heads also rotate k and store k/v in the cache.
__global__ void ropeStore(float* q, float* k, const float* v, const int* pos, float* const* kCache,
                          float* const* vCache, const int* seqOf, const float* invFreq, int heads,
                          int kvHeads, int hd, int layerOffsetStride, int layer, const int* caps) {
  int t = blockIdx.x, h = blockIdx.y, half = hd / 2, p = pos[t];
  for (int i = threadIdx.x; i < half; i += blockDim.x) {
    float c = cosf(p * invFreq[i]), s = sinf(p * invFreq[i]);
    float* qv = q + (size_t(t) * heads + h) * hd;
    float a = qv[i], b = qv[i + half];
    qv[i] = a * c - b * s;
    qv[i + half] = b * c + a * s;
    if (h < kvHeads) {
      float* kv = k + (size_t(t) * kvHeads + h) * hd;
      a = kv[i];
      b = kv[i + half];
      kv[i] = a * c - b * s;
      kv[i + half] = b * c + a * s;
    }
  }
  __syncthreads();
  if (h < kvHeads) {
    int sq = seqOf[t];
    size_t kvd = size_t(kvHeads) * hd;
    size_t base = (size_t(layer) * caps[sq] + p) * kvd + size_t(h) * hd;
    for (int i = threadIdx.x; i < hd; i += blockDim.x) {
      kCache[sq][base + i] = k[(size_t(t) * kvHeads + h) * hd + i];
      vCache[sq][base + i] = v[(size_t(t) * kvHeads + h) * hd + i];
    }
  }
}

// One block per (token, head), scores in shared memory (positions up to kMaxAttn).
__global__ void attend(const float* q, float* out, const int* pos, float* const* kCache,
                       float* const* vCache, const int* seqOf, int heads, int kvHeads, int hd,
                       int layer, const int* caps) {
  extern __shared__ float scores[];
  __shared__ float red[256];
  int t = blockIdx.x, h = blockIdx.y, n = pos[t] + 1, sq = seqOf[t], kvh = h / (heads / kvHeads);
  size_t kvd = size_t(kvHeads) * hd;
  const float* K = kCache[sq] + size_t(layer) * caps[sq] * kvd + size_t(kvh) * hd;
  const float* V = vCache[sq] + size_t(layer) * caps[sq] * kvd + size_t(kvh) * hd;
  const float* qv = q + (size_t(t) * heads + h) * hd;
  float scale = rsqrtf(float(hd)), mx = -INFINITY;
  for (int j = threadIdx.x; j < n; j += blockDim.x) {
    float s = 0;
    for (int i = 0; i < hd; ++i) s += qv[i] * K[size_t(j) * kvd + i];
    scores[j] = s * scale;
    mx = fmaxf(mx, scores[j]);
  }
  red[threadIdx.x] = mx;
  __syncthreads();
  for (int k = blockDim.x / 2; k > 0; k /= 2) {
    if (threadIdx.x < k) red[threadIdx.x] = fmaxf(red[threadIdx.x], red[threadIdx.x + k]);
    __syncthreads();
  }
  mx = red[0];
  __syncthreads();
  float sum = 0;
  for (int j = threadIdx.x; j < n; j += blockDim.x) {
    scores[j] = expf(scores[j] - mx);
    sum += scores[j];
  }
  red[threadIdx.x] = sum;
  __syncthreads();
  for (int k = blockDim.x / 2; k > 0; k /= 2) {
    if (threadIdx.x < k) red[threadIdx.x] += red[threadIdx.x + k];
    __syncthreads();
  }
  float inv = 1.0f / red[0];
  for (int i = threadIdx.x; i < hd; i += blockDim.x) {
    float acc = 0;
    for (int j = 0; j < n; ++j) acc += scores[j] * V[size_t(j) * kvd + i];
    out[(size_t(t) * heads + h) * hd + i] = acc * inv;
  }
}

__global__ void siluMulKernel(float* g, const float* u, size_t n) {
  size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

__global__ void addKernel(float* x, const float* y, size_t n) {
  size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) x[i] += y[i];
}

}  // namespace

void launchGather(const float* table, const int* ids, float* out, int T, int d) {
  gatherRows<<<T, 256>>>(table, ids, out, d);
}
void launchRmsNorm(const float* x, float* y, const float* w, int rows, int d, float eps) {
  rmsNormKernel<<<rows, 256>>>(x, y, w, d, eps);
}
void launchRopeStore(float* q, float* k, const float* v, const int* pos, float* const* kc,
                     float* const* vc, const int* seqOf, const float* invFreq, int T, int heads,
                     int kvHeads, int hd, int layer, const int* caps) {
  ropeStore<<<dim3(T, heads), 64>>>(q, k, v, pos, kc, vc, seqOf, invFreq, heads, kvHeads, hd, 0,
                                    layer, caps);
}
void launchAttend(const float* q, float* out, const int* pos, float* const* kc, float* const* vc,
                  const int* seqOf, int T, int heads, int kvHeads, int hd, int layer,
                  const int* caps, int maxPos) {
  attend<<<dim3(T, heads), 256, maxPos * sizeof(float)>>>(q, out, pos, kc, vc, seqOf, heads,
                                                          kvHeads, hd, layer, caps);
}
void launchSiluMul(float* g, const float* u, size_t n) {
  siluMulKernel<<<unsigned((n + 255) / 256), 256>>>(g, u, n);
}
void launchAdd(float* x, const float* y, size_t n) {
  addKernel<<<unsigned((n + 255) / 256), 256>>>(x, y, n);
}

}  // namespace tern::ai::cuda
