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
  size_t totalBytes() const;
};

Result<ObjectCode> generateCode(const DecodedModule& module, const CodegenOptions& options);

// "x86_64 <cpu> +feature,..." — part of every artifact's cache key.
std::string targetDescription();

std::string entrySymbol(uint32_t type_index);
std::string hostAdapterSymbol(uint32_t type_index);

}  // namespace tern::compile
