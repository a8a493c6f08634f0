// Code speed: the same C kernels built natively (gcc -O2) and as wasm (clang-14 -O2, then Tern's
// optimising level), run alternately in one process; prints medians and the wasm/native ratio.
#include <chrono>
#include <cstdio>
#include <functional>

#include "bench/bench_util.h"

extern "C" {
#include "bench/kernels/kernels.h"
}

using namespace tern;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  std::string wasm_path = argc > 1 ? argv[1] : "bench/kernels.wasm";
  int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  auto engine = instance::Engine::create({}).value();
  auto module = engine->compile(bench::readFile(wasm_path), instance::OptLevel::kOptimized);
  if (!module) {
    std::fprintf(stderr, "%s\n", module.error().toString().c_str());
    return 1;
  }
  instance::Store store(*engine);
  instance::Linker linker;
  bench::stubImports(linker, **module);
  auto inst = linker.instantiate(store, *module).value();

  struct Kernel {
    const char* name;
    const char* export_name;
    uint32_t arg;
    std::function<double()> native;
  };
  std::vector<Kernel> kernels = {
      {"sha256 64 MiB", "kernel_sha256", 64, [] { return double(kernel_sha256(64)); }},
      {"matmul 512x512", "kernel_matmul", 512, [] { return kernel_matmul(512); }},
      {"nbody 5M steps", "kernel_nbody", 5'000'000, [] { return kernel_nbody(5'000'000); }},
  };
  std::printf("%-16s %12s %12s %8s\n", "kernel", "native ms", "wasm ms", "ratio");
  double worst = 0;
  for (auto& k : kernels) {
    instance::Func* f = inst->func(k.export_name);
    std::vector<double> native_ms, wasm_ms;
    double native_result = 0, wasm_result = 0;
    for (int r = 0; r < runs; ++r) {
      auto t0 = Clock::now();
      native_result = k.native();
      auto t1 = Clock::now();
      auto res = store.call(f, std::vector{instance::Value::i32(static_cast<int32_t>(k.arg))});
      auto t2 = Clock::now();
      if (!res) {
        std::fprintf(stderr, "%s: %s\n", k.name, res.error().toString().c_str());
        return 1;
      }
      const auto& v = (*res)[0];
      wasm_result = v.type == compile::ValType::kF64 ? v.asF64() : double(uint32_t(v.asI32()));
      native_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      wasm_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    }
    if (native_result != wasm_result) {
      std::fprintf(stderr, "%s: results differ (native %.17g, wasm %.17g)\n", k.name,
                   native_result, wasm_result);
      return 1;
    }
    double n = bench::median(native_ms), w = bench::median(wasm_ms);
    worst = std::max(worst, w / n);
    std::printf("%-16s %12.1f %12.1f %7.2fx\n", k.name, n, w, w / n);
  }
  std::printf("worst wasm/native ratio: %.2fx (target <= 1.25x), medians of %d runs\n", worst, runs);
  return 0;
}
