// The LLM service a node offers guests (fermyon:spin/llm@2.0.0): infer and generate-embeddings,
// served locally (shared models, batched decoding) or by a remote node over HTTP.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ai/sampler.h"

namespace tern::ai {

// The WIT `error` variant, one to one.
struct LlmError {
  enum class Kind { kModelNotSupported, kRuntimeError, kInvalidInput };
  Kind kind;
  std::string message;  // empty for kModelNotSupported
};
template <class T>
using LlmResult = std::expected<T, LlmError>;

using Clock = std::chrono::steady_clock;

enum class StopReason { kEndOfText, kMaxTokens, kDeadline, kContextFull };
std::string_view stopReasonName(StopReason reason);

struct InferRequest {
  std::string model;
  std::string prompt;
  InferParams params;                          // Spin's defaults when the guest passes none
  Clock::time_point deadline = Clock::time_point::max();  // generation stops here
};

struct InferResult {
  std::string text;  // the generated text only (not the prompt)
  uint32_t promptTokens = 0;
  uint32_t generatedTokens = 0;
  StopReason stop = StopReason::kMaxTokens;
  std::vector<int32_t> tokens;  // the generated ids (tests, the remote protocol ignores them)
  double firstTokenMs = 0;      // prompt processing + first token, for benches
};

struct EmbeddingsResult {
  std::vector<std::vector<float>> embeddings;
  uint32_t promptTokens = 0;
};

// Thread-safe: guests on any thread call it at once; each call blocks until its answer.
class LlmEngine {
 public:
  virtual ~LlmEngine() = default;
  virtual LlmResult<InferResult> infer(const InferRequest& request) = 0;
  virtual LlmResult<EmbeddingsResult> generateEmbeddings(
      const std::string& model, std::span<const std::string> texts,
      Clock::time_point deadline = Clock::time_point::max()) = 0;
};

enum class Backend { kCpu, kCuda };

struct LocalEngineOptions {
  // Spin's model folder (`.spin/ai_models` by default): `llama/<name>/` for inferencing models,
  // `<name>/` with model.safetensors + tokenizer.json for embedding models (all-minilm-l6-v2).
  std::filesystem::path modelsDir;
  Backend backend = Backend::kCpu;
  int blasThreads = 0;     // 0: OpenBLAS's default
  int maxBatch = 16;       // sequences decoded together in one step
  int cudaDevice = 0;
};

// Models load on first use, once per node (weights memory-mapped, shared by every request);
// each inferencing model has one scheduler thread that batches the active requests' decode
// steps (and newly arrived prompts) into one forward pass.
std::unique_ptr<LlmEngine> makeLocalEngine(LocalEngineOptions options);

// Whether this build has the CUDA backend (TERN_AI_CUDA) and a device is present.
bool cudaAvailable();

}  // namespace tern::ai
