// ai_bench: CPU figures of src/ai on generated models (tests/ai/make_models.py --bench):
// time to first token and tokens/s of the ~100M-parameter Llama, aggregate tokens/s and node RSS
// with 8 concurrent users of one model (weights mapped once), embeddings/s of a MiniLM-shaped BERT.
//   ai_bench MODELS_DIR [cpu|cuda]
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "ai/engine.h"

using namespace tern::ai;
using Ms = std::chrono::duration<double, std::milli>;

namespace {

std::string rssLine() {
  std::ifstream in("/proc/self/status");
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS") || line.starts_with("RssAnon") || line.starts_with("RssFile")) {
      out += line.substr(0, line.find(':')) + "=" + line.substr(line.find_first_not_of(" \t", line.find(':') + 1)) + " ";
    }
  }
  return out;
}

InferRequest request(int user) {
  InferRequest r;
  r.model = "bench-100m";
  r.prompt = "User " + std::to_string(user) +
             ": the edge runs small programs close to people, and models that fit in memory can "
             "answer questions, rank search results, or turn a sentence into a vector.";
  r.params.maxTokens = 64;
  r.params.temperature = 0;
  r.params.repeatPenalty = 1.0f;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: ai_bench MODELS_DIR [cpu|cuda]\n";
    return 2;
  }
  Backend backend = argc > 2 && std::string(argv[2]) == "cuda" ? Backend::kCuda : Backend::kCpu;
  auto engine = makeLocalEngine({.modelsDir = argv[1], .backend = backend});
  std::cout << "backend: " << (backend == Backend::kCuda ? "cuda" : "cpu-openblas")
            << "  threads: " << std::thread::hardware_concurrency() << "\n";
  auto warm = request(0);
  warm.params.maxTokens = 2;
  auto t0 = std::chrono::steady_clock::now();
  auto w = engine->infer(warm);
  if (!w) {
    std::cerr << "infer: " << w.error().message << "\n";
    return 1;
  }
  std::cout << "load + first request: " << Ms(std::chrono::steady_clock::now() - t0).count()
            << " ms; RSS after load: " << rssLine() << "\n";
  for (int rep = 0; rep < 2; ++rep) {
    auto start = std::chrono::steady_clock::now();
    auto r = engine->infer(request(1));
    double ms = Ms(std::chrono::steady_clock::now() - start).count();
    double decode = (ms - r->firstTokenMs) / std::max(1u, r->generatedTokens - 1);
    std::cout << "1 user: prompt " << r->promptTokens << " tokens, TTFT " << r->firstTokenMs
              << " ms, " << r->generatedTokens << " tokens in " << ms << " ms: "
              << 1000.0 / decode << " tokens/s decode\n";
  }
  for (int users : {8}) {
    std::vector<std::thread> threads;
    std::vector<double> ttft(users);
    std::vector<uint32_t> tokens(users);
    auto start = std::chrono::steady_clock::now();
    for (int u = 0; u < users; ++u) {
      threads.emplace_back([&, u] {
        auto r = engine->infer(request(u + 2));
        if (r) {
          ttft[u] = r->firstTokenMs;
          tokens[u] = r->generatedTokens;
        }
      });
    }
    std::string rssDuring;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    rssDuring = rssLine();
    for (auto& t : threads) t.join();
    double ms = Ms(std::chrono::steady_clock::now() - start).count();
    uint32_t total = 0;
    double maxTtft = 0;
    for (int u = 0; u < users; ++u) {
      total += tokens[u];
      maxTtft = std::max(maxTtft, ttft[u]);
    }
    std::cout << users << " users at once (batched): " << total << " tokens in " << ms << " ms: "
              << total * 1000.0 / ms << " tokens/s aggregate, max TTFT " << maxTtft
              << " ms; RSS during: " << rssDuring << "\n";
  }
  std::vector<std::string> texts;
  for (int i = 0; i < 32; ++i) {
    texts.push_back("Sentence number " + std::to_string(i) +
                    " about serverless platforms that scale to zero and start fast.");
  }
  for (size_t batch : {1, 32}) {
    auto start = std::chrono::steady_clock::now();
    size_t done = 0;
    while (Ms(std::chrono::steady_clock::now() - start).count() < 2000) {
      auto r = engine->generateEmbeddings("all-minilm-l6-v2", {texts.data(), batch});
      if (!r) {
        std::cerr << "embed: " << r.error().message << "\n";
        return 1;
      }
      done += batch;
    }
    double ms = Ms(std::chrono::steady_clock::now() - start).count();
    std::cout << "embeddings (MiniLM-shaped, batch " << batch << "): " << done * 1000.0 / ms
              << " texts/s\n";
  }
  std::cout << "RSS at end: " << rssLine() << "\n";
  return 0;
}
