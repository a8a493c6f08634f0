// Code generation: a decoded module becomes relocatable x86-64 ELF objects, compiled in parallel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "compile/frontend.h"

namespace tern::compile {

struct CodegenOptions {
  bool optimize = false;  // false: fast default (mem2reg + light codegen); true: LLVM -O2
  unsigned threads = 0;   // 0 = all cores
};

// Each object defines, with external linkage:
//   tern_f<i>     for every defined function i (index in the function space, imports first)
//   tern_entry<t> and tern_host<t> for every type t (see vm_abi.h), in object 0.
// Objects reference each other's tern_f<i> symbols and nothing else.
struct ObjectCode {
  std::vector<std::vector<uint8_t>> objects;
  // encodeCodeMap() of the module's CodeMap (compile/code_map.h), for trap backtraces.
  std::vector<uint8_t> code_map;
  size_t totalBytes() const {
    size_t n = 0;
    for (const auto& o : objects) n += o.size();
    return n;
  }
};

// Runs in libtern_codegen.so, which is loaded (with LLVM) on the first call only: a process that
// only loads cached artifacts never maps LLVM. kCodegen if the library cannot be loaded.
Result<ObjectCode> generateCode(const DecodedModule& module, const CodegenOptions& options);

// The host CPU model and feature flags the generated code may use (from /proc/cpuinfo); part of
// every artifact's cache key.
const std::string& targetDescription();

inline std::string entrySymbol(uint32_t t) { return "tern_entry" + std::to_string(t); }
inline std::string hostAdapterSymbol(uint32_t t) { return "tern_host" + std::to_string(t); }

// The C entry point libtern_codegen.so exports (resolved with dlsym).
using GenerateFn = bool (*)(const DecodedModule* module, const CodegenOptions* options,
                            ObjectCode* out, Error* error);
inline constexpr const char* kGenerateSymbol = "ternCodegenGenerate";

}  // namespace tern::compile
