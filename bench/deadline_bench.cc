// Deadline precision: how long after its deadline a runaway guest (a tight loop, and a loop of
// calls) is stopped. Prints the median and worst overshoot over N runs (target: within 10 ms).
#include <chrono>
#include <cstdio>

#include "bench/bench_util.h"
#include "compile/wat.h"

using namespace tern;

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 30;
  std::string text = R"((module
    (func $f (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
    (func (export "tight") (loop (br 0)))
    (func (export "calls") (local i32) (loop (local.set 0 (call $f (local.get 0))) (br 0)))))";
  auto wasm = compile::watToWasm("deadline.wat", std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())).value();
  auto engine = instance::Engine::create({}).value();
  auto module = engine->compile(wasm).value();
  constexpr auto kDeadline = std::chrono::milliseconds(20);
  for (const char* name : {"tight", "calls"}) {
    std::vector<double> over;
    for (int i = 0; i < runs; ++i) {
      instance::Store store(*engine, instance::StoreLimits{.deadline = kDeadline});
      instance::Linker linker;
      auto inst = linker.instantiate(store, module).value();
      auto t0 = std::chrono::steady_clock::now();
      auto r = store.call(inst->func(name), {});
      auto t1 = std::chrono::steady_clock::now();
      if (r || r.error().detail != static_cast<int32_t>(vm::TrapKind::kDeadline)) {
        std::fprintf(stderr, "%s: expected a deadline trap\n", name);
        return 1;
      }
      over.push_back(std::chrono::duration<double, std::milli>(t1 - t0 - kDeadline).count());
    }
    std::printf("%-6s deadline %lld ms: overshoot median %.2f ms, max %.2f ms (%d runs)\n", name,
                static_cast<long long>(kDeadline.count()), bench::median(over),
                *std::max_element(over.begin(), over.end()), runs);
  }
  return 0;
}
