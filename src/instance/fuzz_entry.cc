// Fuzz target body shared by the libFuzzer harness and tests/fuzz's replayer.
#include "instance/fuzz_entry.h"

#include <span>

#include "instance/engine.h"

namespace tern::instance {

int fuzzCompileAndRun(const uint8_t* data, size_t size) {
  static auto engine = Engine::create({.compile_threads = 1}).value();
  auto module = engine->compile(std::span(data, size));
  if (!module || !(*module)->info().imports.empty()) return 0;
  Store store(*engine, StoreLimits{.max_memory_bytes = 64u << 20,
                                   .deadline = std::chrono::milliseconds(50)});
  Linker linker;
  auto inst = linker.instantiate(store, *module);
  if (!inst) return 0;
  for (const auto& e : (*module)->info().exports) {
    if (e.kind != ExternKind::kFunc) continue;
    Func* f = (*inst)->func(e.name);
    std::vector<Value> args;
    for (ValType t : f->type().params) {
      Value v;
      v.type = t;
      args.push_back(v);  // zeros (null refs)
    }
    (void)store.call(f, args);
  }
  return 0;
}

}  // namespace tern::instance
