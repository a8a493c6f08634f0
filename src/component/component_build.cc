// Builds a component's instantiation plan: walks the sections in order (spec: Explainer.md
// "index spaces"), resolving every definition at compile time. Nested components are
// instantiated symbolically by reading their bytes again with the arguments bound, so the plan
// is one flat list of steps whatever the nesting.
#include <algorithm>
#include <chrono>

#include "common/limits.h"
#include "component/component_build.h"

namespace tern::component {
namespace build {

using bin::Reader;
using bin::Sort;
using instance::ExternKind;

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
      if (item.func.host) return fail(ErrorCode::kComponentUnsupported, "component re-exports imported function \"", name, "\"");
      plan.exports.push_back(ExportFunc{"", name, item.func.index});
      plan.export_descs.push_back(ExternDesc{name, false, {name}});
    } else if (item.sort == Sort::kInstance) {
      ExternDesc desc{name, true, {}};
      for (const auto& [fname, f] : item.instance->exports) {
        if (f.sort != Sort::kFunc) continue;
        if (f.func.host) return fail(ErrorCode::kComponentUnsupported, "component re-exports imported function \"", fname, "\"");
        plan.exports.push_back(ExportFunc{name, fname, f.func.index});
        desc.funcs.push_back(fname);
      }
      plan.export_descs.push_back(std::move(desc));
    }
  }
  return {};
}

}  // namespace build

Result<void> buildComponent(instance::Engine& engine, std::span<const uint8_t> bytes,
                            instance::OptLevel level, ComponentData& data) {
  if (bytes.size() > limits::kMaxComponentBytes) {
    return fail(ErrorCode::kResourceExhausted, "component larger than ", std::to_string(limits::kMaxComponentBytes), " bytes");
  }
  build::Builder b(engine, bytes, level, data);
  return b.run();
}

}  // namespace tern::component
