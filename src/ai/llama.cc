// Llama config and weight binding (Hugging Face tensor names), and the CPU backend.
#include "ai/llama.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ai/kernels.h"
#include "ai/limits.h"

namespace tern::ai {

namespace {

using nlohmann::json;

Result<int> positiveInt(const json& j, const char* key, std::optional<int> fallback, int max) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (fallback) return *fallback;
    return fail(ErrorCode::kMalformed, "config.json: '", key, "' is missing");
  }
  if (!it->is_number_integer() || it->get<int64_t>() <= 0 || it->get<int64_t>() > max) {
    return fail(ErrorCode::kMalformed, "config.json: '", key, "' must be a positive integer");
  }
  return it->get<int>();
}

Result<void> applyRopeScaling(const json& s, LlamaConfig& c) {
  if (s.is_null()) return {};
  std::string type = s.value("rope_type", s.value("type", std::string()));
  float factor = s.value("factor", 1.0f);
  if (type == "linear") {
    for (auto& f : c.invFreq) f /= factor;
    return {};
  }
  if (type == "llama3") {
    float low = s.value("low_freq_factor", 1.0f), high = s.value("high_freq_factor", 4.0f);
    float oldLen = s.value("original_max_position_embeddings", 8192.0f);
    float lowWave = oldLen / low, highWave = oldLen / high;
    for (auto& f : c.invFreq) {
      float wave = 2.0f * static_cast<float>(M_PI) / f;
      if (wave < highWave) continue;
      if (wave > lowWave) {
        f /= factor;
      } else {
        float smooth = (oldLen / wave - low) / (high - low);
        f = (1 - smooth) * f / factor + smooth * f;
      }
    }
    return {};
  }
  return fail(ErrorCode::kUnsupported, "config.json: rope_scaling type '", type, "'");
}

}  // namespace

Result<LlamaConfig> LlamaConfig::parse(std::string_view text) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::kMalformed, "config.json is not a JSON object");
  }
  if (j.contains("model_type") && j["model_type"] != "llama" && j["model_type"] != "mistral") {
    return fail(ErrorCode::kUnsupported, "config.json: model_type ", j["model_type"].dump(),
                " is not a Llama architecture");
  }
  LlamaConfig c;
  auto get = [&](const char* k, std::optional<int> d, int max, int& out) -> Result<void> {
    auto v = positiveInt(j, k, d, max);
    if (!v) return fail(v.error());
    out = *v;
    return {};
  };
  TERN_TRY(get("hidden_size", {}, limits::kMaxHidden, c.hidden));
  TERN_TRY(get("intermediate_size", {}, limits::kMaxHidden * 8, c.intermediate));
  TERN_TRY(get("num_hidden_layers", {}, limits::kMaxLayers, c.layers));
  TERN_TRY(get("num_attention_heads", {}, 1024, c.heads));
  TERN_TRY(get("num_key_value_heads", c.heads, 1024, c.kvHeads));
  TERN_TRY(get("vocab_size", {}, static_cast<int>(limits::kMaxVocab), c.vocab));
  TERN_TRY(get("max_position_embeddings", 2048, static_cast<int>(limits::kMaxContextTokens) * 32,
               c.maxPositions));
  TERN_TRY(get("head_dim", c.hidden / c.heads, 4096, c.headDim));
  if (c.heads % c.kvHeads != 0 || c.headDim % 2 != 0) {
    return fail(ErrorCode::kMalformed, "config.json: heads must be a multiple of key/value heads");
  }
  c.rmsEps = j.value("rms_norm_eps", 1e-6f);
  c.ropeTheta = j.value("rope_theta", 10000.0f);
  c.tieEmbeddings = j.value("tie_word_embeddings", false);
  if (j.contains("bos_token_id") && j["bos_token_id"].is_number_integer()) {
    c.bos = j["bos_token_id"].get<int32_t>();
  }
  auto eos = j.value("eos_token_id", json());
  if (eos.is_number_integer()) c.eos.push_back(eos.get<int32_t>());
  if (eos.is_array()) {
    for (const auto& e : eos) {
      if (e.is_number_integer()) c.eos.push_back(e.get<int32_t>());
    }
  }
  for (int i = 0; i < c.headDim / 2; ++i) {
    c.invFreq.push_back(1.0f / std::pow(c.ropeTheta, 2.0f * i / c.headDim));
  }
  TERN_TRY(applyRopeScaling(j.value("rope_scaling", json()), c));
  return c;
}

Result<std::shared_ptr<const LlamaModel>> LlamaModel::load(const std::filesystem::path& dir) {
  std::ifstream in(dir / "config.json");
  if (!in) return fail(ErrorCode::kIo, "cannot read ", (dir / "config.json").string());
  std::stringstream ss;
  ss << in.rdbuf();
  auto model = std::make_shared<LlamaModel>();
  auto config = LlamaConfig::parse(ss.str());
  if (!config) return fail(config.error().code, dir.string(), ": ", config.error().message);
  model->config_ = std::move(*config);
  auto tokenizer = Tokenizer::load(dir / "tokenizer.json");
  if (!tokenizer) return fail(tokenizer.error());
  model->tokenizer_ = std::move(*tokenizer);
  auto weights = WeightSet::open(dir);
  if (!weights) return fail(weights.error());
  model->weights_ = std::move(*weights);

  const auto& c = model->config_;
  const WeightSet& w = *model->weights_;
  const int64_t d = c.hidden, f = c.intermediate, q = int64_t(c.heads) * c.headDim,
                kv = int64_t(c.kvHeads) * c.headDim;
  auto bind = [&](const std::string& name, std::initializer_list<int64_t> shape,
                  const float*& out) -> Result<void> {
    auto p = w.f32(name, shape);
    if (!p) return fail(ErrorCode::kMalformed, dir.string(), ": ", p.error().message);
    out = *p;
    return {};
  };
  TERN_TRY(bind("model.embed_tokens.weight", {c.vocab, d}, model->embed_));
  TERN_TRY(bind("model.norm.weight", {d}, model->norm_));
  if (w.find("lm_head.weight")) {
    TERN_TRY(bind("lm_head.weight", {c.vocab, d}, model->lmHead_));
  } else {
    model->lmHead_ = model->embed_;  // tied embeddings (tie_word_embeddings or a missing head)
  }
  for (int i = 0; i < c.layers; ++i) {
    std::string p = "model.layers." + std::to_string(i) + ".";
    LlamaLayerWeights l{};
    TERN_TRY(bind(p + "input_layernorm.weight", {d}, l.attnNorm));
    TERN_TRY(bind(p + "self_attn.q_proj.weight", {q, d}, l.wq));
    TERN_TRY(bind(p + "self_attn.k_proj.weight", {kv, d}, l.wk));
    TERN_TRY(bind(p + "self_attn.v_proj.weight", {kv, d}, l.wv));
    TERN_TRY(bind(p + "self_attn.o_proj.weight", {d, q}, l.wo));
    TERN_TRY(bind(p + "post_attention_layernorm.weight", {d}, l.mlpNorm));
    TERN_TRY(bind(p + "mlp.gate_proj.weight", {f, d}, l.wGate));
    TERN_TRY(bind(p + "mlp.up_proj.weight", {f, d}, l.wUp));
    TERN_TRY(bind(p + "mlp.down_proj.weight", {d, f}, l.wDown));
    model->layers_.push_back(l);
  }
  if (model->tokenizer_->vocabSize() > static_cast<size_t>(c.vocab)) {
    return fail(ErrorCode::kMalformed, dir.string(), ": tokenizer has more tokens than vocab_size");
  }
  return std::shared_ptr<const LlamaModel>(std::move(model));
}

namespace {

class CpuSequence final : public Sequence {
 public:
  CpuSequence(const LlamaConfig& c, int capacity)
      : capacity_(capacity),
        stride_(size_t(c.kvHeads) * c.headDim),
        k_(size_t(c.layers) * capacity * stride_),
        v_(k_.size()) {}
  int length() const override { return length_; }
  int capacity() const override { return capacity_; }
  float* k(int layer, int pos) { return &k_[(size_t(layer) * capacity_ + pos) * stride_]; }
  float* v(int layer, int pos) { return &v_[(size_t(layer) * capacity_ + pos) * stride_]; }
  int length_ = 0;

 private:
  int capacity_;
  size_t stride_;
  std::vector<float> k_, v_;
};

class CpuBackend final : public LlamaBackend {
 public:
  explicit CpuBackend(std::shared_ptr<const LlamaModel> m) : model_(std::move(m)) {}
  std::string_view name() const override { return "cpu-openblas"; }

  Result<std::unique_ptr<Sequence>> newSequence(int capacity) override {
    if (capacity <= 0 || static_cast<uint32_t>(capacity) > limits::kMaxContextTokens) {
      return fail(ErrorCode::kInvalidArgument, "sequence capacity out of range");
    }
    return std::unique_ptr<Sequence>(new CpuSequence(model_->config(), capacity));
  }

  Result<void> forward(std::span<const StepInput> batch, float* logits) override;

 private:
  void attention(int layer, const std::vector<CpuSequence*>& seqOf, const std::vector<int>& posOf);

  std::shared_ptr<const LlamaModel> model_;
  std::vector<float> x_, h_, q_, k_, v_, att_, gate_, up_, last_, scores_;
};

Result<void> CpuBackend::forward(std::span<const StepInput> batch, float* logits) {
  const auto& c = model_->config();
  std::vector<CpuSequence*> seqOf;
  std::vector<int> posOf;
  for (const auto& in : batch) {
    auto* s = static_cast<CpuSequence*>(in.sequence);
    if (in.tokens.empty() || s->length_ + static_cast<int>(in.tokens.size()) > s->capacity()) {
      return fail(ErrorCode::kInvalidArgument, "sequence capacity exceeded");
    }
    for (size_t i = 0; i < in.tokens.size(); ++i) {
      if (in.tokens[i] < 0 || in.tokens[i] >= c.vocab) {
        return fail(ErrorCode::kInvalidArgument, "token id out of range");
      }
      seqOf.push_back(s);
      posOf.push_back(s->length_ + static_cast<int>(i));
    }
  }
  const int T = static_cast<int>(seqOf.size()), d = c.hidden;
  const int qd = c.heads * c.headDim, kvd = c.kvHeads * c.headDim;
  x_.resize(size_t(T) * d);
  h_.resize(size_t(T) * std::max(d, qd));
  q_.resize(size_t(T) * qd);
  k_.resize(size_t(T) * kvd);
  v_.resize(size_t(T) * kvd);
  att_.resize(size_t(T) * qd);
  gate_.resize(size_t(T) * c.intermediate);
  up_.resize(size_t(T) * c.intermediate);
  int t = 0;
  for (const auto& in : batch) {
    for (int32_t id : in.tokens) {
      std::copy_n(model_->embed() + size_t(id) * d, d, &x_[size_t(t++) * d]);
    }
  }
  for (int l = 0; l < c.layers; ++l) {
    const auto& w = model_->layers()[l];
    std::copy(x_.begin(), x_.end(), h_.begin());
    cpu::rmsNorm(h_.data(), T, d, w.attnNorm, c.rmsEps);
    cpu::linear(h_.data(), T, d, w.wq, qd, q_.data());
    cpu::linear(h_.data(), T, d, w.wk, kvd, k_.data());
    cpu::linear(h_.data(), T, d, w.wv, kvd, v_.data());
    attention(l, seqOf, posOf);
    cpu::linear(att_.data(), T, qd, w.wo, d, h_.data());
    cpu::add(x_.data(), h_.data(), size_t(T) * d);
    std::copy(x_.begin(), x_.end(), h_.begin());
    cpu::rmsNorm(h_.data(), T, d, w.mlpNorm, c.rmsEps);
    cpu::linear(h_.data(), T, d, w.wGate, c.intermediate, gate_.data());
    cpu::linear(h_.data(), T, d, w.wUp, c.intermediate, up_.data());
    cpu::siluMul(gate_.data(), up_.data(), size_t(T) * c.intermediate);
    cpu::linear(gate_.data(), T, c.intermediate, w.wDown, d, h_.data());
    cpu::add(x_.data(), h_.data(), size_t(T) * d);
  }
  // Only each input's last position needs logits.
  last_.resize(batch.size() * size_t(d));
  t = 0;
  for (size_t b = 0; b < batch.size(); ++b) {
    t += static_cast<int>(batch[b].tokens.size());
    std::copy_n(&x_[size_t(t - 1) * d], d, &last_[b * d]);
    static_cast<CpuSequence*>(batch[b].sequence)->length_ += batch[b].tokens.size();
  }
  cpu::rmsNorm(last_.data(), static_cast<int>(batch.size()), d, model_->finalNorm(), c.rmsEps);
  cpu::linear(last_.data(), static_cast<int>(batch.size()), d, model_->lmHead(), c.vocab, logits);
  return {};
}

void CpuBackend::attention(int layer, const std::vector<CpuSequence*>& seqOf,
                           const std::vector<int>& posOf) {
  const auto& c = model_->config();
  const int T = static_cast<int>(seqOf.size()), hd = c.headDim;
  const int qd = c.heads * hd, kvd = c.kvHeads * hd, group = c.heads / c.kvHeads;
  // Rotate and store every new key/value first: later tokens of a prompt attend to earlier ones.
  for (int t = 0; t < T; ++t) {
    for (int h = 0; h < c.heads; ++h) cpu::rope(&q_[size_t(t) * qd + h * hd], hd, posOf[t], c.invFreq.data());
    for (int h = 0; h < c.kvHeads; ++h) cpu::rope(&k_[size_t(t) * kvd + h * hd], hd, posOf[t], c.invFreq.data());
    std::copy_n(&k_[size_t(t) * kvd], kvd, seqOf[t]->k(layer, posOf[t]));
    std::copy_n(&v_[size_t(t) * kvd], kvd, seqOf[t]->v(layer, posOf[t]));
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  for (int t = 0; t < T; ++t) {
    const int n = posOf[t] + 1;
    scores_.resize(n);
    for (int h = 0; h < c.heads; ++h) {
      const float* q = &q_[size_t(t) * qd + h * hd];
      const int kvh = h / group;
      for (int j = 0; j < n; ++j) {
        scores_[j] = cpu::dot(q, seqOf[t]->k(layer, j) + kvh * hd, hd) * scale;
      }
      cpu::softmax(scores_.data(), n);
      float* out = &att_[size_t(t) * qd + h * hd];
      std::fill_n(out, hd, 0.0f);
      for (int j = 0; j < n; ++j) {
        const float* v = seqOf[t]->v(layer, j) + kvh * hd;
        for (int i = 0; i < hd; ++i) out[i] += scores_[j] * v[i];
      }
    }
  }
}

}  // namespace

std::unique_ptr<LlamaBackend> makeCpuLlamaBackend(std::shared_ptr<const LlamaModel> model) {
  return std::make_unique<CpuBackend>(std::move(model));
}

}  // namespace tern::ai
