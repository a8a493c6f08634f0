// Helpers shared by the component tests and benchmarks: fixture loading and stub imports.
#pragma once

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "component/component.h"

namespace tern::component::testing {

inline std::vector<uint8_t> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

#ifdef TERN_COMPONENT_TESTDATA
inline std::string testdata(const std::string& name) {
  return std::string(TERN_COMPONENT_TESTDATA) + "/" + name;
}
#endif

// Defines every function `component` imports as a host function that fails (trapping the guest)
// when called: enough to instantiate a component whose imports a test does not exercise.
inline void defineStubs(ComponentLinker& linker, const Component& component) {
  for (const ExternDesc& imp : component.imports()) {
    for (const std::string& fn : imp.funcs) {
      std::string iface = imp.is_instance ? imp.name : "";
      std::string what = iface + "#" + fn;
      if (linker.findFunc(iface, fn)) continue;
      linker.defineFunc(iface, fn, [what](HostCall&, std::span<Val>, std::span<Val>) -> Result<void> {
        return fail(ErrorCode::kTrap, "stub import ", what, " called");
      });
    }
  }
}

}  // namespace tern::component::testing
