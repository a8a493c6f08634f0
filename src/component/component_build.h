// Compile-time resolution state: the index spaces of one (possibly nested) component scope, with
// every entry resolved to a plan slot, a type, or a descriptor (no runtime lookups remain).
#pragma once

#include <chrono>
#include <map>
#include <span>
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

using bin::Reader;
using bin::Sort;
using instance::ExternKind;

// Walks a component's sections and resolves them into `data`'s plan (component_build.cc for
// sections, component_types.cc for types). One Builder per Component::compile.
class Builder {
 public:
  Builder(instance::Engine& engine, std::span<const uint8_t> bytes, instance::OptLevel level,
          ComponentData& data)
      : engine_(engine), bytes_(bytes), level_(level), data_(data) {}

  Result<void> run() {
    Reader r(bytes_, 0, bytes_.size());
    TERN_TRY(preamble(r));
    auto top = newScope(nullptr);
    TERN_TRY(parseBody(r, *top, data_.plan, 0, true));
    return finishExports(*top);
  }

 private:
  // ---- helpers ----
  Scope* newScope(Scope* parent) {
    scopes_.push_back(std::make_unique<Scope>());
    scopes_.back()->parent = parent;
    return scopes_.back().get();
  }
  Result<void> countDef(Reader& r) {
    if (++defs_ > limits::kMaxComponentDefinitions) {
      return r.invalid("too many definitions (nested instantiations included)");
    }
    return {};
  }
  const ValType* prim(TypeKind k) {
    auto& slot = prims_[size_t(k)];
    if (!slot) slot = newVal(ValType{k, {}, {}, nullptr});
    return slot;
  }
  ValType* newVal(ValType v) {
    data_.val_types.push_back(std::make_unique<ValType>(std::move(v)));
    return data_.val_types.back().get();
  }
  CompResource* newResource() {
    data_.resources.push_back(std::make_unique<CompResource>());
    auto* r = data_.resources.back().get();
    r->id = uint32_t(data_.resources.size() - 1);
    return r;
  }
  uint32_t newExtern(Plan& plan, ExternKind kind, compile::FuncType type = {}) {
    plan.extern_kinds.push_back(kind);
    plan.extern_func_types.push_back(std::move(type));
    return plan.num_externs++;
  }

  Result<void> preamble(Reader& r) {
    static constexpr uint8_t kMagic[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
    for (uint8_t want : kMagic) {
      auto b = r.u8();
      if (!b) return r.malformed("not a component (truncated preamble)");
      if (*b != want) return r.malformed("not a component (bad magic, version or layer)");
    }
    return {};
  }

  Result<void> parseBody(Reader& r, Scope& s, Plan& plan, int depth, bool top);
  Result<void> section(Reader& r, uint8_t id, Scope& s, Plan& plan, int depth, bool top);
  Result<void> coreModuleSection(Reader& r);
  Result<void> coreInstanceSection(Reader& r, Scope& s, Plan& plan);
  Result<void> coreInstantiate(Reader& r, Scope& s, Plan& plan);
  Result<void> coreTypeSection(Reader& r, Scope& s);
  Result<void> componentSection(Reader& r, Scope& s, int depth);
  Result<void> instanceSection(Reader& r, Scope& s, Plan& plan, int depth);
  Result<void> aliasSection(Reader& r, Scope& s, Plan& plan);
  Result<Item> readAlias(Reader& r, Scope& s, Plan& plan, bool in_type);
  Result<void> typeSection(Reader& r, Scope& s, Plan& plan, int depth);
  Result<TypeDef> readType(Reader& r, Scope& s, Plan& plan, int depth, bool in_type);
  Result<const ValType*> readDefValType(Reader& r, Scope& s, uint8_t form);
  Result<const ValType*> readRef(Reader& r, Scope& s);
  Result<const ValType*> readOptRef(Reader& r, Scope& s);
  Result<void> readCases(Reader& r, Scope& s, ValType& v);
  Result<const FuncSig*> readFuncType(Reader& r, Scope& s);
  Result<TypeDef> readDeclType(Reader& r, Scope& s, Plan& plan, int depth, TypeDef::Kind kind);
  Result<void> readDecls(Reader& r, Scope& s, Plan& plan, int depth, bool component_type,
                         const std::string& iface, InstanceDef* out,
                         std::vector<std::string>* func_names);
  Result<std::shared_ptr<InstanceDef>> elaborate(Reader& at, const TypeDef& t,
                                                 const std::string& iface, Plan& plan, int depth,
                                                 std::vector<std::string>* func_names);
  Result<Item> abstractItem(Reader& r, Scope& s, Plan& plan, const bin::ExternDescBin& d,
                            const std::string& iface, const std::string& name, int depth,
                            std::vector<std::string>* func_names);
  Result<void> canonSection(Reader& r, Scope& s, Plan& plan);
  Result<OptSlots> canonOpts(Reader& r, Scope& s, Plan& plan);
  Result<void> canonLift(Reader& r, Scope& s, Plan& plan);
  Result<void> canonLower(Reader& r, Scope& s, Plan& plan);
  Result<void> importSection(Reader& r, Scope& s, Plan& plan, int depth, bool top);
  Result<void> exportSection(Reader& r, Scope& s);
  Result<void> finishExports(Scope& top);

  Result<Item> get(Reader& r, Scope& s, Sort sort, uint32_t idx);
  Result<void> push(Reader& r, Scope& s, const Item& item);
  Result<const ValType*> valType(Reader& r, Scope& s, const bin::ValTypeRef& ref);
  Result<CoreExtern> coreExport(Reader& r, CoreInstanceDef& inst, std::string_view name,
                                Plan& plan);

  instance::Engine& engine_;
  std::span<const uint8_t> bytes_;
  instance::OptLevel level_;
  ComponentData& data_;
  std::vector<std::unique_ptr<Scope>> scopes_;
  std::vector<std::unique_ptr<ComponentDefn>> components_;
  std::vector<std::unique_ptr<Plan>> scratch_;
  std::map<size_t, uint32_t> module_at_;  // byte offset -> ComponentData::modules index
  const ValType* prims_[32] = {};
  uint64_t defs_ = 0;
  uint32_t last_module_ = 0;
  std::map<const ValType*, size_t> depth_;  // nesting depth of built value types
};

}  // namespace tern::component::build
