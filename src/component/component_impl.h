// The resolved form of a component: its instantiation plan (a flat list of steps over numbered
// slots, computed once at compile time) and the descriptors the steps and exports refer to.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "component/canon.h"
#include "component/component.h"
#include "component/linker.h"
#include "component/val.h"
#include "instance/engine.h"

namespace tern::component {

// A resource type as the component sees it. Imported resources are placeholders for the
// linker's host types (resolved per linker, `import_index`); resources the component defines
// itself carry their destructor's core-func slot.
struct CompResource : ResourceType {
  uint32_t id = 0;             // index in ComponentData::resources
  int32_t import_index = -1;   // into Plan::resource_imports, or -1 for a guest resource
  int32_t dtor_slot = -1;      // extern slot of the destructor, or -1
  std::string interface;       // imported: the interface that exported it
  std::string local_name;      // imported: the resource's name in that interface
  bool imported() const { return import_index >= 0; }
};

// Where canon options point, as extern slots (-1 = absent).
struct OptSlots {
  StringEncoding encoding = StringEncoding::kUtf8;
  int32_t memory = -1;
  int32_t realloc = -1;
  int32_t post_return = -1;
};

// A function the host must provide: `interface` empty for a bare imported function.
struct HostImportFunc {
  std::string interface;
  std::string name;
  const FuncSig* sig = nullptr;
  uint32_t interface_id = 0;  // obs::interfaceId of the interface (interned once, at plan time)
};

// A component function defined by `canon lift`.
struct LiftedFunc {
  uint32_t core_func_slot = 0;
  OptSlots opts;
  const FuncSig* sig = nullptr;
  std::vector<const ValType*> params, results;  // sig's types, as spans for canon
};

// A `canon lower` of a host import, or of a lifted function (an adapter inside this component).
struct LoweredFunc {
  bool host = true;
  uint32_t target = 0;  // host: index into Plan::host_funcs; else into Plan::lifted
  OptSlots opts;
  const FuncSig* sig = nullptr;
  std::vector<const ValType*> params, results;
  bool params_in_memory = false;
  bool results_in_memory = false;
};

// One step of instantiation. Slots: `externs` (core funcs/tables/memories/globals) and
// `core_instances` of InstanceState.
struct Step {
  enum Kind : uint8_t {
    kInstantiate,  // a = module, b = first index in Plan::import_slots, c = count, out = instance
    kExport,       // a = core instance slot, b = export index in its module, out = extern slot
    kLower,        // a = index into Plan::lowered, out = extern slot
    kResourceNew,  // a = index into ComponentData::resources, out = extern slot
    kResourceDrop,
    kResourceRep,
  };
  Kind kind;
  uint32_t a = 0, b = 0, c = 0;
  uint32_t out = 0;
};

// An exported function of the component.
struct ExportFunc {
  std::string interface;  // empty for a bare function export
  std::string name;
  uint32_t lifted = 0;    // index into Plan::lifted
};

struct Plan {
  std::vector<Step> steps;
  std::vector<uint32_t> import_slots;  // extern slots, positional per kInstantiate
  uint32_t num_externs = 0;
  uint32_t num_core_instances = 0;
  std::vector<compile::FuncType> extern_func_types;  // per extern slot (funcs only)
  std::vector<uint32_t> extern_type_ids;             // the engine's canonical ids of those
  std::vector<instance::ExternKind> extern_kinds;
  std::vector<HostImportFunc> host_funcs;
  std::vector<CompResource*> resource_imports;
  std::vector<LiftedFunc> lifted;
  std::vector<LoweredFunc> lowered;
  std::vector<ExportFunc> exports;
  std::vector<ExternDesc> import_descs, export_descs;
};

// What one linker provides for a component's imports (cached per linker identity).
struct LinkedImports {
  uint64_t linker_id = 0;
  std::vector<const HostFunc*> funcs;             // per Plan::host_funcs
  std::vector<const ResourceType*> resources;     // per Plan::resource_imports (null: undefined)
};

struct ComponentData {
  std::vector<std::shared_ptr<const instance::Module>> modules;
  Plan plan;
  // Arenas: every type the plan points at.
  std::vector<std::unique_ptr<ValType>> val_types;
  std::vector<std::unique_ptr<FuncSig>> func_sigs;
  std::vector<std::unique_ptr<CompResource>> resources;
  double compile_seconds = 0;
  bool all_cached = true;

  // Resolves the imports against `linker` (once per linker; later calls hit the cache).
  Result<std::shared_ptr<const LinkedImports>> link(const ComponentLinker& linker) const;

 private:
  mutable std::mutex link_mu_;
  mutable std::vector<std::shared_ptr<const LinkedImports>> link_cache_;
};

// Parses, validates and resolves `bytes` into `data` (compiling core modules with `engine`).
Result<void> buildComponent(instance::Engine& engine, std::span<const uint8_t> bytes,
                            instance::OptLevel level, ComponentData& data);

}  // namespace tern::component
