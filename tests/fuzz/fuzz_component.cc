// Fuzz target for the component parser: decode, validate and resolve a component binary,
// compile its core modules, instantiate it against stub imports, and call every export with
// default-valued arguments under a deadline.
#include <span>

#include "component/component.h"
#include "targets.h"

namespace tern::fuzz {
namespace {

using component::TypeKind;
using component::Val;
using component::ValType;

Val defaultVal(const ValType& t, int depth) {
  Val v;
  v.kind = t.kind;
  if (depth > 8) return v;
  switch (t.kind) {
    case TypeKind::kRecord:
    case TypeKind::kTuple:
      for (const ValType* e : t.elems) v.items.push_back(defaultVal(*e, depth + 1));
      break;
    case TypeKind::kVariant:
      if (!t.elems.empty() && t.elems[0]) v.items.push_back(defaultVal(*t.elems[0], depth + 1));
      break;
    case TypeKind::kResult:
      if (!t.elems.empty() && t.elems[0]) v.items.push_back(defaultVal(*t.elems[0], depth + 1));
      break;
    case TypeKind::kChar: v.ch = U'a'; break;
    default: break;
  }
  return v;
}

void stubImports(component::ComponentLinker& linker, const component::Component& c) {
  for (const auto& imp : c.imports()) {
    for (const auto& fn : imp.funcs) {
      linker.defineFunc(imp.is_instance ? imp.name : "", fn,
                        [](component::HostCall&, std::span<Val>, std::span<Val>) -> Result<void> {
                          return fail(ErrorCode::kTrap, "stub");
                        });
    }
  }
}

}  // namespace

int componentTarget(const uint8_t* data, size_t size) {
  static auto engine = instance::Engine::create({.compile_threads = 1}).value();
  auto comp = component::Component::compile(*engine, std::span(data, size));
  if (!comp) return 0;
  component::ComponentLinker linker;
  stubImports(linker, **comp);
  component::Session session(*engine,
                             instance::StoreLimits{.max_memory_bytes = 64u << 20,
                                                   .deadline = std::chrono::milliseconds(50)},
                             nullptr);
  auto inst = session.instantiate(linker, *comp);
  if (!inst) return 0;
  for (const auto& e : (*comp)->exports()) {
    for (const auto& fn : e.funcs) {
      const auto* f = (*inst)->exportFunc(e.is_instance ? e.name : "", fn);
      if (!f) continue;
      std::vector<Val> args;
      for (const auto& p : (*inst)->signature(f).params) args.push_back(defaultVal(*p.second, 0));
      (void)(*inst)->call(f, args);
    }
  }
  return 0;
}

}  // namespace tern::fuzz
