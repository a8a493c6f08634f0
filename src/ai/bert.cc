// BERT encoder forward pass (post-LayerNorm, GELU), masked mean pooling, L2 normalisation.
#include "ai/bert.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ai/kernels.h"
#include "ai/limits.h"

namespace tern::ai {

namespace {

Result<BertConfig> readConfig(const std::filesystem::path& dir) {
  BertConfig c;
  std::ifstream in(dir / "config.json");
  if (!in) return c;  // all-MiniLM-L6-v2 as Spin lays it out
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::kMalformed, (dir / "config.json").string(), " is not a JSON object");
  }
  auto get = [&](const char* key, int& out, int max) -> Result<void> {
    if (!j.contains(key)) return {};
    if (!j[key].is_number_integer() || j[key].get<int64_t>() <= 0 || j[key].get<int64_t>() > max) {
      return fail(ErrorCode::kMalformed, "config.json: bad '", key, "'");
    }
    out = j[key].get<int>();
    return {};
  };
  TERN_TRY(get("hidden_size", c.hidden, limits::kMaxHidden));
  TERN_TRY(get("num_hidden_layers", c.layers, limits::kMaxLayers));
  TERN_TRY(get("num_attention_heads", c.heads, 1024));
  TERN_TRY(get("intermediate_size", c.intermediate, limits::kMaxHidden * 8));
  TERN_TRY(get("vocab_size", c.vocab, static_cast<int>(limits::kMaxVocab)));
  TERN_TRY(get("max_position_embeddings", c.maxPositions, 1 << 20));
  TERN_TRY(get("type_vocab_size", c.typeVocab, 1024));
  c.layerNormEps = j.value("layer_norm_eps", c.layerNormEps);
  if (j.value("hidden_act", std::string("gelu")) != "gelu") {
    return fail(ErrorCode::kUnsupported, "config.json: only hidden_act gelu is supported");
  }
  if (c.hidden % c.heads != 0) return fail(ErrorCode::kMalformed, "config.json: hidden % heads");
  return c;
}

}  // namespace

Result<std::shared_ptr<const BertModel>> BertModel::load(const std::filesystem::path& dir) {
  auto model = std::make_shared<BertModel>();
  auto config = readConfig(dir);
  if (!config) return fail(config.error());
  model->config_ = *config;
  auto tokenizer = Tokenizer::load(dir / "tokenizer.json");
  if (!tokenizer) return fail(tokenizer.error());
  model->tokenizer_ = std::move(*tokenizer);
  auto weights = WeightSet::open(dir / "model.safetensors");
  if (!weights) return fail(weights.error());
  model->weights_ = std::move(*weights);
  const WeightSet& w = *model->weights_;
  const std::string prefix = w.find("bert.embeddings.word_embeddings.weight") ? "bert." : "";
  const auto& c = model->config_;
  const int64_t d = c.hidden, f = c.intermediate;
  auto bind = [&](const std::string& name, std::initializer_list<int64_t> shape,
                  const float*& out) -> Result<void> {
    std::string full = prefix + name;
    // Old checkpoints name LayerNorm parameters gamma/beta.
    if (!w.find(full) && full.ends_with("LayerNorm.weight")) full.replace(full.size() - 6, 6, "gamma");
    if (!w.find(full) && full.ends_with("LayerNorm.bias")) full.replace(full.size() - 4, 4, "beta");
    auto p = w.f32(full, shape);
    if (!p) return fail(ErrorCode::kMalformed, dir.string(), ": ", p.error().message);
    out = *p;
    return {};
  };
  TERN_TRY(bind("embeddings.word_embeddings.weight", {c.vocab, d}, model->wordEmb_));
  TERN_TRY(bind("embeddings.position_embeddings.weight", {c.maxPositions, d}, model->posEmb_));
  TERN_TRY(bind("embeddings.token_type_embeddings.weight", {c.typeVocab, d}, model->typeEmb_));
  TERN_TRY(bind("embeddings.LayerNorm.weight", {d}, model->embLnG_));
  TERN_TRY(bind("embeddings.LayerNorm.bias", {d}, model->embLnB_));
  for (int i = 0; i < c.layers; ++i) {
    std::string p = "encoder.layer." + std::to_string(i) + ".";
    Layer l{};
    TERN_TRY(bind(p + "attention.self.query.weight", {d, d}, l.wq));
    TERN_TRY(bind(p + "attention.self.query.bias", {d}, l.bq));
    TERN_TRY(bind(p + "attention.self.key.weight", {d, d}, l.wk));
    TERN_TRY(bind(p + "attention.self.key.bias", {d}, l.bk));
    TERN_TRY(bind(p + "attention.self.value.weight", {d, d}, l.wv));
    TERN_TRY(bind(p + "attention.self.value.bias", {d}, l.bv));
    TERN_TRY(bind(p + "attention.output.dense.weight", {d, d}, l.wo));
    TERN_TRY(bind(p + "attention.output.dense.bias", {d}, l.bo));
    TERN_TRY(bind(p + "attention.output.LayerNorm.weight", {d}, l.ln1g));
    TERN_TRY(bind(p + "attention.output.LayerNorm.bias", {d}, l.ln1b));
    TERN_TRY(bind(p + "intermediate.dense.weight", {f, d}, l.wi));
    TERN_TRY(bind(p + "intermediate.dense.bias", {f}, l.bi));
    TERN_TRY(bind(p + "output.dense.weight", {d, f}, l.wout));
    TERN_TRY(bind(p + "output.dense.bias", {d}, l.bout));
    TERN_TRY(bind(p + "output.LayerNorm.weight", {d}, l.ln2g));
    TERN_TRY(bind(p + "output.LayerNorm.bias", {d}, l.ln2b));
    model->layers_.push_back(l);
  }
  return std::shared_ptr<const BertModel>(std::move(model));
}

void BertModel::encodeLayer(const Layer& l, std::vector<float>& x,
                            const std::vector<int>& lengths) const {
  const auto& c = config_;
  const int d = c.hidden, hd = d / c.heads;
  const int T = static_cast<int>(x.size() / d);
  std::vector<float> q(x.size()), k(x.size()), v(x.size()), ctx(x.size()), tmp(x.size());
  cpu::linear(x.data(), T, d, l.wq, d, q.data(), l.bq);
  cpu::linear(x.data(), T, d, l.wk, d, k.data(), l.bk);
  cpu::linear(x.data(), T, d, l.wv, d, v.data(), l.bv);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  std::vector<float> scores;
  int base = 0;
  for (int len : lengths) {  // bidirectional attention within each text only
    scores.resize(len);
    for (int t = 0; t < len; ++t) {
      for (int h = 0; h < c.heads; ++h) {
        const float* qv = &q[size_t(base + t) * d + h * hd];
        for (int j = 0; j < len; ++j) {
          scores[j] = cpu::dot(qv, &k[size_t(base + j) * d + h * hd], hd) * scale;
        }
        cpu::softmax(scores.data(), len);
        float* out = &ctx[size_t(base + t) * d + h * hd];
        std::fill_n(out, hd, 0.0f);
        for (int j = 0; j < len; ++j) {
          const float* vv = &v[size_t(base + j) * d + h * hd];
          for (int i = 0; i < hd; ++i) out[i] += scores[j] * vv[i];
        }
      }
    }
    base += len;
  }
  cpu::linear(ctx.data(), T, d, l.wo, d, tmp.data(), l.bo);
  cpu::add(x.data(), tmp.data(), x.size());
  cpu::layerNorm(x.data(), T, d, l.ln1g, l.ln1b, c.layerNormEps);
  std::vector<float> inter(size_t(T) * c.intermediate);
  cpu::linear(x.data(), T, d, l.wi, c.intermediate, inter.data(), l.bi);
  cpu::gelu(inter.data(), inter.size());
  cpu::linear(inter.data(), T, c.intermediate, l.wout, d, tmp.data(), l.bout);
  cpu::add(x.data(), tmp.data(), x.size());
  cpu::layerNorm(x.data(), T, d, l.ln2g, l.ln2b, c.layerNormEps);
}

Result<BertModel::Output> BertModel::embed(std::span<const std::string> texts) const {
  const auto& c = config_;
  const int d = c.hidden;
  std::vector<int32_t> all;
  std::vector<int> lengths;
  Output out;
  size_t maxLen = std::min<size_t>(tokenizer_->maxLength().value_or(c.maxPositions), c.maxPositions);
  for (const auto& text : texts) {
    auto ids = tokenizer_->encode(text, true);
    if (!ids) return fail(ids.error());
    if (ids->size() > maxLen) ids->resize(maxLen);
    if (ids->empty()) return fail(ErrorCode::kInvalidArgument, "text has no tokens");
    for (int32_t id : *ids) {
      if (id < 0 || id >= c.vocab) return fail(ErrorCode::kInvalidArgument, "token id out of range");
    }
    all.insert(all.end(), ids->begin(), ids->end());
    lengths.push_back(static_cast<int>(ids->size()));
    out.promptTokens += static_cast<uint32_t>(ids->size());
  }
  std::vector<float> x(all.size() * d);
  size_t t = 0;
  for (int len : lengths) {
    for (int p = 0; p < len; ++p, ++t) {
      float* row = &x[t * d];
      const float* w = wordEmb_ + size_t(all[t]) * d;
      const float* pe = posEmb_ + size_t(p) * d;
      for (int i = 0; i < d; ++i) row[i] = w[i] + pe[i] + typeEmb_[i];  // token type 0
    }
  }
  cpu::layerNorm(x.data(), static_cast<int>(all.size()), d, embLnG_, embLnB_, c.layerNormEps);
  for (const auto& l : layers_) encodeLayer(l, x, lengths);
  size_t base = 0;
  for (int len : lengths) {
    std::vector<float> e(d, 0.0f);
    for (int p = 0; p < len; ++p) cpu::add(e.data(), &x[(base + p) * d], d);
    double norm = 0;
    for (float& v : e) {
      v /= static_cast<float>(len);
      norm += double(v) * v;
    }
    float inv = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
    for (float& v : e) v *= inv;
    out.embeddings.push_back(std::move(e));
    base += len;
  }
  return out;
}

}  // namespace tern::ai
