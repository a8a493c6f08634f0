// Instantiate + drop latency of a WASI hello module (and one with a 4 MiB data segment), on one
// and two threads at once: a fresh Store, Linker resolution and Instance per iteration.
#include <benchmark/benchmark.h>

#include <map>
#include <mutex>

#include "bench/bench_util.h"

using namespace tern;

namespace {

instance::Engine& engine() {
  static auto e = instance::Engine::create({}).value();
  return *e;
}

std::shared_ptr<const instance::Module> load(const char* path) {
  auto m = engine().compile(bench::readFile(path));
  if (!m) {
    std::fprintf(stderr, "%s: %s\n", path, m.error().toString().c_str());
    std::exit(1);
  }
  return *m;
}

std::string g_dir = "bench";

void instantiateLoop(benchmark::State& state, const char* file) {
  static std::map<std::string, std::shared_ptr<const instance::Module>> modules;
  static std::mutex mu;
  std::shared_ptr<const instance::Module> module;
  {
    std::lock_guard lock(mu);
    auto& m = modules[file];
    if (!m) m = load((g_dir + "/" + file).c_str());
    module = m;
  }
  instance::Linker linker;
  bench::stubImports(linker, *module);
  for (auto _ : state) {
    instance::Store store(engine());
    auto inst = linker.instantiate(store, module);
    if (!inst) state.SkipWithError(inst.error().toString().c_str());
    benchmark::DoNotOptimize(inst);
  }
}

void BM_InstantiateHello(benchmark::State& s) { instantiateLoop(s, "hello.wasm"); }
void BM_InstantiateHello4MiB(benchmark::State& s) { instantiateLoop(s, "hello_4mb.wasm"); }

}  // namespace

BENCHMARK(BM_InstantiateHello)->Threads(1)->Threads(2)->UseRealTime()->Repetitions(5)
    ->ReportAggregatesOnly(true)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InstantiateHello4MiB)->Threads(1)->Threads(2)->UseRealTime()->Repetitions(5)
    ->ReportAggregatesOnly(true)->Unit(benchmark::kMicrosecond);

int main(int argc, char** argv) {
  if (const char* d = std::getenv("TERN_BENCH_DIR")) g_dir = d;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
