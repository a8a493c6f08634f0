// Local LLM engine: model registry (Spin's layout), per-model batching scheduler, deadlines.
#include "ai/engine.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "ai/bert.h"
#include "ai/kernels.h"
#include "ai/limits.h"
#include "ai/llama.h"

namespace tern::ai {

#ifdef TERN_AI_CUDA
Result<std::unique_ptr<LlamaBackend>> makeCudaLlamaBackend(std::shared_ptr<const LlamaModel> model,
                                                           int device);
bool cudaDevicePresent();
bool cudaAvailable() { return cudaDevicePresent(); }
#else
bool cudaAvailable() { return false; }
#endif

std::string_view stopReasonName(StopReason r) {
  switch (r) {
    case StopReason::kEndOfText: return "end-of-text";
    case StopReason::kMaxTokens: return "max-tokens";
    case StopReason::kDeadline: return "deadline";
    case StopReason::kContextFull: return "context-full";
  }
  return "?";
}

namespace {

LlmError runtimeError(std::string m) { return {LlmError::Kind::kRuntimeError, std::move(m)}; }
LlmError invalidInput(std::string m) { return {LlmError::Kind::kInvalidInput, std::move(m)}; }

// One request inside the scheduler.
struct Active {
  InferRequest request;
  std::vector<int32_t> tokens;  // prompt + generated
  size_t promptLen = 0;
  std::unique_ptr<Sequence> seq;
  std::unique_ptr<Sampler> sampler;
  std::promise<LlmResult<InferResult>> done;
  Clock::time_point start;
  double firstTokenMs = 0;
  bool prefilled = false;
};

class Scheduler {
 public:
  Scheduler(std::shared_ptr<const LlamaModel> model, std::unique_ptr<LlamaBackend> backend,
            int maxBatch)
      : model_(std::move(model)), backend_(std::move(backend)), maxBatch_(maxBatch),
        thread_([this] { run(); }) {}

  ~Scheduler() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  LlmResult<InferResult> submit(InferRequest request);

 private:
  void run();
  void step(std::vector<std::unique_ptr<Active>>& active);
  void finish(std::unique_ptr<Active>& a, StopReason reason);

  std::shared_ptr<const LlamaModel> model_;
  std::unique_ptr<LlamaBackend> backend_;
  int maxBatch_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Active>> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

LlmResult<InferResult> Scheduler::submit(InferRequest request) {
  if (request.prompt.size() > limits::kMaxPromptBytes) return std::unexpected(invalidInput("prompt too long"));
  auto ids = model_->tokenizer().encode(request.prompt, true);
  if (!ids) return std::unexpected(invalidInput(ids.error().message));
  if (ids->empty()) return std::unexpected(invalidInput("prompt has no tokens"));
  const auto& c = model_->config();
  uint32_t maxNew = std::min(request.params.maxTokens, limits::kMaxGeneratedTokens);
  size_t ctx = std::min<size_t>(size_t(c.maxPositions), limits::kMaxContextTokens);
  if (ids->size() >= ctx) {
    return std::unexpected(invalidInput("prompt of " + std::to_string(ids->size()) +
                                        " tokens does not fit the context of " + std::to_string(ctx)));
  }
  auto a = std::make_unique<Active>();
  a->promptLen = ids->size();
  a->tokens = std::move(*ids);
  auto seq = backend_->newSequence(static_cast<int>(std::min(ctx, a->promptLen + maxNew + 1)));
  if (!seq) return std::unexpected(runtimeError(seq.error().message));
  a->seq = std::move(*seq);
  request.params.maxTokens = maxNew;
  a->sampler = std::make_unique<Sampler>(request.params);
  a->request = std::move(request);
  a->start = Clock::now();
  auto future = a->done.get_future();
  {
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(a));
  }
  wake_.notify_one();
  return future.get();
}

void Scheduler::finish(std::unique_ptr<Active>& a, StopReason reason) {
  InferResult r;
  r.tokens.assign(a->tokens.begin() + a->promptLen, a->tokens.end());
  r.text = model_->tokenizer().decode(r.tokens, true);
  r.promptTokens = static_cast<uint32_t>(a->promptLen);
  r.generatedTokens = static_cast<uint32_t>(r.tokens.size());
  r.stop = reason;
  r.firstTokenMs = a->firstTokenMs;
  a->done.set_value(std::move(r));
  a.reset();
}

void Scheduler::run() {
  std::vector<std::unique_ptr<Active>> active;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !pending_.empty() || !active.empty(); });
      if (stopping_) break;
      while (!pending_.empty() && static_cast<int>(active.size()) < maxBatch_) {
        active.push_back(std::move(pending_.front()));
        pending_.pop_front();
      }
    }
    step(active);
    std::erase_if(active, [](const auto& a) { return !a; });
  }
  for (auto& a : active) a->done.set_value(std::unexpected(runtimeError("engine shut down")));
  for (auto& a : pending_) a->done.set_value(std::unexpected(runtimeError("engine shut down")));
}

// One forward pass: new prompts are prefilled and running sequences advance one token.
void Scheduler::step(std::vector<std::unique_ptr<Active>>& active) {
  const auto now = Clock::now();
  for (auto& a : active) {
    if (now >= a->request.deadline) finish(a, StopReason::kDeadline);
  }
  std::vector<StepInput> inputs;
  std::vector<Active*> order;
  for (auto& a : active) {
    if (!a) continue;
    if (a->request.params.maxTokens == 0) {
      finish(a, StopReason::kMaxTokens);
      continue;
    }
    std::span<const int32_t> toks = a->prefilled ? std::span<const int32_t>(&a->tokens.back(), 1)
                                                 : std::span<const int32_t>(a->tokens);
    inputs.push_back({a->seq.get(), toks});
    order.push_back(a.get());
  }
  if (inputs.empty()) return;
  const int vocab = model_->config().vocab;
  std::vector<float> logits(inputs.size() * size_t(vocab));
  auto ok = backend_->forward(inputs, logits.data());
  for (size_t i = 0; i < order.size(); ++i) {
    auto it = std::find_if(active.begin(), active.end(), [&](auto& p) { return p.get() == order[i]; });
    auto& a = *it;
    if (!ok) {
      a->done.set_value(std::unexpected(runtimeError(ok.error().message)));
      a.reset();
      continue;
    }
    if (!a->prefilled) {
      a->prefilled = true;
      a->firstTokenMs = std::chrono::duration<double, std::milli>(Clock::now() - a->start).count();
    }
    std::span<float> row(&logits[i * vocab], vocab);
    int32_t next = a->sampler->next(row, a->tokens);
    const auto& eos = model_->config().eos;
    if (std::find(eos.begin(), eos.end(), next) != eos.end()) {
      finish(a, StopReason::kEndOfText);
      continue;
    }
    a->tokens.push_back(next);
    if (a->tokens.size() - a->promptLen >= a->request.params.maxTokens) {
      finish(a, StopReason::kMaxTokens);
    } else if (a->seq->length() + 1 > a->seq->capacity()) {
      finish(a, StopReason::kContextFull);
    }
  }
}

class LocalEngine final : public LlmEngine {
 public:
  explicit LocalEngine(LocalEngineOptions o) : options_(std::move(o)) {
    cpu::setBlasThreads(options_.blasThreads);
  }

  LlmResult<InferResult> infer(const InferRequest& request) override {
    auto s = scheduler(request.model);
    if (!s) return std::unexpected(s.error());
    return (*s)->submit(request);
  }

  LlmResult<EmbeddingsResult> generateEmbeddings(const std::string& model,
                                                 std::span<const std::string> texts,
                                                 Clock::time_point deadline) override {
    if (texts.size() > limits::kMaxEmbeddingTexts) return std::unexpected(invalidInput("too many texts"));
    size_t bytes = 0;
    for (const auto& t : texts) bytes += t.size();
    if (bytes > limits::kMaxEmbeddingTextBytes) return std::unexpected(invalidInput("texts too long"));
    if (Clock::now() >= deadline) return std::unexpected(runtimeError("deadline exceeded"));
    auto m = embedder(model);
    if (!m) return std::unexpected(m.error());
    EmbeddingsResult out;
    if (texts.empty()) return out;
    auto r = (*m)->embed(texts);
    if (!r) {
      return std::unexpected(r.error().code == ErrorCode::kInvalidArgument
                                 ? invalidInput(r.error().message)
                                 : runtimeError(r.error().message));
    }
    out.embeddings = std::move(r->embeddings);
    out.promptTokens = r->promptTokens;
    return out;
  }

 private:
  static bool validName(const std::string& name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
           name.find('\0') == std::string::npos;
  }

  LlmResult<Scheduler*> scheduler(const std::string& name) {
    if (!validName(name)) return std::unexpected(LlmError{LlmError::Kind::kModelNotSupported, ""});
    std::lock_guard lock(mutex_);
    auto it = schedulers_.find(name);
    if (it != schedulers_.end()) return it->second.get();
    auto dir = options_.modelsDir / "llama" / name;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      return std::unexpected(invalidInput("no model directory found in registry for model '" + name + "'"));
    }
    auto model = LlamaModel::load(dir);
    if (!model) return std::unexpected(runtimeError(model.error().toString()));
    std::unique_ptr<LlamaBackend> backend;
    if (options_.backend == Backend::kCuda) {
#ifdef TERN_AI_CUDA
      auto b = makeCudaLlamaBackend(*model, options_.cudaDevice);
      if (!b) return std::unexpected(runtimeError(b.error().toString()));
      backend = std::move(*b);
#else
      return std::unexpected(runtimeError("this build has no CUDA backend (TERN_AI_CUDA)"));
#endif
    } else {
      backend = makeCpuLlamaBackend(*model);
    }
    auto s = std::make_unique<Scheduler>(*model, std::move(backend), options_.maxBatch);
    return (schedulers_[name] = std::move(s)).get();
  }

  LlmResult<std::shared_ptr<const BertModel>> embedder(const std::string& name) {
    if (!validName(name) || name == "llama") {
      return std::unexpected(LlmError{LlmError::Kind::kModelNotSupported, ""});
    }
    std::lock_guard lock(mutex_);
    auto it = embedders_.find(name);
    if (it != embedders_.end()) return it->second;
    auto dir = options_.modelsDir / name;
    std::error_code ec;
    if (!std::filesystem::exists(dir / "model.safetensors", ec)) {
      return std::unexpected(LlmError{LlmError::Kind::kModelNotSupported, ""});
    }
    auto m = BertModel::load(dir);
    if (!m) return std::unexpected(runtimeError(m.error().toString()));
    return embedders_[name] = *m;
  }

  LocalEngineOptions options_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Scheduler>> schedulers_;
  std::map<std::string, std::shared_ptr<const BertModel>> embedders_;
};

}  // namespace

std::unique_ptr<LlmEngine> makeLocalEngine(LocalEngineOptions options) {
  return std::make_unique<LocalEngine>(std::move(options));
}

}  // namespace tern::ai
