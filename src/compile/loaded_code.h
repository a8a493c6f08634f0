// LoadedCode: a module's compiled objects linked into executable memory, with symbol lookup.
//
// The objects are relocatable x86-64 ELF files from code generation (or the artifact cache);
// elf_linker.cc lays their sections out in one mapping, applies relocations, and seals the code
// read+execute. No LLVM is involved, so loading a cached module does not load LLVM at all.
#pragma once

#include <memory>
#include <vector>

#include "common/result.h"
#include "compile/codegen.h"
#include "compile/module_info.h"
#include "compile/vm_abi.h"

namespace tern::compile {

class LoadedCode {
 public:
  // Links `code` in-process. A malformed object, an unsupported relocation or an undefined symbol
  // is a kCache error (the caller recompiles). Thread-safe.
  static Result<std::unique_ptr<LoadedCode>> load(const ObjectCode& code, const ModuleInfo& info);
  ~LoadedCode();
  LoadedCode(const LoadedCode&) = delete;
  LoadedCode& operator=(const LoadedCode&) = delete;

  void* function(uint32_t func_index) const { return functions_[func_index]; }  // defined only
  vm::EntryTrampoline entry(uint32_t type_index) const { return entries_[type_index]; }
  void* hostAdapter(uint32_t type_index) const { return host_adapters_[type_index]; }
  size_t mappedBytes() const { return size_; }

 private:
  LoadedCode() = default;
  void* mapping_ = nullptr;
  size_t size_ = 0;
  std::vector<void*> functions_;  // by function index; null for imports
  std::vector<vm::EntryTrampoline> entries_;
  std::vector<void*> host_adapters_;
};

}  // namespace tern::compile
