// Launchers of the CUDA kernels (cuda_kernels.cu); every pointer is device memory.
#pragma once

#include <cstddef>

namespace tern::ai::cuda {

inline constexpr int kMaxAttn = 8192;  // positions one attention block keeps in shared memory

void launchGather(const float* table, const int* ids, float* out, int T, int d);
void launchRmsNorm(const float* x, float* y, const float* w, int rows, int d, float eps);
void launchRopeStore(float* q, float* k, const float* v, const int* pos, float* const* kc,
                     float* const* vc, const int* seqOf, const float* invFreq, int T, int heads,
                     int kvHeads, int hd, int layer, const int* caps);
void launchAttend(const float* q, float* out, const int* pos, float* const* kc, float* const* vc,
                  const int* seqOf, int T, int heads, int kvHeads, int hd, int layer,
                  const int* caps, int maxPos);
void launchSiluMul(float* g, const float* u, size_t n);
void launchAdd(float* x, const float* y, size_t n);

}  // namespace tern::ai::cuda
