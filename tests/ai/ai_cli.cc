// ai_cli: drives src/ai from the command line for tests/ai/check_reference.py and the benches.
//   ai_cli tokenize TOKENIZER.json TEXTS.json
//   ai_cli infer MODELS_DIR MODEL PROMPTS.json [--max-tokens N] [--temperature T]
//                [--repeat-penalty R] [--last-n N] [--top-k K] [--top-p P] [--seed S]
//   ai_cli embed MODELS_DIR MODEL TEXTS.json
// Prints JSON on stdout; errors on stderr with exit status 1.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "ai/engine.h"
#include "ai/tokenizer.h"

using nlohmann::json;
using namespace tern::ai;

namespace {

std::vector<std::string> readTexts(const std::string& file) {
  std::ifstream in(file);
  return json::parse(in).get<std::vector<std::string>>();
}

int usage() {
  std::cerr << "usage: ai_cli tokenize|infer|embed ...\n";
  return 2;
}

int tokenize(char** argv) {
  auto tok = Tokenizer::load(argv[2]);
  if (!tok) {
    std::cerr << tok.error().toString() << "\n";
    return 1;
  }
  json out = json::array();
  for (const auto& t : readTexts(argv[3])) {
    auto ids = (*tok)->encode(t, true);
    if (!ids) {
      std::cerr << ids.error().toString() << "\n";
      return 1;
    }
    out.push_back({{"ids", *ids}, {"decoded", (*tok)->decode(*ids, true)}});
  }
  std::cout << out.dump() << "\n";
  return 0;
}

int infer(int argc, char** argv) {
  InferParams p;
  for (int i = 5; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--max-tokens") p.maxTokens = std::stoul(v);
    else if (k == "--temperature") p.temperature = std::stof(v);
    else if (k == "--repeat-penalty") p.repeatPenalty = std::stof(v);
    else if (k == "--last-n") p.repeatPenaltyLastN = std::stoul(v);
    else if (k == "--top-k") p.topK = std::stoul(v);
    else if (k == "--top-p") p.topP = std::stof(v);
    else if (k == "--seed") p.seed = std::stoull(v);
    else return usage();
  }
  const char* backend = std::getenv("TERN_AI_BACKEND");  // "cuda" for tests/ai/gpu_check.sh
  auto engine = makeLocalEngine({.modelsDir = argv[2],
                                 .backend = backend && std::string(backend) == "cuda"
                                                ? Backend::kCuda
                                                : Backend::kCpu});
  auto tok = Tokenizer::load(std::string(argv[2]) + "/llama/" + argv[3] + "/tokenizer.json");
  if (!tok) {
    std::cerr << tok.error().toString() << "\n";
    return 1;
  }
  json out = json::array();
  for (const auto& prompt : readTexts(argv[4])) {
    auto r = engine->infer({.model = argv[3], .prompt = prompt, .params = p});
    if (!r) {
      std::cerr << "infer: " << r.error().message << "\n";
      return 1;
    }
    out.push_back({{"prompt_ids", *(*tok)->encode(prompt, true)},
                   {"ids", r->tokens},
                   {"text", r->text},
                   {"stop", stopReasonName(r->stop)},
                   {"prompt_tokens", r->promptTokens},
                   {"generated_tokens", r->generatedTokens}});
  }
  std::cout << out.dump() << "\n";
  return 0;
}

int embed(char** argv) {
  auto engine = makeLocalEngine({.modelsDir = argv[2]});
  auto texts = readTexts(argv[4]);
  auto r = engine->generateEmbeddings(argv[3], texts);
  if (!r) {
    std::cerr << "embed: " << r.error().message << "\n";
    return 1;
  }
  auto tok = Tokenizer::load(std::string(argv[2]) + "/" + argv[3] + "/tokenizer.json");
  json ids = json::array();
  for (const auto& t : texts) ids.push_back(*(*tok)->encode(t, true));
  std::cout << json{{"embeddings", r->embeddings}, {"ids", ids}, {"prompt_tokens", r->promptTokens}}.dump()
            << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return usage();
  std::string cmd = argv[1];
  try {
    if (cmd == "tokenize") return tokenize(argv);
    if (cmd == "infer" && argc >= 5) return infer(argc, argv);
    if (cmd == "embed" && argc >= 5) return embed(argv);
  } catch (const std::exception& e) {
    std::cerr << "ai_cli: " << e.what() << "\n";
    return 1;
  }
  return usage();
}
