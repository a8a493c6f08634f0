// LoadedCode: a module's compiled objects linked into executable memory, with symbol lookup.
//
// The objects are relocatable x86-64 ELF files from code generation (or the artifact cache);
// elf_linker.cc lays their sections out in one mapping, applies relocations, and seals the code
// read+execute. No LLVM is involved, so loading a cached module does not load LLVM at all.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "common/result.h"
#include "compile/code_map.h"
#include "compile/codegen.h"
#include "compile/module_info.h"
#include "compile/vm_abi.h"

namespace tern::compile {

// Where a native code address lies in a module (for trap backtraces).
struct CodeLocation {
  uint32_t func_index = 0;
  std::optional<uint32_t> wasm_offset;    // module-relative, when the code map knows it
  std::optional<SourceLocation> source;   // from the module's DWARF, when it has any
};

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

  // The loaded code whose machine code contains `pc`, or null. Lock-free and async-signal-safe
  // (the fault handler walks guest frames with it), safe while other threads load and unload
  // modules. The pointer may be used only while the module is known to be alive, e.g. because
  // `pc` is a frame on this thread's stack.
  static const LoadedCode* containing(uintptr_t pc);
  // Function, Wasm offset and source line of `pc`: a faulting instruction's address, or with
  // `return_address` a frame's return address (the call before it is looked up). nullopt for
  // trampolines and host adapters. Not signal-safe (decodes the code map on first use).
  std::optional<CodeLocation> locate(uintptr_t pc, bool return_address) const;
  // How many loaded objects the registry holds (for tests: unloading must remove each).
  static size_t registeredCount();
  // The module metadata (function names) for backtraces; must outlive this object.
  void setModuleInfo(const ModuleInfo* info) { info_ = info; }
  const ModuleInfo* moduleInfo() const { return info_; }

 private:
  LoadedCode() = default;
  void buildIndex() const;
  void* mapping_ = nullptr;
  size_t size_ = 0;
  bool registered_ = false;  // in the registry LoadedCode::containing reads
  const ModuleInfo* info_ = nullptr;
  std::vector<uint8_t> code_map_bytes_;
  std::vector<uint32_t> function_sizes_;  // by function index
  mutable std::once_flag index_once_;
  mutable std::vector<std::pair<uintptr_t, uint32_t>> by_address_;  // (start, function), sorted
  mutable std::optional<CodeMap> code_map_;
  std::vector<void*> functions_;  // by function index; null for imports
  std::vector<vm::EntryTrampoline> entries_;
  std::vector<void*> host_adapters_;
};

}  // namespace tern::compile
