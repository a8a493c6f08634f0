// Compile-time resolution state: the index spaces of one (possibly nested) component scope, with
// every entry resolved to a plan slot, a type, or a descriptor (no runtime lookups remain).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "component/binary.h"
#include "component/component_impl.h"

namespace tern::component::build {

struct Scope;

struct TypeDef {
  enum Kind : uint8_t { kVal, kFunc, kResource, kInstance, kComponent } kind = kVal;
  const ValType* val = nullptr;
  const FuncSig* func = nullptr;
  CompResource* resource = nullptr;
  // kInstance/kComponent: the declarations at [begin, end), read inside `scope`.
  size_t begin = 0, end = 0;
  Scope* scope = nullptr;
};

// A component function: a host import (Plan::host_funcs) or a lifted core function (Plan::lifted).
struct FuncDef {
  bool host = true;
  uint32_t index = 0;
  const FuncSig* sig = nullptr;
};

struct CoreExtern {
  instance::ExternKind kind = instance::ExternKind::kFunc;
  uint32_t slot = 0;
};

struct CoreInstanceDef {
  int32_t slot = -1;  // a real instance (of `module`), or -1 for one built from exports
  uint32_t module = 0;
  std::vector<std::pair<std::string, CoreExtern>> exports;  // built from exports
  std::map<uint32_t, uint32_t> export_slots;                 // real: export index -> extern slot
};

struct ComponentDefn {
  size_t begin = 0, end = 0;
  Scope* scope = nullptr;  // where it was defined (outer aliases resolve there)
};

struct InstanceDef;

// One entry of any index space.
struct Item {
  bin::Sort sort = bin::Sort::kFunc;
  CoreExtern core;
  uint32_t module = 0;
  std::shared_ptr<CoreInstanceDef> core_instance;
  FuncDef func;
  TypeDef type;
  std::shared_ptr<InstanceDef> instance;
  const ComponentDefn* component = nullptr;
};

struct InstanceDef {
  std::vector<std::pair<std::string, Item>> exports;
  const Item* find(std::string_view name) const {
    for (const auto& [n, item] : exports) {
      if (n == name) return &item;
    }
    return nullptr;
  }
};

struct Scope {
  Scope* parent = nullptr;
  std::vector<CoreExtern> core_funcs, core_tables, core_memories, core_globals;
  uint32_t core_types = 0;
  std::vector<uint32_t> core_modules;
  std::vector<std::shared_ptr<CoreInstanceDef>> core_instances;
  std::vector<FuncDef> funcs;
  std::vector<TypeDef> types;
  std::vector<const ComponentDefn*> components;
  std::vector<std::shared_ptr<InstanceDef>> instances;
  // Instantiation arguments by import name; null for the outermost component (its imports come
  // from the host) and for validating a nested component's definition.
  const std::vector<std::pair<std::string, Item>>* args = nullptr;
  std::vector<std::pair<std::string, Item>> exports;
};

}  // namespace tern::component::build
