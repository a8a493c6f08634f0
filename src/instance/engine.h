// The engine's public API: compile modules, then instantiate and call them inside a Store.
//
//   auto engine = Engine::create({}).value();
//   auto module = engine->compile(wasm_bytes).value();
//   Store store(*engine);
//   Linker linker;                         // + host functions, see host_func.h
//   Instance* inst = linker.instantiate(store, module).value();
//   auto results = store.call(inst->func("fib"), {Value::i32(30)});
//
// Thread safety: Engine and Module are thread-safe and shareable. A Store and everything in it
// (instances, memories, tables, globals, funcs) is used by one thread at a time; many stores run
// concurrently on many threads. Guest traps come back as Error{kTrap, message, TrapKind}.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "compile/module_info.h"
#include "compile/vm_abi.h"
#include "instance/value.h"
#include "instance/request_context.h"

namespace tern::compile {
class LoadedCode;
struct CompileOptions;
}

namespace tern::instance {

using compile::ExternKind;
using compile::FuncType;
using compile::GlobalType;
using compile::ModuleInfo;
using compile::TableType;

class Engine;
class Store;
class Instance;
class MemoryImage;
class MemorySlotPool;

enum class OptLevel : uint8_t { kFast, kOptimized };

struct EngineOptions {
  // Artifact cache folder; empty disables the cache.
  std::string cache_dir;
  // Compile threads; 0 = all cores.
  unsigned compile_threads = 0;
};

struct CompileStats {
  double seconds = 0;         // wall time spent compiling (0 when loaded from the cache)
  size_t code_bytes = 0;      // size of the machine code objects
  bool cache_hit = false;
  std::string cache_path;     // artifact file, when a cache is configured
};

// A compiled module: immutable, shareable across threads and stores.
class Module {
 public:
  ~Module();
  const ModuleInfo& info() const { return info_; }
  const CompileStats& stats() const { return stats_; }
  Engine& engine() const { return *engine_; }

 private:
  friend class Engine;
  friend class Linker;
  friend class Instance;
  friend class Store;
  Module() = default;
  Engine* engine_ = nullptr;
  ModuleInfo info_;
  CompileStats stats_;
  std::unique_ptr<compile::LoadedCode> code_;
  std::vector<uint32_t> type_ids_;       // canonical id per module type
  std::shared_ptr<MemoryImage> image_;   // initial memory 0 contents, or null
  // Per-instance state precomputed at compile time, copied by instantiation (large modules:
  // no per-function or per-segment work per instance).
  std::vector<vm::VMFuncRef> func_ref_template_;  // defined functions: code + type id
  std::vector<bool> active_datas_;                // active data segments (dropped once applied)
  bool datas_in_image_ = false;                   // every active data segment is in image_
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> create(const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Decode, validate and compile (or load from the artifact cache). Malformed or invalid bytes
  // give kMalformed/kInvalid with the byte offset in the message.
  Result<std::shared_ptr<const Module>> compile(std::span<const uint8_t> wasm,
                                                OptLevel level = OptLevel::kFast);

  // Canonical signature id shared by every module of this engine (used by call_indirect).
  uint32_t typeId(const FuncType& type);

  const EngineOptions& options() const { return options_; }
  const uint64_t* epochCounter() const;
  uint64_t currentEpoch() const;
  MemorySlotPool& memoryPool();

 private:
  struct Impl;
  explicit Engine(EngineOptions options);
  EngineOptions options_;
  std::unique_ptr<Impl> impl_;
};

// ---- Store-owned objects. Pointers stay valid for the Store's lifetime. ----

class Memory {
 public:
  ~Memory();
  uint32_t pages() const;
  uint64_t sizeBytes() const { return vm_.size_bytes; }
  uint8_t* data() const { return vm_.base; }
  const compile::Limits& limits() const { return limits_; }
  // Returns the old size in pages, or nullopt when the limit or the store's cap refuses.
  std::optional<uint32_t> grow(uint32_t delta_pages);
  // Bounds-checked view of guest memory [offset, offset+len); nullopt when out of bounds.
  std::optional<std::span<uint8_t>> span(uint64_t offset, uint64_t len) const;
  vm::VMMemory* vm() { return &vm_; }

 private:
  friend class Store;
  friend class Instance;
  Memory() = default;
  vm::VMMemory vm_{};
  compile::Limits limits_;
  Store* store_ = nullptr;
  struct Slot;
  std::unique_ptr<Slot> slot_;
};

class Table {
 public:
  uint32_t size() const { return vm_.size; }
  const TableType& type() const { return type_; }
  std::optional<uint32_t> grow(uint32_t delta, void* init);
  void* get(uint32_t i) const { return vm_.elements[i]; }
  void set(uint32_t i, void* ref) { vm_.elements[i] = ref; }
  vm::VMTable* vm() { return &vm_; }

 private:
  friend class Store;
  Table() = default;
  TableType type_;
  std::vector<void*> storage_;
  vm::VMTable vm_{};
};

class Global {
 public:
  const GlobalType& type() const { return type_; }
  Value get() const;
  void set(const Value& v);
  vm::VMGlobal* vm() { return &vm_; }

 private:
  friend class Store;
  Global() = default;
  GlobalType type_;
  vm::VMGlobal vm_{};
};

// What a host function sees of its caller.
class Caller {
 public:
  Caller(Store& store, Instance* instance) : store_(store), instance_(instance) {}
  Store& store() { return store_; }
  Instance* instance() { return instance_; }  // null when called directly from the host
  Memory* memory();                           // the caller's exported "memory", or null (O(1))

 private:
  Store& store_;
  Instance* instance_;
};

// A host callback: reads args, writes results. Returning an error traps the guest (kHost),
// or ends it with kExit (Error::detail = status) when the error code is kExit.
using HostCallback =
    std::function<Result<void>(Caller& caller, std::span<const Value> args, std::span<Value> results)>;

class Func {
 public:
  const FuncType& type() const { return *type_; }
  vm::VMFuncRef* ref() { return &ref_; }
  // The Func a funcref points at (every VMFuncRef the engine hands out is the first member).
  static Func* fromRef(vm::VMFuncRef* ref) { return reinterpret_cast<Func*>(ref); }
  bool isHost() const { return host_ != nullptr; }
  vm::EntryTrampoline entry() const { return entry_; }
  struct HostData;

 private:
  friend class Store;
  friend class Instance;
  friend class Linker;
  Func() = default;
  vm::VMFuncRef ref_{};  // must stay first
  // Wasm functions point at their module's type (no copy per instance); host functions own it.
  const FuncType* type_ = &own_type_;
  FuncType own_type_;
  std::unique_ptr<HostData> host_;  // host functions only
  // Wasm functions: the entry trampoline for its type.
  vm::EntryTrampoline entry_ = nullptr;
};

struct Extern {
  ExternKind kind = ExternKind::kFunc;
  void* object = nullptr;  // Func*, Table*, Memory* or Global*
  Func* func() const { return kind == ExternKind::kFunc ? static_cast<Func*>(object) : nullptr; }
  Table* table() const { return kind == ExternKind::kTable ? static_cast<Table*>(object) : nullptr; }
  Memory* memory() const {
    return kind == ExternKind::kMemory ? static_cast<Memory*>(object) : nullptr;
  }
  Global* global() const {
    return kind == ExternKind::kGlobal ? static_cast<Global*>(object) : nullptr;
  }
};

class Instance {
 public:
  ~Instance();
  const Module& module() const { return *module_; }
  std::optional<Extern> getExport(std::string_view name) const;
  Func* func(std::string_view name) const;      // null if absent or not a function
  Memory* memory(std::string_view name) const;  // null if absent or not a memory
  // The export at `index` in module().info().exports (no name lookup).
  Extern exportAt(uint32_t index) const;
  Store& store() const { return *store_; }
  vm::VMContext* vmContext() { return &ctx_; }

 private:
  friend class Linker;
  friend class Store;
  friend class Caller;
  Instance() = default;
  Store* store_ = nullptr;
  Memory* memory_export_ = nullptr;  // the export named "memory", resolved once (Caller::memory)
  std::shared_ptr<const Module> module_;
  vm::VMContext ctx_{};
  std::vector<vm::VMMemory*> memories_;
  std::vector<vm::VMTable*> tables_;
  std::vector<vm::VMGlobal*> globals_;
  std::vector<vm::VMFuncRef> func_refs_;     // indexed by function index (ctx_.funcs)
  std::vector<Func*> funcs_;                  // Func objects, indexed by function index
  std::vector<Memory*> memory_objs_;
  std::vector<Table*> table_objs_;
  std::vector<Global*> global_objs_;
  std::vector<bool> dropped_datas_;
  std::vector<std::vector<void*>> elem_values_;  // evaluated element segments; empty once dropped
  friend struct RuntimeHelpers;
};

struct StoreLimits {
  // Bytes of linear memory one memory may grow to (memory.grow returns -1 beyond).
  uint64_t max_memory_bytes = uint64_t{1} << 32;
  // A time limit per outermost call, from its entry: for embedders that call exports directly
  // (tests, the spec runner). A request's deadline is RequestContext::deadline instead.
  std::optional<std::chrono::nanoseconds> deadline;
};

class Store {
 public:
  explicit Store(Engine& engine, StoreLimits limits = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Engine& engine() { return engine_; }
  const StoreLimits& limits() const { return limits_; }
  // The request this store serves (instance/request_context.h), not owned; null outside a
  // request. Host functions read their state from it; Store::call stops guest code at its
  // deadline.
  void setContext(RequestContext* context) { context_ = context; }
  RequestContext* context() const { return context_; }
  void setLimits(const StoreLimits& limits) { limits_ = limits; }

  // Call a function (Wasm or host). Argument types must match; traps, deadlines and exits come
  // back as errors and leave the store usable.
  Result<std::vector<Value>> call(Func* func, std::span<const Value> args);

  // Bytes of linear memory in use now, summed over every memory of the store.
  uint64_t memoryBytes() const;

  Result<Memory*> createMemory(const compile::Limits& limits);
  Result<Table*> createTable(const TableType& type, void* init);
  Result<Global*> createGlobal(const GlobalType& type, const Value& init);
  Func* createHostFunc(FuncType type, HostCallback callback);
  // The same, with the engine's canonical id for `type` already known (skips a locked lookup).
  Func* createHostFunc(FuncType type, HostCallback callback, uint32_t type_id);
  // The same with a type the caller keeps alive for the Store's lifetime (no copy: embedders
  // that create many host functions per instance, e.g. components).
  Func* createHostFunc(const FuncType* type, HostCallback callback, uint32_t type_id);

 private:
  friend class Linker;
  friend class Instance;
  friend class Memory;
  friend struct RuntimeHelpers;
  Result<Memory*> newMemory(const compile::Limits& limits, std::shared_ptr<const MemoryImage> image);
  Func* newWasmFunc(Instance& instance, uint32_t func_index);
  uint64_t deadlineEpoch() const;
  Engine& engine_;
  uint32_t call_depth_ = 0;
  RequestContext* context_ = nullptr;
  StoreLimits limits_;
  vm::VMLimits vm_limits_{};
  std::vector<std::unique_ptr<Memory>> memories_;
  std::vector<std::unique_ptr<Table>> tables_;
  std::vector<std::unique_ptr<Global>> globals_;
  std::vector<std::unique_ptr<Func>> funcs_;
  std::vector<std::unique_ptr<Instance>> instances_;
};

// Resolves imports by (module, name) and instantiates modules.
class Linker {
 public:
  void define(std::string module, std::string name, Extern value);
  // Every export of `instance` under `module` (spec-test `register`).
  void defineInstance(std::string module, const Instance& instance);
  // A host function, materialised in each store that instantiates a module importing it.
  void defineHostFunc(std::string module, std::string name, FuncType type, HostCallback callback);

  // Link, allocate, initialise segments, run the start function. Const and safe to call from
  // many threads at once (for different stores) while nothing defines into this linker. Errors: kUnlinkable (import
  // missing or mismatched, message names it), kUninstantiable/kTrap (segment or start trapped).
  Result<Instance*> instantiate(Store& store, std::shared_ptr<const Module> module) const;
  // The same with the imports given positionally (one per `module->info().imports`, same
  // order): no name lookups, for embedders that resolved imports ahead of time (components).
  static Result<Instance*> instantiateWith(Store& store, std::shared_ptr<const Module> module,
                                           std::span<const Extern> imports);

 private:
  struct HostDef {
    FuncType type;
    HostCallback callback;
  };
  std::map<std::pair<std::string, std::string>, Extern> externs_;
  std::map<std::pair<std::string, std::string>, HostDef> host_funcs_;
};

}  // namespace tern::instance
