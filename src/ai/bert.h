// BERT encoder with mean pooling and L2 normalisation: sentence embeddings (all-MiniLM-L6-v2).
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ai/safetensors.h"
#include "ai/tokenizer.h"
#include "common/result.h"

namespace tern::ai {

struct BertConfig {
  // all-MiniLM-L6-v2's values: Spin's model folder has no config.json.
  int hidden = 384, layers = 6, heads = 12, intermediate = 1536, vocab = 30522,
      maxPositions = 512, typeVocab = 2;
  float layerNormEps = 1e-12f;
};

class BertModel {
 public:
  // `dir` holds model.safetensors and tokenizer.json, and config.json when the model is not
  // all-MiniLM-L6-v2-shaped. Tensor names with or without the "bert." prefix.
  static Result<std::shared_ptr<const BertModel>> load(const std::filesystem::path& dir);

  struct Output {
    std::vector<std::vector<float>> embeddings;  // unit length, one per text
    uint32_t promptTokens = 0;                   // summed over the texts
  };
  // Embeds every text in one pass (all tokens of all texts in each GEMM; attention per text).
  // Texts longer than the tokenizer's max_length / the position table are truncated.
  Result<Output> embed(std::span<const std::string> texts) const;

  const BertConfig& config() const { return config_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }

 private:
  struct Layer {
    const float *wq, *bq, *wk, *bk, *wv, *bv, *wo, *bo, *ln1g, *ln1b, *wi, *bi, *wout, *bout,
        *ln2g, *ln2b;
  };
  void encodeLayer(const Layer& l, std::vector<float>& x, const std::vector<int>& lengths) const;

  BertConfig config_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  std::shared_ptr<WeightSet> weights_;
  const float *wordEmb_ = nullptr, *posEmb_ = nullptr, *typeEmb_ = nullptr, *embLnG_ = nullptr,
              *embLnB_ = nullptr;
  std::vector<Layer> layers_;
};

}  // namespace tern::ai
