// remote_http over loopback: a Boost.Beast LlmHttpServer in front of the local engine, the libcurl
// client in front of it; answers equal the local engine's, the token is enforced.
#include "ai/remote_http.h"

#include <gtest/gtest.h>

#include "ai/test_models.h"

namespace tern::ai {
namespace {

class RemoteHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    local_ = makeLocalEngine({.modelsDir = test::modelsDir()});
    auto s = LlmHttpServer::start(*local_, {.authToken = "s3cret-token"});
    ASSERT_TRUE(s) << s.error().toString();
    server_ = std::move(*s);
    url_ = "http://127.0.0.1:" + std::to_string(server_->port()) + "/ignored/path?q=1";
  }
  std::unique_ptr<LlmEngine> local_;
  std::unique_ptr<LlmHttpServer> server_;
  std::string url_;
};

TEST_F(RemoteHttp, InferAndEmbedEqualLocal) {
  auto remote = makeRemoteHttpEngine({.url = url_, .authToken = "s3cret-token"});
  InferRequest r;
  r.model = "tiny-llama";
  r.prompt = "The edge runs small";
  r.params.temperature = 0;
  r.params.maxTokens = 8;
  auto a = local_->infer(r);
  auto b = remote->infer(r);
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(a->text, b->text);
  EXPECT_EQ(a->promptTokens, b->promptTokens);
  EXPECT_EQ(a->generatedTokens, b->generatedTokens);
  std::vector<std::string> texts{"vectors", "that point the same way"};
  auto ea = local_->generateEmbeddings("all-minilm-l6-v2", texts);
  auto eb = remote->generateEmbeddings("all-minilm-l6-v2", texts);
  ASSERT_TRUE(ea && eb);
  ASSERT_EQ(ea->embeddings.size(), eb->embeddings.size());
  for (size_t i = 0; i < ea->embeddings.size(); ++i) {
    for (size_t j = 0; j < ea->embeddings[i].size(); ++j) {
      EXPECT_FLOAT_EQ(ea->embeddings[i][j], eb->embeddings[i][j]);
    }
  }
  EXPECT_EQ(ea->promptTokens, eb->promptTokens);
}

TEST_F(RemoteHttp, ErrorsCrossTheWire) {
  auto wrong = makeRemoteHttpEngine({.url = url_, .authToken = "wrong"});
  InferRequest r;
  r.model = "tiny-llama";
  r.prompt = "x";
  auto out = wrong->infer(r);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, LlmError::Kind::kRuntimeError);
  EXPECT_EQ(out.error().message, "unauthorized");
  auto remote = makeRemoteHttpEngine({.url = url_, .authToken = "s3cret-token"});
  std::vector<std::string> texts{"x"};
  auto e = remote->generateEmbeddings("no-such-model", texts);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind, LlmError::Kind::kModelNotSupported);
  r.deadline = Clock::now() - std::chrono::seconds(1);
  out = remote->infer(r);
  ASSERT_FALSE(out);
  auto down = makeRemoteHttpEngine({.url = "http://127.0.0.1:1/", .authToken = "t"});
  out = down->infer(InferRequest{.model = "m", .prompt = "p"});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, LlmError::Kind::kRuntimeError);
}

TEST(LlmHttpServerStart, NeedsToken) {
  auto local = makeLocalEngine({.modelsDir = test::modelsDir()});
  EXPECT_FALSE(LlmHttpServer::start(*local, {}));
  EXPECT_FALSE(LlmHttpServer::start(*local, {.host = "not an address", .authToken = "t"}));
}

}  // namespace
}  // namespace tern::ai
