// Llama-architecture decoder: config.json, weights (shared, memory-mapped), compute backends.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ai/safetensors.h"
#include "ai/tokenizer.h"
#include "common/result.h"

namespace tern::ai {

struct LlamaConfig {
  int hidden = 0, intermediate = 0, layers = 0, heads = 0, kvHeads = 0, headDim = 0, vocab = 0;
  int maxPositions = 2048;
  float rmsEps = 1e-6f;
  float ropeTheta = 10000.0f;
  bool tieEmbeddings = false;
  std::optional<int32_t> bos;
  std::vector<int32_t> eos;
  std::vector<float> invFreq;  // headDim / 2 rotary frequencies (rope_scaling applied)

  // Parses a Hugging Face LlamaForCausalLM config.json. kMalformed / kUnsupported on shapes or
  // options (rope_scaling types) this implementation does not handle.
  static Result<LlamaConfig> parse(std::string_view json);
};

struct LlamaLayerWeights {
  const float *attnNorm, *wq, *wk, *wv, *wo, *mlpNorm, *wGate, *wUp, *wDown;
};

// One model, loaded once per node and shared (std::shared_ptr) by every request and instance.
class LlamaModel {
 public:
  // `dir` holds config.json, tokenizer.json and model.safetensors[.index.json] (Spin's layout
  // `<models>/llama/<name>/`).
  static Result<std::shared_ptr<const LlamaModel>> load(const std::filesystem::path& dir);

  const LlamaConfig& config() const { return config_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const WeightSet& weightSet() const { return *weights_; }
  const float* embed() const { return embed_; }
  const float* finalNorm() const { return norm_; }
  const float* lmHead() const { return lmHead_; }
  const std::vector<LlamaLayerWeights>& layers() const { return layers_; }

 private:
  LlamaConfig config_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  std::shared_ptr<WeightSet> weights_;
  const float* embed_ = nullptr;
  const float* norm_ = nullptr;
  const float* lmHead_ = nullptr;
  std::vector<LlamaLayerWeights> layers_;
};

// A sequence's state on a backend: its KV cache.
class Sequence {
 public:
  virtual ~Sequence() = default;
  virtual int length() const = 0;
  virtual int capacity() const = 0;
};

struct StepInput {
  Sequence* sequence;
  std::span<const int32_t> tokens;  // appended at positions length() .. length()+n-1
};

// Runs the decoder for a batch of sequences at once: every linear layer is one GEMM over all
// tokens of the batch, so concurrent requests read the weights once per step. Not re-entrant:
// one scheduler thread drives a backend.
class LlamaBackend {
 public:
  virtual ~LlamaBackend() = default;
  virtual std::string_view name() const = 0;
  virtual Result<std::unique_ptr<Sequence>> newSequence(int capacity) = 0;
  // Appends each input's tokens to its sequence and writes the logits of its last token to
  // logits[i * vocab]. kInvalidArgument when a sequence would exceed its capacity or a token id
  // is out of range (nothing is appended then).
  virtual Result<void> forward(std::span<const StepInput> batch, float* logits) = 0;
};

std::unique_ptr<LlamaBackend> makeCpuLlamaBackend(std::shared_ptr<const LlamaModel> model);

}  // namespace tern::ai
