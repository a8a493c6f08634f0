// Local engine: greedy determinism, batching equals one-at-a-time, deadlines, errors.
#include "ai/engine.h"

#include <gtest/gtest.h>

#include <thread>

#include "ai/llama.h"
#include "ai/test_models.h"

namespace tern::ai {
namespace {

InferRequest greedy(std::string prompt, uint32_t maxTokens = 16) {
  InferRequest r;
  r.model = "tiny-llama";
  r.prompt = std::move(prompt);
  r.params.temperature = 0;
  r.params.maxTokens = maxTokens;
  return r;
}

TEST(Engine, ConcurrentRequestsAreBatchedAndMatchSequentialOnes) {
  auto engine = makeLocalEngine({.modelsDir = test::modelsDir()});
  const std::vector<std::string> prompts = {"The edge", "Tokens are pieces", "Weights are mapped",
                                            "A request arrives, a sandbox starts", "x", "42"};
  std::vector<std::vector<int32_t>> alone;
  for (const auto& p : prompts) {
    auto r = engine->infer(greedy(p));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_GT(r->promptTokens, 0u);
    EXPECT_EQ(r->generatedTokens, r->tokens.size());
    alone.push_back(r->tokens);
  }
  std::vector<std::vector<int32_t>> together(prompts.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < prompts.size(); ++i) {
    threads.emplace_back([&, i] {
      auto r = engine->infer(greedy(prompts[i]));
      if (r) together[i] = r->tokens;
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < prompts.size(); ++i) EXPECT_EQ(together[i], alone[i]) << prompts[i];
}

TEST(Engine, BackendBatchEqualsSingleForward) {
  auto model = LlamaModel::load(test::modelsDir() / "llama/tiny-llama");
  ASSERT_TRUE(model) << model.error().toString();
  auto backend = makeCpuLlamaBackend(*model);
  const int vocab = (*model)->config().vocab;
  std::vector<int32_t> a{1, 10, 20, 30}, b{1, 40};
  auto sa = backend->newSequence(16), sb = backend->newSequence(16), sc = backend->newSequence(16);
  ASSERT_TRUE(sa && sb && sc);
  std::vector<float> both(2 * vocab), one(vocab);
  std::vector<StepInput> batch{{sa->get(), a}, {sb->get(), b}};
  ASSERT_TRUE(backend->forward(batch, both.data()));
  std::vector<StepInput> single{{sc->get(), b}};
  ASSERT_TRUE(backend->forward(single, one.data()));
  for (int i = 0; i < vocab; ++i) EXPECT_NEAR(both[vocab + i], one[i], 1e-4);
  std::vector<int32_t> tooMany(20, 5);
  std::vector<StepInput> over{{sc->get(), tooMany}};
  EXPECT_FALSE(backend->forward(over, one.data()));
  std::vector<int32_t> badId{vocab + 5};
  std::vector<StepInput> bad{{sc->get(), badId}};
  EXPECT_FALSE(backend->forward(bad, one.data()));
  EXPECT_EQ(sc->get()->length(), 2);  // failed steps append nothing
}

TEST(Engine, DeadlineAndTokenBudgetStopGeneration) {
  auto engine = makeLocalEngine({.modelsDir = test::modelsDir()});
  auto r = greedy("The edge runs", 5);
  auto out = engine->infer(r);
  ASSERT_TRUE(out);
  EXPECT_LE(out->generatedTokens, 5u);
  r.params.maxTokens = 200;
  r.deadline = Clock::now();
  out = engine->infer(r);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->stop, StopReason::kDeadline);
  EXPECT_EQ(out->generatedTokens, 0u);
  r.params.maxTokens = 100000;  // capped; the 256-position context ends it
  r.deadline = Clock::time_point::max();
  r.params.repeatPenalty = 1.0f;
  out = engine->infer(r);
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->stop == StopReason::kContextFull || out->stop == StopReason::kEndOfText);
}

TEST(Engine, Errors) {
  auto engine = makeLocalEngine({.modelsDir = test::modelsDir()});
  auto r = greedy("hi");
  r.model = "no-such-model";
  auto out = engine->infer(r);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, LlmError::Kind::kInvalidInput);
  r.model = "../llama/tiny-llama";
  out = engine->infer(r);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, LlmError::Kind::kModelNotSupported);
  r.model = "tiny-llama";
  r.prompt = "\xff not utf-8";
  out = engine->infer(r);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, LlmError::Kind::kInvalidInput);
  std::vector<std::string> texts{"hello"};
  auto e = engine->generateEmbeddings("no-such-embedder", texts);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind, LlmError::Kind::kModelNotSupported);
  e = engine->generateEmbeddings("all-minilm-l6-v2", texts);
  ASSERT_TRUE(e) << e.error().message;
  ASSERT_EQ(e->embeddings.size(), 1u);
  double norm = 0;
  for (float v : e->embeddings[0]) norm += v * v;
  EXPECT_NEAR(norm, 1.0, 1e-5);
}

}  // namespace
}  // namespace tern::ai
