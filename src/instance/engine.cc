// Engine: compile pipeline (front end, code generation, artifact cache, loading), the canonical
// signature registry and the epoch ticker that drives deadlines.
#include "instance/engine.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "compile/artifact_cache.h"
#include "compile/codegen.h"
#include "compile/frontend.h"
#include "compile/loaded_code.h"
#include "instance/memory_pool.h"

namespace tern::instance {

struct Engine::Impl {
  std::atomic<uint64_t> epoch{0};
  std::thread ticker;
  std::mutex ticker_mutex;
  std::condition_variable ticker_cv;
  bool stopping = false;

  std::mutex types_mutex;
  std::map<std::pair<std::vector<ValType>, std::vector<ValType>>, uint32_t> type_ids;

  MemorySlotPool pool;
  std::unique_ptr<compile::ArtifactCache> cache;

  // The epoch is milliseconds since the engine started, read from the clock at each tick: a
  // ticker that wakes late (a loaded machine) delays detection by that much, but never makes
  // the deadline itself drift.
  const std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  uint64_t elapsedMs() const {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - start)
                                     .count());
  }
  void tick() {
    std::unique_lock lock(ticker_mutex);
    while (!stopping) {
      ticker_cv.wait_for(lock, std::chrono::milliseconds(1));
      epoch.store(elapsedMs(), std::memory_order_relaxed);
    }
  }
};

Engine::Engine(EngineOptions options) : options_(std::move(options)), impl_(std::make_unique<Impl>()) {}

Engine::~Engine() {
  {
    std::lock_guard lock(impl_->ticker_mutex);
    impl_->stopping = true;
  }
  impl_->ticker_cv.notify_all();
  if (impl_->ticker.joinable()) impl_->ticker.join();
}

Result<std::unique_ptr<Engine>> Engine::create(const EngineOptions& options) {
  auto engine = std::unique_ptr<Engine>(new Engine(options));
  if (!options.cache_dir.empty()) {
    engine->impl_->cache = std::make_unique<compile::ArtifactCache>(options.cache_dir);
  }
  Impl* impl = engine->impl_.get();
  impl->ticker = std::thread([impl] { impl->tick(); });
  return engine;
}

const uint64_t* Engine::epochCounter() const {
  static_assert(sizeof(std::atomic<uint64_t>) == sizeof(uint64_t));
  return reinterpret_cast<const uint64_t*>(&impl_->epoch);
}

uint64_t Engine::currentEpoch() const { return impl_->elapsedMs(); }

MemorySlotPool& Engine::memoryPool() { return impl_->pool; }

uint32_t Engine::typeId(const FuncType& type) {
  std::lock_guard lock(impl_->types_mutex);
  auto key = std::make_pair(type.params, type.results);
  auto it = impl_->type_ids.find(key);
  if (it != impl_->type_ids.end()) return it->second;
  uint32_t id = static_cast<uint32_t>(impl_->type_ids.size()) + 1;  // 0 is never a valid id
  impl_->type_ids.emplace(std::move(key), id);
  return id;
}

Module::~Module() = default;

Result<std::shared_ptr<const Module>> Engine::compile(std::span<const uint8_t> wasm, OptLevel level) {
  auto start = std::chrono::steady_clock::now();
  bool optimize = level == OptLevel::kOptimized;
  auto module = std::shared_ptr<Module>(new Module());
  module->engine_ = this;

  std::string key;
  std::optional<compile::Artifact> artifact;
  if (impl_->cache) {
    key = compile::ArtifactCache::key(wasm, optimize);
    module->stats_.cache_path = impl_->cache->pathFor(key);
    artifact = impl_->cache->load(key);
  }
  std::unique_ptr<compile::LoadedCode> code;
  if (artifact) {
    auto loaded = compile::LoadedCode::load(artifact->code, artifact->info);
    if (loaded) {
      code = std::move(*loaded);
      module->info_ = std::move(artifact->info);
      module->stats_.cache_hit = true;
      module->stats_.code_bytes = artifact->code.totalBytes();
    }
  }
  if (!code) {
    auto decoded = compile::decodeModule(wasm);
    if (!decoded) return fail(decoded.error());
    compile::CodegenOptions copts{optimize, options_.compile_threads};
    auto objects = compile::generateCode(*decoded, copts);
    if (!objects) return fail(objects.error());
    auto loaded = compile::LoadedCode::load(*objects, decoded->info);
    if (!loaded) return fail(loaded.error());
    code = std::move(*loaded);
    module->stats_.code_bytes = objects->totalBytes();
    if (impl_->cache) {
      (void)impl_->cache->store(key, decoded->info, *objects);  // a failed write only costs time
    }
    module->info_ = std::move(decoded->info);
  }
  module->code_ = std::move(code);
  for (const auto& t : module->info_.types) module->type_ids_.push_back(typeId(t));
  auto image = MemoryImage::create(module->info_);
  if (!image) return fail(image.error());
  module->image_ = std::move(*image);
  const ModuleInfo& info = module->info_;
  module->func_ref_template_.resize(info.func_types.size());
  for (uint32_t f = info.num_imported_funcs; f < info.func_types.size(); ++f) {
    module->func_ref_template_[f] = vm::VMFuncRef{module->code_->function(f),
                                                  module->type_ids_[info.func_types[f]], 0, nullptr};
  }
  bool in_image = module->image_ && info.num_imported_memories == 0;
  module->active_datas_.resize(info.datas.size());
  for (size_t s = 0; s < info.datas.size(); ++s) {
    bool active = info.datas[s].mode == compile::SegmentMode::kActive;
    module->active_datas_[s] = active;
    if (active && info.datas[s].memory != 0) in_image = false;
  }
  module->datas_in_image_ = in_image;
  module->stats_.seconds =
      module->stats_.cache_hit
          ? 0
          : std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::shared_ptr<const Module>(std::move(module));
}

}  // namespace tern::instance
