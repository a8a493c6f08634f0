// LoadedCode: a module's compiled objects linked into executable memory, with symbol lookup.
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
  // Links `code` (from generateCode or the artifact cache) in-process. Unresolvable symbols or
  // corrupt objects give kCache/kCodegen errors. Thread-safe.
  static Result<std::unique_ptr<LoadedCode>> load(const ObjectCode& code, const ModuleInfo& info);
  ~LoadedCode();
  LoadedCode(const LoadedCode&) = delete;
  LoadedCode& operator=(const LoadedCode&) = delete;

  void* function(uint32_t func_index) const { return functions_[func_index]; }  // defined only
  vm::EntryTrampoline entry(uint32_t type_index) const { return entries_[type_index]; }
  void* hostAdapter(uint32_t type_index) const { return host_adapters_[type_index]; }

 private:
  LoadedCode() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<void*> functions_;  // by function index; null for imports
  std::vector<vm::EntryTrampoline> entries_;
  std::vector<void*> host_adapters_;
};

}  // namespace tern::compile
