// CUDA backend for the Llama decoder: weights uploaded once per model, cuBLAS SGEMM for every
// linear layer over the whole batch, the kernels of cuda_kernels.cu for the rest.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include "ai/cuda/cuda_kernels.h"

#include <cmath>
#include <vector>

#include "ai/llama.h"

namespace tern::ai {

bool cudaDevicePresent() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

using namespace cuda;

namespace {

template <class T>
struct DeviceBuffer {
  T* p = nullptr;
  size_t n = 0;
  void reserve(size_t want) {
    if (want <= n) return;
    if (p) cudaFree(p);
    cudaMalloc(&p, want * sizeof(T));
    n = want;
  }
  ~DeviceBuffer() {
    if (p) cudaFree(p);
  }
};

float* upload(const float* host, size_t n) {
  float* d = nullptr;
  if (cudaMalloc(&d, n * sizeof(float)) != cudaSuccess) return nullptr;
  cudaMemcpy(d, host, n * sizeof(float), cudaMemcpyHostToDevice);
  return d;
}

class CudaSequence final : public Sequence {
 public:
  CudaSequence(const LlamaConfig& c, int cap) : cap_(cap) {
    size_t n = size_t(c.layers) * cap * c.kvHeads * c.headDim;
    cudaMalloc(&k_, n * sizeof(float));
    cudaMalloc(&v_, n * sizeof(float));
  }
  ~CudaSequence() override {
    cudaFree(k_);
    cudaFree(v_);
  }
  int length() const override { return len_; }
  int capacity() const override { return cap_; }
  int cap_, len_ = 0;
  float *k_ = nullptr, *v_ = nullptr;
};

class CudaBackend final : public LlamaBackend {
 public:
  explicit CudaBackend(std::shared_ptr<const LlamaModel> m) : model_(std::move(m)) {}
  ~CudaBackend() override {
    for (float* p : owned_) cudaFree(p);
    if (blas_) cublasDestroy(blas_);
  }
  std::string_view name() const override { return "cuda-cublas"; }

  Result<void> init(int device) {
    if (cudaSetDevice(device) != cudaSuccess) return fail(ErrorCode::kIo, "cuda: no device ", std::to_string(device));
    if (cublasCreate(&blas_) != CUBLAS_STATUS_SUCCESS) return fail(ErrorCode::kIo, "cublasCreate failed");
    const auto& c = model_->config();
    size_t d = c.hidden, f = c.intermediate, qd = size_t(c.heads) * c.headDim,
           kvd = size_t(c.kvHeads) * c.headDim;
    auto up = [&](const float* h, size_t n) -> float* {
      float* p = upload(h, n);
      if (p) owned_.push_back(p);
      return p;
    };
    embed_ = up(model_->embed(), size_t(c.vocab) * d);
    norm_ = up(model_->finalNorm(), d);
    head_ = model_->lmHead() == model_->embed() ? embed_ : up(model_->lmHead(), size_t(c.vocab) * d);
    invFreq_ = up(c.invFreq.data(), c.invFreq.size());
    for (const auto& l : model_->layers()) {
      layers_.push_back({up(l.attnNorm, d), up(l.wq, qd * d), up(l.wk, kvd * d), up(l.wv, kvd * d),
                         up(l.wo, d * qd), up(l.mlpNorm, d), up(l.wGate, f * d), up(l.wUp, f * d),
                         up(l.wDown, d * f)});
    }
    for (float* p : owned_) {
      if (!p) return fail(ErrorCode::kResourceExhausted, "cuda: out of device memory for weights");
    }
    return {};
  }

  Result<std::unique_ptr<Sequence>> newSequence(int capacity) override {
    if (capacity <= 0 || capacity > kMaxAttn) return fail(ErrorCode::kInvalidArgument, "capacity");
    auto s = std::make_unique<CudaSequence>(model_->config(), capacity);
    if (!s->k_ || !s->v_) return fail(ErrorCode::kResourceExhausted, "cuda: out of memory for KV cache");
    return std::unique_ptr<Sequence>(std::move(s));
  }

  // y[rows][out] = x[rows][in] * W^T with W [out][in] row-major: column-major C = W^T... as
  // cuBLAS sees it, Y^T (out x rows) = W (out x in, i.e. col-major in x out transposed) * X^T.
  void linear(const float* x, int rows, int in, const float* w, int out, float* y) {
    const float one = 1.0f, zero = 0.0f;
    cublasSgemm(blas_, CUBLAS_OP_T, CUBLAS_OP_N, out, rows, in, &one, w, in, x, in, &zero, y, out);
  }

  Result<void> forward(std::span<const StepInput> batch, float* logits) override;

 private:
  std::shared_ptr<const LlamaModel> model_;
  cublasHandle_t blas_ = nullptr;
  std::vector<float*> owned_;
  float *embed_ = nullptr, *norm_ = nullptr, *head_ = nullptr, *invFreq_ = nullptr;
  std::vector<LlamaLayerWeights> layers_;
  DeviceBuffer<float> x_, h_, q_, k_, v_, att_, g_, u_, last_, logits_;
  DeviceBuffer<int> ids_, pos_, seq_, caps_, lastIdx_;
  DeviceBuffer<float*> kc_, vc_;
};

Result<void> CudaBackend::forward(std::span<const StepInput> batch, float* logits) {
  const auto& c = model_->config();
  std::vector<int> ids, pos, seqOf, caps;
  std::vector<float*> kc, vc;
  for (size_t b = 0; b < batch.size(); ++b) {
    auto* s = static_cast<CudaSequence*>(batch[b].sequence);
    if (batch[b].tokens.empty() || s->len_ + int(batch[b].tokens.size()) > s->cap_) {
      return fail(ErrorCode::kInvalidArgument, "sequence capacity exceeded");
    }
    kc.push_back(s->k_);
    vc.push_back(s->v_);
    caps.push_back(s->cap_);
    for (size_t i = 0; i < batch[b].tokens.size(); ++i) {
      if (batch[b].tokens[i] < 0 || batch[b].tokens[i] >= c.vocab) {
        return fail(ErrorCode::kInvalidArgument, "token id out of range");
      }
      ids.push_back(batch[b].tokens[i]);
      pos.push_back(s->len_ + int(i));
      seqOf.push_back(int(b));
    }
  }
  const int T = int(ids.size()), d = c.hidden, hd = c.headDim, qd = c.heads * hd,
            kvd = c.kvHeads * hd, f = c.intermediate, B = int(batch.size());
  x_.reserve(size_t(T) * d); h_.reserve(size_t(T) * std::max(d, qd)); q_.reserve(size_t(T) * qd);
  k_.reserve(size_t(T) * kvd); v_.reserve(size_t(T) * kvd); att_.reserve(size_t(T) * qd);
  g_.reserve(size_t(T) * f); u_.reserve(size_t(T) * f); last_.reserve(size_t(B) * d);
  logits_.reserve(size_t(B) * c.vocab);
  ids_.reserve(T); pos_.reserve(T); seq_.reserve(T); caps_.reserve(B); kc_.reserve(B); vc_.reserve(B);
  cudaMemcpy(ids_.p, ids.data(), T * sizeof(int), cudaMemcpyHostToDevice);
  cudaMemcpy(pos_.p, pos.data(), T * sizeof(int), cudaMemcpyHostToDevice);
  cudaMemcpy(seq_.p, seqOf.data(), T * sizeof(int), cudaMemcpyHostToDevice);
  cudaMemcpy(caps_.p, caps.data(), B * sizeof(int), cudaMemcpyHostToDevice);
  cudaMemcpy(kc_.p, kc.data(), B * sizeof(float*), cudaMemcpyHostToDevice);
  cudaMemcpy(vc_.p, vc.data(), B * sizeof(float*), cudaMemcpyHostToDevice);
  launchGather(embed_, ids_.p, x_.p, T, d);
  int maxPos = 0;
  for (int p : pos) maxPos = std::max(maxPos, p + 1);
  for (int l = 0; l < c.layers; ++l) {
    const auto& w = layers_[l];
    launchRmsNorm(x_.p, h_.p, w.attnNorm, T, d, c.rmsEps);
    linear(h_.p, T, d, w.wq, qd, q_.p);
    linear(h_.p, T, d, w.wk, kvd, k_.p);
    linear(h_.p, T, d, w.wv, kvd, v_.p);
    launchRopeStore(q_.p, k_.p, v_.p, pos_.p, kc_.p, vc_.p, seq_.p, invFreq_, T, c.heads,
                    c.kvHeads, hd, l, caps_.p);
    launchAttend(q_.p, att_.p, pos_.p, kc_.p, vc_.p, seq_.p, T, c.heads, c.kvHeads, hd, l,
                 caps_.p, maxPos);
    linear(att_.p, T, qd, w.wo, d, h_.p);
    launchAdd(x_.p, h_.p, size_t(T) * d);
    launchRmsNorm(x_.p, h_.p, w.mlpNorm, T, d, c.rmsEps);
    linear(h_.p, T, d, w.wGate, f, g_.p);
    linear(h_.p, T, d, w.wUp, f, u_.p);
    launchSiluMul(g_.p, u_.p, size_t(T) * f);
    linear(g_.p, T, f, w.wDown, d, h_.p);
    launchAdd(x_.p, h_.p, size_t(T) * d);
  }
  int t = 0;
  for (int b = 0; b < B; ++b) {
    t += int(batch[b].tokens.size());
    cudaMemcpyAsync(last_.p + size_t(b) * d, x_.p + size_t(t - 1) * d, d * sizeof(float),
                    cudaMemcpyDeviceToDevice);
  }
  launchRmsNorm(last_.p, last_.p, norm_, B, d, c.rmsEps);
  linear(last_.p, B, d, head_, c.vocab, logits_.p);
  cudaError_t err = cudaMemcpy(logits, logits_.p, size_t(B) * c.vocab * sizeof(float),
                               cudaMemcpyDeviceToHost);
  if (err != cudaSuccess) return fail(ErrorCode::kIo, "cuda: ", cudaGetErrorString(err));
  for (int b = 0; b < B; ++b) static_cast<CudaSequence*>(batch[b].sequence)->len_ += int(batch[b].tokens.size());
  return {};
}

}  // namespace

Result<std::unique_ptr<LlamaBackend>> makeCudaLlamaBackend(std::shared_ptr<const LlamaModel> model,
                                                           int device) {
  auto b = std::make_unique<CudaBackend>(std::move(model));
  TERN_TRY(b->init(device));
  return std::unique_ptr<LlamaBackend>(std::move(b));
}

}  // namespace tern::ai
