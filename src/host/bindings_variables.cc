// Variables bindings: fermyon:spin/variables@2.0.0 and wasi:config/store@0.2.0-draft-2024-09-27,
// both reading the calling component's resolved `variables`.
#include "host/bindings.h"

namespace tern::host {
namespace {

using component::ComponentLinker;
using component::HostCall;
using component::Val;

constexpr const char* kSpinVariables = "fermyon:spin/variables@2.0.0";
constexpr const char* kWasiConfig = "wasi:config/store@0.2.0-draft-2024-09-27";

// spin `error` cases.
enum : uint32_t { kInvalidName, kUndefined, kProvider, kOther };

const std::map<std::string, std::string, std::less<>>* variablesOf(HostCall& call) {
  const ComponentServices* s = servicesOf(call);
  return s ? &s->variables : nullptr;
}

}  // namespace

void defineVariables(ComponentLinker& linker) {
  linker.defineFunc(
      kSpinVariables, "get",
      [](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
        const std::string& name = a[0].bytes;
        if (auto why = invalidVariableName(name)) {
          r[0] = Val::err(Val::variant(
              kInvalidName, Val::string("invalid variable name '" + name + "': " + *why)));
          return {};
        }
        const auto* vars = variablesOf(call);
        auto it = vars ? vars->find(name) : decltype(vars->end())();
        if (!vars || it == vars->end()) {
          r[0] = Val::err(Val::variant(kUndefined, Val::string("no variable for '" + name + "'")));
          return {};
        }
        r[0] = Val::ok(Val::string(it->second));
        return {};
      });
  linker.defineFunc(kWasiConfig, "get",
                    [](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                      const auto* vars = variablesOf(call);
                      auto it = vars ? vars->find(a[0].bytes) : decltype(vars->end())();
                      r[0] = vars && it != vars->end() ? Val::ok(Val::some(Val::string(it->second)))
                                                       : Val::ok(Val::none());
                      return {};
                    });
  linker.defineFunc(kWasiConfig, "get-all",
                    [](HostCall& call, std::span<Val>, std::span<Val> r) -> Result<void> {
                      std::vector<Val> items;
                      if (const auto* vars = variablesOf(call)) {
                        for (const auto& [k, v] : *vars)
                          items.push_back(Val::tuple({Val::string(k), Val::string(v)}));
                      }
                      r[0] = Val::ok(Val::list(std::move(items)));
                      return {};
                    });
}

}  // namespace tern::host
