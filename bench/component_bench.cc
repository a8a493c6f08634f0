// Component benchmarks on the JS (componentize-js) component: compile time cold and from the
// artifact cache, and instantiate + drop latency (a fresh Session per iteration, imports stubbed).
// The component path comes from TERN_JS_COMPONENT (default build/tests/fixtures/js/hello.wasm).
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>

#include "component/component.h"
#include "component/component_test_util.h"

using namespace tern;
using component::Component;

namespace {

std::string componentPath() {
  const char* env = std::getenv("TERN_JS_COMPONENT");
  return env ? env : "build/tests/fixtures/js/hello.wasm";
}

const std::vector<uint8_t>& bytes() {
  static std::vector<uint8_t> b = [] {
    auto v = component::testing::readFile(componentPath());
    if (v.empty()) {
      std::fprintf(stderr, "cannot read %s (set TERN_JS_COMPONENT)\n", componentPath().c_str());
      std::exit(1);
    }
    return v;
  }();
  return b;
}

std::string cacheDir() {
  return (std::filesystem::temp_directory_path() / "tern-component-bench-cache").string();
}

std::shared_ptr<const Component> compileOrDie(instance::Engine& engine) {
  auto c = Component::compile(engine, bytes());
  if (!c) {
    std::fprintf(stderr, "%s\n", c.error().toString().c_str());
    std::exit(1);
  }
  return *c;
}

// Cold: an engine without a cache compiles every core module.
void BM_ComponentCompileCold(benchmark::State& state) {
  auto engine = instance::Engine::create({}).value();
  for (auto _ : state) {
    auto c = compileOrDie(*engine);
    state.counters["core_compile_s"] = c->compileSeconds();
  }
}

// Cached: the second start loads every core module from the artifact cache.
void BM_ComponentCompileCached(benchmark::State& state) {
  auto engine = instance::Engine::create({.cache_dir = cacheDir()}).value();
  compileOrDie(*engine);  // fills the cache
  for (auto _ : state) {
    auto fresh = instance::Engine::create({.cache_dir = cacheDir()}).value();
    auto c = compileOrDie(*fresh);
    if (!c->allCached()) state.SkipWithError("cache miss on the second compile");
  }
}

void BM_ComponentInstantiate(benchmark::State& state) {
  static auto engine = instance::Engine::create({.cache_dir = cacheDir()}).value();
  static auto comp = compileOrDie(*engine);
  static component::ComponentLinker linker = [] {
    component::ComponentLinker l;
    component::testing::defineStubs(l, *comp);
    return l;
  }();
  for (auto _ : state) {
    component::Session session(*engine, {}, nullptr);
    auto inst = session.instantiate(linker, comp);
    if (!inst) state.SkipWithError(inst.error().toString().c_str());
    benchmark::DoNotOptimize(inst);
  }
}

}  // namespace

BENCHMARK(BM_ComponentCompileCold)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK(BM_ComponentCompileCached)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ComponentInstantiate)->Repetitions(5)->ReportAggregatesOnly(true)
    ->Unit(benchmark::kMicrosecond)->UseRealTime();

BENCHMARK_MAIN();
