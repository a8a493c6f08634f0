// Small helpers shared by the benchmark programs: reading modules and medians.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "instance/engine.h"

namespace tern::bench {

inline std::vector<uint8_t> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(2);
  }
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Defines every import of `module` as a host function that traps, so a module with WASI
// imports can be instantiated without a WASI context (it must not call them).
inline void stubImports(instance::Linker& linker, const instance::Module& module) {
  const auto& info = module.info();
  for (const auto& imp : info.imports) {
    if (imp.kind != compile::ExternKind::kFunc) continue;
    linker.defineHostFunc(imp.module, imp.name, info.funcType(imp.index),
                          [](instance::Caller&, auto, auto) -> Result<void> {
                            return fail(ErrorCode::kInvalidArgument, "stub import called");
                          });
  }
}

}  // namespace tern::bench
