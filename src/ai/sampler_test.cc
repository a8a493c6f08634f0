// Sampler: greedy, repeat penalty direction, top-k/top-p bounds, seeded reproducibility.
#include "ai/sampler.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace tern::ai {
namespace {

TEST(Sampler, GreedyAndPenalty) {
  InferParams p;
  p.temperature = 0;
  p.repeatPenalty = 1.0f;
  Sampler s(p);
  std::vector<float> logits{0.1f, 2.0f, 1.9f, -1.0f};
  std::vector<int32_t> history{1};
  EXPECT_EQ(s.next(logits, history), 1);
  p.repeatPenalty = 1.1f;  // 2.0 / 1.1 < 1.9: token 2 wins once 1 was seen
  Sampler penalised(p);
  logits = {0.1f, 2.0f, 1.9f, -1.0f};
  EXPECT_EQ(penalised.next(logits, history), 2);
  EXPECT_NEAR(logits[1], 2.0f / 1.1f, 1e-6);
  logits = {-3.0f, -1.0f, -1.05f};
  history = {1};
  EXPECT_EQ(penalised.next(logits, history), 2);  // negative logits are multiplied
  p.repeatPenaltyLastN = 1;  // only the last token counts
  Sampler window(p);
  logits = {0.1f, 2.0f, 1.9f, -1.0f};
  history = {1, 3};
  EXPECT_EQ(window.next(logits, history), 1);
}

TEST(Sampler, TopKTopPAndSeed) {
  InferParams p;
  p.temperature = 1.0f;
  p.repeatPenalty = 1.0f;
  p.topK = 2;
  p.topP = 1.0f;
  p.seed = 42;
  std::vector<float> base{5.0f, 4.9f, 4.8f, 0.0f};
  std::set<int32_t> seen;
  Sampler s(p);
  for (int i = 0; i < 200; ++i) {
    auto l = base;
    seen.insert(s.next(l, {}));
  }
  EXPECT_EQ(seen, (std::set<int32_t>{0, 1}));
  p.topK = 0;
  p.topP = 0.3f;  // the first token alone holds > 0.3 of the mass
  Sampler nucleus(p);
  for (int i = 0; i < 50; ++i) {
    auto l = base;
    EXPECT_EQ(nucleus.next(l, {}), 0);
  }
  p.topP = 1.0f;
  Sampler a(p), b(p);
  for (int i = 0; i < 50; ++i) {
    auto l1 = base, l2 = base;
    EXPECT_EQ(a.next(l1, {}), b.next(l2, {}));
  }
}

}  // namespace
}  // namespace tern::ai
