// Next-token selection with Spin's inferencing-params: repeat penalty, temperature, top-k, top-p.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <span>

namespace tern::ai {

// fermyon:spin/llm inferencing-params; the defaults are Spin's SDK defaults.
struct InferParams {
  uint32_t maxTokens = 100;
  float repeatPenalty = 1.1f;          // 1.0: off
  uint32_t repeatPenaltyLastN = 64;    // how many trailing tokens (prompt included) it covers
  float temperature = 0.8f;            // <= 0: greedy (arg max)
  uint32_t topK = 40;                  // 0: no limit
  float topP = 0.9f;                   // >= 1: no limit
  std::optional<uint64_t> seed;        // fixed seed: reproducible sampling (not in the WIT)
};

// Owns the random state of one request. Not thread-safe (one request, one sampler).
class Sampler {
 public:
  explicit Sampler(const InferParams& params);

  // Picks the next token from `logits` (modified in place by the penalty) given `history`
  // (prompt + generated tokens). The penalty divides positive logits and multiplies negative ones
  // of every distinct token among the last N of history, as Spin (candle) does; then greedy, or
  // top-k, softmax at the temperature, top-p, and a draw.
  int32_t next(std::span<float> logits, std::span<const int32_t> history);

 private:
  InferParams params_;
  std::mt19937_64 rng_;
};

}  // namespace tern::ai
