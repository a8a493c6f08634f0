// Tokenizer unit tests on hand-written tokenizer.json files (the reference comparison against
// Tokenizers.js on the generated models is ctest ai_reference).
#include "ai/tokenizer.h"

#include <gtest/gtest.h>

#include "ai/test_models.h"

namespace tern::ai {
namespace {

TEST(Tokenizer, WordPieceLongestMatchAndUnknown) {
  auto t = Tokenizer::parse(R"({
    "normalizer": {"type": "BertNormalizer", "lowercase": true, "strip_accents": null},
    "pre_tokenizer": {"type": "BertPreTokenizer"},
    "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
    "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
    "added_tokens": [{"id": 2, "content": "[CLS]", "special": true},
                     {"id": 3, "content": "[SEP]", "special": true}],
    "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
              "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "play": 4, "##ing": 5,
                        "cafe": 6, "!": 7, "##s": 8}}})");
  ASSERT_TRUE(t) << t.error().toString();
  auto ids = (*t)->encode("Playing CAFÉ! plays xyz", true);
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<int32_t>{2, 4, 5, 6, 7, 4, 8, 1, 3}));
  EXPECT_EQ((*t)->decode(*ids), "playing cafe! plays [UNK]");
}

TEST(Tokenizer, BpeByteFallbackAndMerges) {
  auto t = Tokenizer::parse(R"({
    "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
                   {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
    "decoder": {"type": "Sequence", "decoders": [
      {"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"},
      {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
    "model": {"type": "BPE", "byte_fallback": true, "unk_token": "<unk>",
              "vocab": {"<unk>": 0, "<0xC3>": 1, "<0xA9>": 2, "▁": 3, "a": 4, "b": 5, "▁a": 6,
                        "▁ab": 7},
              "merges": ["▁ a", ["▁a", "b"]]}})");
  ASSERT_TRUE(t) << t.error().toString();
  auto ids = (*t)->encode("ab é", false);
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<int32_t>{7, 3, 1, 2}));
  EXPECT_EQ((*t)->decode(*ids), "ab é");
}

TEST(Tokenizer, RejectsMalformedFiles) {
  const char* bad[] = {
      "not json", "{}", R"({"model": {"type": "Unigram", "vocab": []}})",
      R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})",
      R"({"model": {"type": "BPE", "vocab": {"a": -3}, "merges": []}})",
      R"({"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(unclosed"}},
          "model": {"type": "BPE", "vocab": {}, "merges": []}})",
  };
  for (const char* j : bad) EXPECT_FALSE(Tokenizer::parse(j)) << j;
  auto t = Tokenizer::load(test::modelsDir() / "llama/tiny-llama/tokenizer.json");
  ASSERT_TRUE(t) << t.error().toString();
  EXPECT_FALSE((*t)->encode("\xff\xfe bad utf-8", true));
}

TEST(Tokenizer, ByteLevelRoundTrip) {
  auto t = Tokenizer::load(test::modelsDir() / "llama/tiny-llama3/tokenizer.json");
  ASSERT_TRUE(t) << t.error().toString();
  const std::string text = "Serverless platforms scale to zero: 42 ms, ünïcödé 東京 \U0001F600\n";
  auto ids = (*t)->encode(text, true);
  ASSERT_TRUE(ids);
  EXPECT_EQ((*ids)[0], *(*t)->tokenId("<|begin_of_text|>"));
  EXPECT_EQ((*t)->decode(*ids, true), text);
}

}  // namespace
}  // namespace tern::ai
