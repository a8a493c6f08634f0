// Builds a component's instantiation plan: walks the sections in order (spec: Explainer.md
// "index spaces"), resolving every definition at compile time. Nested components are
// instantiated symbolically by reading their bytes again with the arguments bound, so the plan
// is one flat list of steps whatever the nesting.
#include <algorithm>
#include <chrono>

#include "common/limits.h"
#include "component/component_build.h"

namespace tern::component {
namespace {

using namespace build;
using bin::Reader;
using bin::Sort;
using instance::ExternKind;

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

// ---- index spaces ----

Result<Item> Builder::get(Reader& r, Scope& s, Sort sort, uint32_t idx) {
  Item it;
  it.sort = sort;
  auto oob = [&]() { return r.invalid(std::string(bin::sortName(sort)) + " index " +
                                      std::to_string(idx) + " out of range"); };
  switch (sort) {
    case Sort::kCoreFunc: if (idx >= s.core_funcs.size()) return oob(); it.core = s.core_funcs[idx]; break;
    case Sort::kCoreTable: if (idx >= s.core_tables.size()) return oob(); it.core = s.core_tables[idx]; break;
    case Sort::kCoreMemory: if (idx >= s.core_memories.size()) return oob(); it.core = s.core_memories[idx]; break;
    case Sort::kCoreGlobal: if (idx >= s.core_globals.size()) return oob(); it.core = s.core_globals[idx]; break;
    case Sort::kCoreType: if (idx >= s.core_types) return oob(); break;
    case Sort::kCoreModule: if (idx >= s.core_modules.size()) return oob(); it.module = s.core_modules[idx]; break;
    case Sort::kCoreInstance: if (idx >= s.core_instances.size()) return oob(); it.core_instance = s.core_instances[idx]; break;
    case Sort::kFunc: if (idx >= s.funcs.size()) return oob(); it.func = s.funcs[idx]; break;
    case Sort::kValue: return r.unsupported("component values");
    case Sort::kType: if (idx >= s.types.size()) return oob(); it.type = s.types[idx]; break;
    case Sort::kComponent: if (idx >= s.components.size()) return oob(); it.component = s.components[idx]; break;
    case Sort::kInstance: if (idx >= s.instances.size()) return oob(); it.instance = s.instances[idx]; break;
  }
  return it;
}

Result<void> Builder::push(Reader& r, Scope& s, const Item& it) {
  TERN_TRY(countDef(r));
  switch (it.sort) {
    case Sort::kCoreFunc: s.core_funcs.push_back(it.core); break;
    case Sort::kCoreTable: s.core_tables.push_back(it.core); break;
    case Sort::kCoreMemory: s.core_memories.push_back(it.core); break;
    case Sort::kCoreGlobal: s.core_globals.push_back(it.core); break;
    case Sort::kCoreType: ++s.core_types; break;
    case Sort::kCoreModule: s.core_modules.push_back(it.module); break;
    case Sort::kCoreInstance: s.core_instances.push_back(it.core_instance); break;
    case Sort::kFunc: s.funcs.push_back(it.func); break;
    case Sort::kValue: return r.unsupported("component values");
    case Sort::kType: s.types.push_back(it.type); break;
    case Sort::kComponent: s.components.push_back(it.component); break;
    case Sort::kInstance: s.instances.push_back(it.instance); break;
  }
  return {};
}

Result<const ValType*> Builder::valType(Reader& r, Scope& s, const bin::ValTypeRef& ref) {
  if (ref.prim) return prim(ref.kind);
  if (ref.index >= s.types.size()) return r.invalid("type index out of range");
  const TypeDef& t = s.types[ref.index];
  if (t.kind != TypeDef::kVal) return r.invalid("type index does not name a value type");
  return t.val;
}

Result<CoreExtern> Builder::coreExport(Reader& r, CoreInstanceDef& inst, std::string_view name,
                                       Plan& plan) {
  if (inst.slot < 0) {
    for (const auto& [n, ext] : inst.exports) {
      if (n == name) return ext;
    }
    return r.invalid("core instance has no export \"" + std::string(name) + "\"");
  }
  const auto& info = data_.modules[inst.module]->info();
  const compile::Export* e = info.findExport(name);
  if (!e) return r.invalid("core instance has no export \"" + std::string(name) + "\"");
  uint32_t index = uint32_t(e - info.exports.data());
  if (auto it = inst.export_slots.find(index); it != inst.export_slots.end()) {
    return CoreExtern{e->kind, it->second};
  }
  compile::FuncType type;
  if (e->kind == ExternKind::kFunc) type = info.types[info.func_types[e->index]];
  uint32_t slot = newExtern(plan, e->kind, std::move(type));
  plan.steps.push_back(Step{Step::kExport, uint32_t(inst.slot), index, 0, slot});
  inst.export_slots[index] = slot;
  return CoreExtern{e->kind, slot};
}

// ---- sections ----

Result<void> Builder::parseBody(Reader& r, Scope& s, Plan& plan, int depth, bool top) {
  if (depth > int(limits::kMaxComponentNesting)) return r.malformed("components nested too deeply");
  while (!r.done()) {
    auto id = r.u8();
    if (!id) return fail(id.error());
    auto size = r.u32();
    if (!size) return fail(size.error());
    if (*size > r.end() - r.pos()) return r.malformed("section extends past the end");
    Reader sec(bytes_, r.pos(), r.pos() + *size);
    TERN_TRY(section(sec, *id, s, plan, depth, top));
    if (!sec.done()) return sec.malformed("section size mismatch");
    TERN_TRY(r.skip(*size));
  }
  return {};
}

Result<void> Builder::section(Reader& r, uint8_t id, Scope& s, Plan& plan, int depth, bool top) {
  switch (id) {
    case bin::kCustomSection: TERN_TRY(r.name()); return r.skip(r.end() - r.pos());
    case bin::kCoreModuleSection: {
      TERN_TRY(coreModuleSection(r));
      Item it;
      it.sort = Sort::kCoreModule;
      it.module = last_module_;  // set by coreModuleSection
      return push(r, s, it);
    }
    case bin::kCoreInstanceSection: return coreInstanceSection(r, s, plan);
    case bin::kCoreTypeSection: return coreTypeSection(r, s);
    case bin::kComponentSection: return componentSection(r, s, depth);
    case bin::kInstanceSection: return instanceSection(r, s, plan, depth);
    case bin::kAliasSection: return aliasSection(r, s, plan);
    case bin::kTypeSection: return typeSection(r, s, plan, depth);
    case bin::kCanonSection: return canonSection(r, s, plan);
    case bin::kStartSection: return r.unsupported("start functions (value imports)");
    case bin::kImportSection: return importSection(r, s, plan, depth, top);
    case bin::kExportSection: return exportSection(r, s);
    case bin::kValueSection: return r.unsupported("component values");
    default: return r.malformed("unknown section id " + std::to_string(id));
  }
}

Result<void> Builder::coreModuleSection(Reader& r) {
  size_t begin = r.pos(), end = r.end();
  if (auto it = module_at_.find(begin); it != module_at_.end()) {
    last_module_ = it->second;
    return r.skip(end - begin);
  }
  auto t0 = std::chrono::steady_clock::now();
  auto mod = engine_.compile(bytes_.subspan(begin, end - begin), level_);
  if (!mod) {
    Error e = mod.error();
    e.message = "core module at " + bin::hexOffset(begin) + ": " + e.message;
    return fail(std::move(e));
  }
  if (!(*mod)->stats().cache_hit) {
    data_.all_cached = false;
    data_.compile_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  data_.modules.push_back(*mod);
  last_module_ = module_at_[begin] = uint32_t(data_.modules.size() - 1);
  return r.skip(end - begin);
}

Result<void> Builder::coreInstanceSection(Reader& r, Scope& s, Plan& plan) {
  auto n = r.count(limits::kMaxComponentVecItems, "core instance");
  if (!n) return fail(n.error());
  for (uint32_t i = 0; i < *n; ++i) {
    auto form = r.u8();
    if (!form) return fail(form.error());
    if (*form == 0x00) {
      TERN_TRY(coreInstantiate(r, s, plan));
      continue;
    }
    if (*form != 0x01) return r.malformed("invalid core instance form");
    auto inst = std::make_shared<CoreInstanceDef>();
    auto m = r.count(limits::kMaxComponentVecItems, "core instance export");
    if (!m) return fail(m.error());
    for (uint32_t k = 0; k < *m; ++k) {
      auto name = r.name();
      if (!name) return fail(name.error());
      auto sort = bin::readCoreSort(r);
      if (!sort) return fail(sort.error());
      auto idx = r.u32();
      if (!idx) return fail(idx.error());
      if (*sort != Sort::kCoreFunc && *sort != Sort::kCoreTable && *sort != Sort::kCoreMemory &&
          *sort != Sort::kCoreGlobal) {
        return r.unsupported("core instance export of a " + std::string(bin::sortName(*sort)));
      }
      auto item = get(r, s, *sort, *idx);
      if (!item) return fail(item.error());
      inst->exports.emplace_back(std::string(*name), item->core);
    }
    Item it;
    it.sort = Sort::kCoreInstance;
    it.core_instance = std::move(inst);
    TERN_TRY(push(r, s, it));
  }
  return {};
}

// Resolves every import of the module against the named argument instances (spec: core
// instantiation with `with` arguments) and emits one positional instantiate step.
Result<void> Builder::coreInstantiate(Reader& r, Scope& s, Plan& plan) {
  auto midx = r.u32();
  if (!midx) return fail(midx.error());
  if (*midx >= s.core_modules.size()) return r.invalid("core module index out of range");
  uint32_t module = s.core_modules[*midx];
  auto n = r.count(limits::kMaxComponentVecItems, "instantiation argument");
  if (!n) return fail(n.error());
  std::vector<std::pair<std::string, std::shared_ptr<CoreInstanceDef>>> args;
  for (uint32_t k = 0; k < *n; ++k) {
    auto name = r.name();
    if (!name) return fail(name.error());
    auto kind = r.u8();
    if (!kind) return fail(kind.error());
    if (*kind != 0x12) return r.malformed("core instantiation argument is not an instance");
    auto idx = r.u32();
    if (!idx) return fail(idx.error());
    if (*idx >= s.core_instances.size()) return r.invalid("core instance index out of range");
    args.emplace_back(std::string(*name), s.core_instances[*idx]);
  }
  const auto& info = data_.modules[module]->info();
  Step step{Step::kInstantiate, module, uint32_t(plan.import_slots.size()),
            uint32_t(info.imports.size()), plan.num_core_instances++};
  for (const auto& imp : info.imports) {
    std::shared_ptr<CoreInstanceDef> from;
    for (auto& [name, inst] : args) {
      if (name == imp.module) from = inst;
    }
    std::string what = "\"" + imp.module + "\" \"" + imp.name + "\"";
    if (!from) return r.invalid("core module import " + what + ": no argument named \"" + imp.module + "\"");
    auto ext = coreExport(r, *from, imp.name, plan);
    if (!ext) return r.invalid("core module import " + what + ": " + ext.error().message);
    if (ext->kind != imp.kind) return r.invalid("core module import " + what + ": wrong kind");
    if (imp.kind == ExternKind::kFunc) {
      const auto& want = info.types[info.func_types[imp.index]];
      const auto& have = plan.extern_func_types[ext->slot];
      if (!(want == have)) {
        return r.invalid("core module import " + what + ": expected " + want.toString() +
                         ", got " + have.toString());
      }
    }
    plan.import_slots.push_back(ext->slot);
  }
  plan.steps.push_back(step);
  auto inst = std::make_shared<CoreInstanceDef>();
  inst->slot = int32_t(step.out);
  inst->module = module;
  Item it;
  it.sort = Sort::kCoreInstance;
  it.core_instance = std::move(inst);
  return push(r, s, it);
}

Result<void> Builder::coreTypeSection(Reader& r, Scope& s) {
  auto n = r.count(limits::kMaxComponentVecItems, "core type");
  if (!n) return fail(n.error());
  for (uint32_t i = 0; i < *n; ++i) {
    auto form = r.u8();
    if (!form) return fail(form.error());
    if (*form == 0x00) {
      form = r.u8();
      if (!form) return fail(form.error());
      if (*form != 0x50) return r.malformed("invalid core type");
    }
    if (*form == 0x60) {
      TERN_TRY(bin::skipCoreFuncType(r));
    } else if (*form == 0x50) {
      TERN_TRY(bin::skipCoreModuleType(r, 0));
    } else if (*form == 0x4e || *form == 0x4f || *form == 0x50) {
      return r.unsupported("GC core types");
    } else {
      return r.malformed("invalid core type");
    }
    Item it;
    it.sort = Sort::kCoreType;
    TERN_TRY(push(r, s, it));
  }
  return {};
}

// A nested component definition: validated now (imports left abstract, plan discarded) and
// instantiated later by reading its bytes again with the arguments bound.
Result<void> Builder::componentSection(Reader& r, Scope& s, int depth) {
  auto defn = std::make_unique<ComponentDefn>();
  defn->begin = r.pos();
  defn->end = r.end();
  defn->scope = &s;
  Reader body(bytes_, r.pos(), r.end());
  TERN_TRY(preamble(body));
  scratch_.push_back(std::make_unique<Plan>());
  Scope* check = newScope(&s);
  TERN_TRY(parseBody(body, *check, *scratch_.back(), depth + 1, false));
  Item it;
  it.sort = Sort::kComponent;
  it.component = defn.get();
  components_.push_back(std::move(defn));
  TERN_TRY(r.skip(r.end() - r.pos()));
  return push(r, s, it);
}

Result<void> Builder::instanceSection(Reader& r, Scope& s, Plan& plan, int depth) {
  auto n = r.count(limits::kMaxComponentVecItems, "instance");
  if (!n) return fail(n.error());
  for (uint32_t i = 0; i < *n; ++i) {
    auto form = r.u8();
    if (!form) return fail(form.error());
    if (*form != 0x00 && *form != 0x01) return r.malformed("invalid instance form");
    uint32_t cidx = 0;
    if (*form == 0x00) {
      auto c = r.u32();
      if (!c) return fail(c.error());
      if (*c >= s.components.size()) return r.invalid("component index out of range");
      cidx = *c;
    }
    auto m = r.count(limits::kMaxComponentVecItems, "instance argument/export");
    if (!m) return fail(m.error());
    std::vector<std::pair<std::string, Item>> items;
    for (uint32_t k = 0; k < *m; ++k) {
      auto name = *form == 0x00 ? r.name() : bin::readExternName(r);
      if (!name) return fail(name.error());
      auto sort = bin::readSort(r);
      if (!sort) return fail(sort.error());
      auto idx = r.u32();
      if (!idx) return fail(idx.error());
      auto item = get(r, s, *sort, *idx);
      if (!item) return fail(item.error());
      items.emplace_back(std::string(*name), std::move(*item));
    }
    auto inst = std::make_shared<InstanceDef>();
    if (*form == 0x01) {
      inst->exports = std::move(items);
    } else {
      const ComponentDefn* defn = s.components[cidx];
      Scope* child = newScope(defn->scope);
      child->args = &items;
      Reader body(bytes_, defn->begin, defn->end);
      TERN_TRY(preamble(body));
      TERN_TRY(parseBody(body, *child, plan, depth + 1, false));
      inst->exports = child->exports;
    }
    Item it;
    it.sort = Sort::kInstance;
    it.instance = std::move(inst);
    TERN_TRY(push(r, s, it));
  }
  return {};
}

Result<void> Builder::aliasSection(Reader& r, Scope& s, Plan& plan) {
  auto n = r.count(limits::kMaxComponentVecItems, "alias");
  if (!n) return fail(n.error());
  for (uint32_t i = 0; i < *n; ++i) {
    auto item = readAlias(r, s, plan, false);
    if (!item) return fail(item.error());
    TERN_TRY(push(r, s, *item));
  }
  return {};
}

Result<Item> Builder::readAlias(Reader& r, Scope& s, Plan& plan, bool in_type) {
  auto sort = bin::readSort(r);
  if (!sort) return fail(sort.error());
  auto target = r.u8();
  if (!target) return fail(target.error());
  switch (*target) {
    case 0x00: {  // export of a component instance
      auto idx = r.u32();
      if (!idx) return fail(idx.error());
      auto name = r.name();
      if (!name) return fail(name.error());
      if (*idx >= s.instances.size()) return r.invalid("instance index out of range");
      const Item* item = s.instances[*idx]->find(*name);
      if (!item) return r.invalid("instance has no export \"" + std::string(*name) + "\"");
      if (item->sort != *sort) {
        return r.invalid("export \"" + std::string(*name) + "\" is a " +
                         std::string(bin::sortName(item->sort)) + ", not a " +
                         std::string(bin::sortName(*sort)));
      }
      return *item;
    }
    case 0x01: {  // export of a core instance
      if (in_type) return r.invalid("core export alias inside a type");
      auto idx = r.u32();
      if (!idx) return fail(idx.error());
      auto name = r.name();
      if (!name) return fail(name.error());
      if (*idx >= s.core_instances.size()) return r.invalid("core instance index out of range");
      auto ext = coreExport(r, *s.core_instances[*idx], *name, plan);
      if (!ext) return fail(ext.error());
      static constexpr Sort kSortOf[] = {Sort::kCoreFunc, Sort::kCoreTable, Sort::kCoreMemory,
                                         Sort::kCoreGlobal};
      if (kSortOf[size_t(ext->kind)] != *sort) return r.invalid("core export alias of the wrong sort");
      Item it;
      it.sort = *sort;
      it.core = *ext;
      return it;
    }
    case 0x02: {  // outer
      auto ct = r.u32();
      if (!ct) return fail(ct.error());
      auto idx = r.u32();
      if (!idx) return fail(idx.error());
      if (*sort != Sort::kType && *sort != Sort::kComponent && *sort != Sort::kCoreModule &&
          *sort != Sort::kCoreType) {
        return r.invalid("outer alias of a " + std::string(bin::sortName(*sort)));
      }
      Scope* target_scope = &s;
      for (uint32_t k = 0; k < *ct; ++k) {
        target_scope = target_scope->parent;
        if (!target_scope) return r.invalid("outer alias count out of range");
      }
      return get(r, *target_scope, *sort, *idx);
    }
    default: return r.malformed("invalid alias target");
  }
}

Result<void> Builder::typeSection(Reader& r, Scope& s, Plan& plan, int depth) {
  auto n = r.count(limits::kMaxComponentVecItems, "type");
  if (!n) return fail(n.error());
  for (uint32_t i = 0; i < *n; ++i) {
    auto t = readType(r, s, plan, depth, false);
    if (!t) return fail(t.error());
    Item it;
    it.sort = Sort::kType;
    it.type = *t;
    TERN_TRY(push(r, s, it));
  }
  return {};
}

Result<TypeDef> Builder::readType(Reader& r, Scope& s, Plan& plan, int depth, bool in_type) {
  auto form = r.peek();
  if (!form) return fail(form.error());
  TypeDef t;
  switch (*form) {
    case 0x40: {
      (void)r.u8();
      auto f = readFuncType(r, s);
      if (!f) return fail(f.error());
      t.kind = TypeDef::kFunc;
      t.func = *f;
      return t;
    }
    case 0x41: case 0x42:
      (void)r.u8();
      return readDeclType(r, s, plan, depth, *form == 0x41 ? TypeDef::kComponent : TypeDef::kInstance);
    case 0x3f: {
      (void)r.u8();
      if (in_type) return r.invalid("resource definition inside a type");
      auto rep = r.u8();
      if (!rep) return fail(rep.error());
      if (*rep != 0x7f) return r.invalid("resource representation must be i32");
      auto has_dtor = r.u8();
      if (!has_dtor) return fail(has_dtor.error());
      CompResource* res = newResource();
      res->name = "#resource" + std::to_string(res->id);
      if (*has_dtor == 0x01) {
        auto f = r.u32();
        if (!f) return fail(f.error());
        if (*f >= s.core_funcs.size()) return r.invalid("resource destructor index out of range");
        uint32_t slot = s.core_funcs[*f].slot;
        compile::FuncType want{{compile::ValType::kI32}, {}};
        if (!(plan.extern_func_types[slot] == want)) return r.invalid("resource destructor must be (i32) -> ()");
        res->dtor_slot = int32_t(slot);
      } else if (*has_dtor != 0x00) {
        return r.malformed("invalid resource destructor option");
      }
      t.kind = TypeDef::kResource;
      t.resource = res;
      return t;
    }
    case 0x3e: return r.unsupported("async resource destructors");
    default: {
      (void)r.u8();
      auto v = readDefValType(r, s, *form);
      if (!v) return fail(v.error());
      t.kind = TypeDef::kVal;
      t.val = *v;
      return t;
    }
  }
}

Result<const ValType*> Builder::readDefValType(Reader& r, Scope& s, uint8_t form) {
  if (auto k = bin::primitiveKind(form)) return prim(*k);
  ValType v;
  auto readRef = [&]() -> Result<const ValType*> {
    auto ref = bin::readValType(r);
    if (!ref) return fail(ref.error());
    return valType(r, s, *ref);
  };
  auto readOpt = [&]() -> Result<const ValType*> {
    auto b = r.u8();
    if (!b) return fail(b.error());
    if (*b == 0x00) return nullptr;
    if (*b != 0x01) return r.malformed("invalid option encoding");
    return readRef();
  };
  auto labels = [&](std::string_view what) -> Result<uint32_t> {
    return r.count(limits::kMaxComponentCaseCount, what);
  };
  switch (form) {
    case 0x72: case 0x71: case 0x6f: case 0x6e: case 0x6d: {
      static constexpr TypeKind kinds[] = {TypeKind::kEnum, TypeKind::kFlags, TypeKind::kTuple,
                                           TypeKind::kBool, TypeKind::kVariant, TypeKind::kRecord};
      v.kind = kinds[form - 0x6d];
      auto n = labels("field/case");
      if (!n) return fail(n.error());
      if (*n == 0 && v.kind != TypeKind::kFlags) return r.invalid("empty record/variant/tuple/enum");
      if (v.kind == TypeKind::kFlags && *n > limits::kMaxFlagsCount) return r.invalid("too many flags");
      for (uint32_t i = 0; i < *n; ++i) {
        if (v.kind != TypeKind::kTuple) {
          auto l = r.name();
          if (!l) return fail(l.error());
          if (l->empty()) return r.invalid("empty label");
          v.labels.emplace_back(*l);
        }
        if (v.kind == TypeKind::kRecord || v.kind == TypeKind::kTuple) {
          auto e = readRef();
          if (!e) return fail(e.error());
          v.elems.push_back(*e);
        } else if (v.kind == TypeKind::kVariant) {
          auto e = readOpt();
          if (!e) return fail(e.error());
          v.elems.push_back(*e);
          auto refines = readOpt();  // 0x00 in current binaries
          if (!refines) return fail(refines.error());
        }
      }
      break;
    }
    case 0x70: case 0x6b: {
      v.kind = form == 0x70 ? TypeKind::kList : TypeKind::kOption;
      auto e = readRef();
      if (!e) return fail(e.error());
      v.elems.push_back(*e);
      break;
    }
    case 0x6a: {
      v.kind = TypeKind::kResult;
      for (int i = 0; i < 2; ++i) {
        auto e = readOpt();
        if (!e) return fail(e.error());
        v.elems.push_back(*e);
      }
      break;
    }
    case 0x69: case 0x68: {
      v.kind = form == 0x69 ? TypeKind::kOwn : TypeKind::kBorrow;
      auto idx = r.u32();
      if (!idx) return fail(idx.error());
      if (*idx >= s.types.size() || s.types[*idx].kind != TypeDef::kResource) {
        return r.invalid("own/borrow of a type that is not a resource");
      }
      v.resource = s.types[*idx].resource;
      break;
    }
    case 0x67: return r.unsupported("fixed-size lists");
    case 0x66: case 0x65: return r.unsupported("streams and futures");
    default: return r.malformed("invalid type form");
  }
  // Depth bound: canon's recursive walks must not exhaust the stack on list<list<...>>.
  size_t depth = 0;
  for (const ValType* e : v.elems) {
    if (e) depth = std::max(depth, depth_[e] + 1);
  }
  if (depth > limits::kMaxComponentTypeDepth) return r.invalid("value type nested too deeply");
  ValType* out = newVal(std::move(v));
  depth_[out] = depth;
  return out;
}

Result<const FuncSig*> Builder::readFuncType(Reader& r, Scope& s) {
  auto sig = std::make_unique<FuncSig>();
  auto n = r.count(limits::kMaxComponentFuncParams, "function parameter");
  if (!n) return fail(n.error());
  for (uint32_t i = 0; i < *n; ++i) {
    auto name = r.name();
    if (!name) return fail(name.error());
    auto ref = bin::readValType(r);
    if (!ref) return fail(ref.error());
    auto t = valType(r, s, *ref);
    if (!t) return fail(t.error());
    sig->params.emplace_back(std::string(*name), *t);
  }
  auto form = r.u8();
  if (!form) return fail(form.error());
  if (*form == 0x00) {
    auto ref = bin::readValType(r);
    if (!ref) return fail(ref.error());
    auto t = valType(r, s, *ref);
    if (!t) return fail(t.error());
    sig->results.push_back(*t);
  } else if (*form == 0x01) {
    auto m = r.u32();  // named results: only the empty list remains in the spec
    if (!m) return fail(m.error());
    if (*m != 0) return r.unsupported("named function results");
  } else {
    return r.malformed("invalid function result list");
  }
  data_.func_sigs.push_back(std::move(sig));
  return data_.func_sigs.back().get();
}

// An instance or component type: validated now by reading its declarations once; each import
// of it reads them again (elaborate) so its abstract resources are fresh per import.
Result<TypeDef> Builder::readDeclType(Reader& r, Scope& s, Plan& plan, int depth,
                                      TypeDef::Kind kind) {
  if (depth > int(limits::kMaxComponentNesting)) return r.malformed("types nested too deeply");
  TypeDef t;
  t.kind = kind;
  t.scope = &s;
  t.begin = r.pos();
  scratch_.push_back(std::make_unique<Plan>());
  Scope* tscope = newScope(&s);
  TERN_TRY(readDecls(r, *tscope, *scratch_.back(), depth + 1, kind == TypeDef::kComponent,
                     "", nullptr, nullptr));
  t.end = r.pos();
  return t;
}

Result<void> Builder::readDecls(Reader& r, Scope& s, Plan& plan, int depth, bool component_type,
                                const std::string& iface, InstanceDef* out,
                                std::vector<std::string>* func_names) {
  auto n = r.count(limits::kMaxComponentVecItems, "type declaration");
  if (!n) return fail(n.error());
  for (uint32_t i = 0; i < *n; ++i) {
    auto kind = r.u8();
    if (!kind) return fail(kind.error());
    Item it;
    switch (*kind) {
      case 0x00: {
        auto form = r.u8();
        if (!form) return fail(form.error());
        if (*form == 0x00) {
          form = r.u8();
          if (!form) return fail(form.error());
        }
        if (*form == 0x60) TERN_TRY(bin::skipCoreFuncType(r));
        else if (*form == 0x50) TERN_TRY(bin::skipCoreModuleType(r, depth));
        else return r.malformed("invalid core type");
        it.sort = Sort::kCoreType;
        break;
      }
      case 0x01: {
        auto t = readType(r, s, plan, depth, true);
        if (!t) return fail(t.error());
        it.sort = Sort::kType;
        it.type = *t;
        break;
      }
      case 0x02: {
        auto a = readAlias(r, s, plan, true);
        if (!a) return fail(a.error());
        it = std::move(*a);
        break;
      }
      case 0x03: case 0x04: {
        if (*kind == 0x03 && !component_type) return r.invalid("import declaration in an instance type");
        auto name = bin::readExternName(r);
        if (!name) return fail(name.error());
        auto d = bin::readExternDesc(r);
        if (!d) return fail(d.error());
        std::string sub = iface.empty() ? std::string(*name) : iface;
        auto a = abstractItem(r, s, plan, *d, *kind == 0x03 ? std::string(*name) : sub,
                              std::string(*name), depth, nullptr);
        if (!a) return fail(a.error());
        it = std::move(*a);
        if (*kind == 0x04 && out) out->exports.emplace_back(std::string(*name), it);
        if (*kind == 0x04 && func_names && it.sort == Sort::kFunc) func_names->emplace_back(*name);
        break;
      }
      default: return r.malformed("invalid type declaration");
    }
    TERN_TRY(push(r, s, it));
  }
  return {};
}

Result<std::shared_ptr<InstanceDef>> Builder::elaborate(Reader& at, const TypeDef& t,
                                                        const std::string& iface, Plan& plan,
                                                        int depth,
                                                        std::vector<std::string>* func_names) {
  if (t.kind != TypeDef::kInstance) return at.invalid("instance import's type is not an instance type");
  auto inst = std::make_shared<InstanceDef>();
  Reader r(bytes_, t.begin, t.end);
  Scope* tscope = newScope(t.scope);
  TERN_TRY(readDecls(r, *tscope, plan, depth + 1, false, iface, inst.get(), func_names));
  return inst;
}

// An import (or an export declared in an imported instance type) that the host will provide.
Result<Item> Builder::abstractItem(Reader& r, Scope& s, Plan& plan, const bin::ExternDescBin& d,
                                   const std::string& iface, const std::string& name, int depth,
                                   std::vector<std::string>* func_names) {
  Item it;
  it.sort = d.sort;
  switch (d.sort) {
    case Sort::kFunc: {
      if (d.index >= s.types.size() || s.types[d.index].kind != TypeDef::kFunc) {
        return r.invalid("function import/export type is not a function type");
      }
      it.func.sig = s.types[d.index].func;
      it.func.host = true;
      it.func.index = uint32_t(plan.host_funcs.size());
      plan.host_funcs.push_back(HostImportFunc{iface == name ? "" : iface, name, it.func.sig});
      return it;
    }
    case Sort::kType: {
      if (d.sub_resource) {
        CompResource* res = newResource();
        res->host = true;
        res->import_index = int32_t(plan.resource_imports.size());
        res->interface = iface == name ? "" : iface;
        res->local_name = name;
        res->name = res->interface.empty() ? name : res->interface + "." + name;
        plan.resource_imports.push_back(res);
        it.type.kind = TypeDef::kResource;
        it.type.resource = res;
        return it;
      }
      if (d.index >= s.types.size()) return r.invalid("type bound index out of range");
      it.type = s.types[d.index];
      return it;
    }
    case Sort::kInstance: {
      if (d.index >= s.types.size()) return r.invalid("instance type index out of range");
      auto inst = elaborate(r, s.types[d.index], name, plan, depth, func_names);
      if (!inst) return fail(inst.error());
      it.instance = std::move(*inst);
      return it;
    }
    case Sort::kComponent: return r.unsupported("component-typed imports");
    case Sort::kCoreModule: return r.unsupported("core-module-typed imports");
    default: return r.unsupported("value imports");
  }
}

// ---- canon ----

namespace {
bool needsMemory(const ValType* t) {
  if (!t) return false;
  if (t->kind == TypeKind::kString || t->kind == TypeKind::kList) return true;
  for (const ValType* e : t->elems) {
    if (needsMemory(e)) return true;
  }
  return false;
}
bool anyNeedsMemory(const std::vector<const ValType*>& ts) {
  return std::any_of(ts.begin(), ts.end(), [](const ValType* t) { return needsMemory(t); });
}
std::vector<const ValType*> paramTypes(const FuncSig& sig) {
  std::vector<const ValType*> out;
  for (const auto& p : sig.params) out.push_back(p.second);
  return out;
}
}  // namespace

Result<OptSlots> Builder::canonOpts(Reader& r, Scope& s, Plan& plan) {
  auto o = bin::readCanonOpts(r);
  if (!o) return fail(o.error());
  OptSlots out;
  out.encoding = o->encoding;
  if (o->memory) {
    if (*o->memory >= s.core_memories.size()) return r.invalid("memory index out of range");
    out.memory = int32_t(s.core_memories[*o->memory].slot);
  }
  auto func = [&](std::optional<uint32_t> idx, int32_t& slot) -> Result<void> {
    if (!idx) return {};
    if (*idx >= s.core_funcs.size()) return r.invalid("canon option function index out of range");
    slot = int32_t(s.core_funcs[*idx].slot);
    return {};
  };
  TERN_TRY(func(o->realloc, out.realloc));
  TERN_TRY(func(o->post_return, out.post_return));
  if (out.realloc >= 0) {
    using compile::ValType::kI32;
    compile::FuncType want{{kI32, kI32, kI32, kI32}, {kI32}};
    if (!(plan.extern_func_types[out.realloc] == want)) return r.invalid("realloc must be (i32, i32, i32, i32) -> i32");
  }
  return out;
}

Result<void> Builder::canonLift(Reader& r, Scope& s, Plan& plan) {
  auto f = r.u32();
  if (!f) return fail(f.error());
  if (*f >= s.core_funcs.size()) return r.invalid("core function index out of range");
  auto opts = canonOpts(r, s, plan);
  if (!opts) return fail(opts.error());
  auto t = r.u32();
  if (!t) return fail(t.error());
  if (*t >= s.types.size() || s.types[*t].kind != TypeDef::kFunc) return r.invalid("canon lift type is not a function type");
  LiftedFunc lf;
  lf.core_func_slot = s.core_funcs[*f].slot;
  lf.opts = *opts;
  lf.sig = s.types[*t].func;
  lf.params = paramTypes(*lf.sig);
  lf.results = lf.sig->results;
  FlatSig flat = flattenFunc(*lf.sig, false);
  compile::FuncType want = coreFuncType(flat);
  if (!(plan.extern_func_types[lf.core_func_slot] == want)) {
    return r.invalid("canon lift: core function type " + plan.extern_func_types[lf.core_func_slot].toString() +
                     " does not match the lifted type " + want.toString());
  }
  bool mem = flat.params_in_memory || flat.results_in_memory || anyNeedsMemory(lf.params) ||
             anyNeedsMemory(lf.results);
  if (mem && lf.opts.memory < 0) return r.invalid("canon lift needs a memory option");
  if ((flat.params_in_memory || anyNeedsMemory(lf.params)) && lf.opts.realloc < 0) {
    return r.invalid("canon lift needs a realloc option");
  }
  if (lf.opts.post_return >= 0) {
    compile::FuncType pr{want.results, {}};
    if (!(plan.extern_func_types[lf.opts.post_return] == pr)) return r.invalid("post-return has the wrong type");
  }
  Item it;
  it.sort = Sort::kFunc;
  it.func = FuncDef{false, uint32_t(plan.lifted.size()), lf.sig};
  plan.lifted.push_back(std::move(lf));
  return push(r, s, it);
}

Result<void> Builder::canonLower(Reader& r, Scope& s, Plan& plan) {
  auto f = r.u32();
  if (!f) return fail(f.error());
  if (*f >= s.funcs.size()) return r.invalid("function index out of range");
  auto opts = canonOpts(r, s, plan);
  if (!opts) return fail(opts.error());
  if (opts->post_return >= 0) return r.invalid("post-return is not allowed on canon lower");
  const FuncDef& fd = s.funcs[*f];
  LoweredFunc lf;
  lf.host = fd.host;
  lf.target = fd.index;
  lf.opts = *opts;
  lf.sig = fd.sig;
  lf.params = paramTypes(*lf.sig);
  lf.results = lf.sig->results;
  FlatSig flat = flattenFunc(*lf.sig, true);
  lf.params_in_memory = flat.params_in_memory;
  lf.results_in_memory = flat.results_in_memory;
  bool mem = flat.params_in_memory || flat.results_in_memory || anyNeedsMemory(lf.params) ||
             anyNeedsMemory(lf.results);
  if (mem && lf.opts.memory < 0) return r.invalid("canon lower needs a memory option");
  if (anyNeedsMemory(lf.results) && lf.opts.realloc < 0) return r.invalid("canon lower needs a realloc option");
  uint32_t slot = newExtern(plan, ExternKind::kFunc, coreFuncType(flat));
  plan.steps.push_back(Step{Step::kLower, uint32_t(plan.lowered.size()), 0, 0, slot});
  plan.lowered.push_back(std::move(lf));
  Item it;
  it.sort = Sort::kCoreFunc;
  it.core = CoreExtern{ExternKind::kFunc, slot};
  return push(r, s, it);
}

Result<void> Builder::canonSection(Reader& r, Scope& s, Plan& plan) {
  auto n = r.count(limits::kMaxComponentVecItems, "canon");
  if (!n) return fail(n.error());
  for (uint32_t i = 0; i < *n; ++i) {
    auto op = r.u8();
    if (!op) return fail(op.error());
    if (*op == 0x00 || *op == 0x01) {
      auto zero = r.u8();
      if (!zero) return fail(zero.error());
      if (*zero != 0x00) return r.malformed("invalid canon lift/lower");
      TERN_TRY(*op == 0x00 ? canonLift(r, s, plan) : canonLower(r, s, plan));
      continue;
    }
    if (*op != 0x02 && *op != 0x03 && *op != 0x04) {
      return r.unsupported("canon built-in 0x" + bin::hexOffset(*op).substr(2) +
                           " (async, threads or error-context)");
    }
    auto t = r.u32();
    if (!t) return fail(t.error());
    if (*t >= s.types.size() || s.types[*t].kind != TypeDef::kResource) {
      return r.invalid("canon resource built-in on a type that is not a resource");
    }
    CompResource* res = s.types[*t].resource;
    using compile::ValType::kI32;
    Step step{Step::kResourceDrop, res->id, 0, 0, 0};
    compile::FuncType type{{kI32}, {}};
    if (*op != 0x03) {
      if (res->imported()) return r.invalid("resource.new/rep of a resource this component does not define");
      step.kind = *op == 0x02 ? Step::kResourceNew : Step::kResourceRep;
      type.results = {kI32};
    }
    step.out = newExtern(plan, ExternKind::kFunc, type);
    plan.steps.push_back(step);
    Item it;
    it.sort = Sort::kCoreFunc;
    it.core = CoreExtern{ExternKind::kFunc, step.out};
    TERN_TRY(push(r, s, it));
  }
  return {};
}

// ---- imports and exports ----

Result<void> Builder::importSection(Reader& r, Scope& s, Plan& plan, int depth, bool top) {
  auto n = r.count(limits::kMaxComponentVecItems, "import");
  if (!n) return fail(n.error());
  for (uint32_t i = 0; i < *n; ++i) {
    auto name = bin::readExternName(r);
    if (!name) return fail(name.error());
    auto d = bin::readExternDesc(r);
    if (!d) return fail(d.error());
    if (s.args) {
      const Item* arg = nullptr;
      for (const auto& [n2, item] : *s.args) {
        if (n2 == *name) arg = &item;
      }
      if (!arg) return r.invalid("missing instantiation argument \"" + std::string(*name) + "\"");
      if (arg->sort != d->sort) return r.invalid("instantiation argument \"" + std::string(*name) + "\" has the wrong sort");
      if (d->sort == Sort::kType && d->sub_resource && arg->type.kind != TypeDef::kResource) {
        return r.invalid("instantiation argument \"" + std::string(*name) + "\" is not a resource");
      }
      TERN_TRY(push(r, s, *arg));
      continue;
    }
    std::vector<std::string> funcs;
    auto it = abstractItem(r, s, plan, *d, std::string(*name), std::string(*name), depth, &funcs);
    if (!it) return fail(it.error());
    if (top && (d->sort == Sort::kInstance || d->sort == Sort::kFunc)) {
      bool inst = d->sort == Sort::kInstance;
      plan.import_descs.push_back(ExternDesc{std::string(*name), inst,
                                             inst ? funcs : std::vector<std::string>{std::string(*name)}});
    }
    TERN_TRY(push(r, s, *it));
  }
  return {};
}

Result<void> Builder::exportSection(Reader& r, Scope& s) {
  auto n = r.count(limits::kMaxComponentVecItems, "export");
  if (!n) return fail(n.error());
  for (uint32_t i = 0; i < *n; ++i) {
    auto name = bin::readExternName(r);
    if (!name) return fail(name.error());
    auto sort = bin::readSort(r);
    if (!sort) return fail(sort.error());
    auto idx = r.u32();
    if (!idx) return fail(idx.error());
    auto item = get(r, s, *sort, *idx);
    if (!item) return fail(item.error());
    auto has_desc = r.u8();
    if (!has_desc) return fail(has_desc.error());
    if (*has_desc == 0x01) {
      auto d = bin::readExternDesc(r);  // type ascription: must name the same sort
      if (!d) return fail(d.error());
      if (d->sort != *sort) return r.invalid("export type ascription of the wrong sort");
      if (!d->sub_resource && d->index >= s.types.size() && d->sort != Sort::kCoreModule) {
        return r.invalid("export type ascription index out of range");
      }
    } else if (*has_desc != 0x00) {
      return r.malformed("invalid export type ascription");
    }
    for (const auto& [n2, prev] : s.exports) {
      if (n2 == *name) return r.invalid("duplicate export \"" + std::string(*name) + "\"");
    }
    s.exports.emplace_back(std::string(*name), *item);
    TERN_TRY(push(r, s, *item));
  }
  return {};
}

Result<void> Builder::finishExports(Scope& top) {
  Plan& plan = data_.plan;
  for (const auto& [name, item] : top.exports) {
    if (item.sort == Sort::kFunc) {
      if (item.func.host) return fail(ErrorCode::kUnsupported, "component re-exports imported function \"", name, "\"");
      plan.exports.push_back(ExportFunc{"", name, item.func.index});
      plan.export_descs.push_back(ExternDesc{name, false, {name}});
    } else if (item.sort == Sort::kInstance) {
      ExternDesc desc{name, true, {}};
      for (const auto& [fname, f] : item.instance->exports) {
        if (f.sort != Sort::kFunc) continue;
        if (f.func.host) return fail(ErrorCode::kUnsupported, "component re-exports imported function \"", fname, "\"");
        plan.exports.push_back(ExportFunc{name, fname, f.func.index});
        desc.funcs.push_back(fname);
      }
      plan.export_descs.push_back(std::move(desc));
    }
  }
  return {};
}

}  // namespace

Result<void> buildComponent(instance::Engine& engine, std::span<const uint8_t> bytes,
                            instance::OptLevel level, ComponentData& data) {
  if (bytes.size() > limits::kMaxComponentBytes) {
    return fail(ErrorCode::kInvalidArgument, "component larger than ", std::to_string(limits::kMaxComponentBytes), " bytes");
  }
  Builder b(engine, bytes, level, data);
  return b.run();
}

}  // namespace tern::component
