// Sampling: penalty over a window of tokens, then arg max or top-k -> temperature -> top-p.
#include "ai/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>
#include <vector>

namespace tern::ai {

Sampler::Sampler(const InferParams& params)
    : params_(params), rng_(params.seed ? *params.seed : std::random_device{}()) {}

int32_t Sampler::next(std::span<float> logits, std::span<const int32_t> history) {
  const int vocab = static_cast<int>(logits.size());
  if (params_.repeatPenalty != 1.0f && params_.repeatPenaltyLastN > 0) {
    size_t n = std::min<size_t>(params_.repeatPenaltyLastN, history.size());
    std::unordered_set<int32_t> seen(history.end() - n, history.end());
    for (int32_t id : seen) {
      if (id < 0 || id >= vocab) continue;
      float& l = logits[id];
      l = l >= 0 ? l / params_.repeatPenalty : l * params_.repeatPenalty;
    }
  }
  if (params_.temperature <= 0.0f) {
    return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
  }
  std::vector<int32_t> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  size_t k = params_.topK == 0 ? order.size() : std::min<size_t>(params_.topK, order.size());
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
  order.resize(k);
  std::vector<double> probs(k);
  double maxLogit = logits[order[0]], sum = 0;
  for (size_t i = 0; i < k; ++i) {
    probs[i] = std::exp((logits[order[i]] - maxLogit) / params_.temperature);
    sum += probs[i];
  }
  size_t keep = k;
  if (params_.topP < 1.0f) {
    double cum = 0;
    for (size_t i = 0; i < k; ++i) {
      cum += probs[i] / sum;
      if (cum >= params_.topP) {
        keep = i + 1;
        break;
      }
    }
  }
  std::discrete_distribution<size_t> pick(probs.begin(), probs.begin() + keep);
  return order[pick(rng_)];
}

}  // namespace tern::ai
