// ai_engine_compare: the engine-choice measurement of src/ai/README.md. The same generated
// ~100M-parameter Llama, the same weights (one mapping), the same prompt and greedy decode of 64
// tokens, run by (a) src/ai's own kernels on OpenBLAS and (b) libtorch 1.13 (Debian) tensor ops.
//   ai_engine_compare MODELS_DIR
#include <torch/torch.h>

#include <chrono>
#include <iostream>

#include "ai/llama.h"

using namespace tern::ai;
using Ms = std::chrono::duration<double, std::milli>;

namespace {

struct Figures {
  double prefillMs, decodeTokS;
  std::vector<int32_t> tokens;
};

Figures runOwn(std::shared_ptr<const LlamaModel> m, const std::vector<int32_t>& prompt, int n) {
  auto backend = makeCpuLlamaBackend(m);
  auto seq = *backend->newSequence(int(prompt.size()) + n + 1);
  std::vector<float> logits(m->config().vocab);
  Figures f;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<StepInput> in{{seq.get(), prompt}};
  (void)backend->forward(in, logits.data());
  f.prefillMs = Ms(std::chrono::steady_clock::now() - t0).count();
  auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    int32_t next = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
    f.tokens.push_back(next);
    std::vector<StepInput> step{{seq.get(), {&f.tokens.back(), 1}}};
    (void)backend->forward(step, logits.data());
  }
  f.decodeTokS = n * 1000.0 / Ms(std::chrono::steady_clock::now() - t1).count();
  return f;
}

torch::Tensor view(const float* p, std::vector<int64_t> shape) {
  return torch::from_blob(const_cast<float*>(p), shape, torch::kFloat32);
}

Figures runTorch(std::shared_ptr<const LlamaModel> m, const std::vector<int32_t>& prompt, int n) {
  torch::NoGradGuard noGrad;
  const auto& c = m->config();
  const int64_t d = c.hidden, hd = c.headDim, H = c.heads, KV = c.kvHeads, f = c.intermediate;
  auto embed = view(m->embed(), {c.vocab, d}), head = view(m->lmHead(), {c.vocab, d});
  auto invFreq = torch::from_blob(const_cast<float*>(c.invFreq.data()), {hd / 2});
  std::vector<torch::Tensor> kc(c.layers), vc(c.layers);
  auto rms = [&](torch::Tensor x, const float* w) {
    return x * torch::rsqrt(x.pow(2).mean(-1, true) + c.rmsEps) * view(w, {d});
  };
  auto rope = [&](torch::Tensor x, torch::Tensor pos) {  // x [T, heads, hd]
    auto ang = pos.unsqueeze(1) * invFreq.unsqueeze(0);
    auto cs = ang.cos().unsqueeze(1), sn = ang.sin().unsqueeze(1);
    auto a = x.narrow(-1, 0, hd / 2), b = x.narrow(-1, hd / 2, hd / 2);
    return torch::cat({a * cs - b * sn, b * cs + a * sn}, -1);
  };
  int64_t len = 0;
  auto forward = [&](const std::vector<int32_t>& ids) {
    int64_t T = int64_t(ids.size());
    auto idx = torch::from_blob(const_cast<int32_t*>(ids.data()), {T}, torch::kInt32).to(torch::kLong);
    auto x = embed.index_select(0, idx);
    auto pos = torch::arange(len, len + T, torch::kFloat32);
    for (int l = 0; l < c.layers; ++l) {
      const auto& w = m->layers()[l];
      auto h = rms(x, w.attnNorm);
      auto q = rope(torch::matmul(h, view(w.wq, {H * hd, d}).t()).view({T, H, hd}), pos);
      auto k = rope(torch::matmul(h, view(w.wk, {KV * hd, d}).t()).view({T, KV, hd}), pos);
      auto v = torch::matmul(h, view(w.wv, {KV * hd, d}).t()).view({T, KV, hd});
      kc[l] = len ? torch::cat({kc[l], k}) : k;
      vc[l] = len ? torch::cat({vc[l], v}) : v;
      auto K = kc[l].repeat_interleave(H / KV, 1), V = vc[l].repeat_interleave(H / KV, 1);
      auto s = torch::einsum("thd,jhd->htj", {q, K}) / std::sqrt(double(hd));
      if (T > 1) s = s + torch::full({T, len + T}, -INFINITY).triu(len + 1);
      auto att = torch::einsum("htj,jhd->thd", {s.softmax(-1), V}).reshape({T, H * hd});
      x = x + torch::matmul(att, view(w.wo, {d, H * hd}).t());
      h = rms(x, w.mlpNorm);
      auto g = torch::matmul(h, view(w.wGate, {f, d}).t());
      auto u = torch::matmul(h, view(w.wUp, {f, d}).t());
      x = x + torch::matmul(torch::silu(g) * u, view(w.wDown, {d, f}).t());
    }
    len += T;
    return torch::matmul(rms(x[T - 1], m->finalNorm()), head.t());
  };
  Figures fig;
  auto t0 = std::chrono::steady_clock::now();
  auto logits = forward(prompt);
  fig.prefillMs = Ms(std::chrono::steady_clock::now() - t0).count();
  auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    fig.tokens.push_back(int32_t(logits.argmax().item<int64_t>()));
    logits = forward({fig.tokens.back()});
  }
  fig.decodeTokS = n * 1000.0 / Ms(std::chrono::steady_clock::now() - t1).count();
  return fig;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  auto m = LlamaModel::load(std::string(argv[1]) + "/llama/bench-100m");
  if (!m) {
    std::cerr << m.error().toString() << "\n";
    return 1;
  }
  auto prompt = *(*m)->tokenizer().encode(
      "The edge runs small programs close to people, and models that fit in memory can answer "
      "questions, rank search results, or turn a sentence into a vector.", true);
  const int n = 64;
  runOwn(*m, prompt, 4);  // warm the page cache and BLAS threads
  runTorch(*m, prompt, 4);
  for (int rep = 0; rep < 2; ++rep) {
    auto own = runOwn(*m, prompt, n);
    auto tt = runTorch(*m, prompt, n);
    std::cout << "prompt " << prompt.size() << " tokens, " << n << " greedy tokens, "
              << at::get_num_threads() << " torch threads\n"
              << "  own kernels + OpenBLAS: prefill " << own.prefillMs << " ms, decode "
              << own.decodeTokS << " tokens/s\n"
              << "  libtorch 1.13:          prefill " << tt.prefillMs << " ms, decode "
              << tt.decodeTokS << " tokens/s\n"
              << "  same tokens: " << (own.tokens == tt.tokens ? "yes" : "no") << "\n";
  }
  return 0;
}
