// Linker: import resolution with the spec's extern subtyping (spec 4.5.3.*), instance layout and
// initialisation (spec 4.5.4: globals, elements, data, start).
#include <cstring>

#include "common/limits.h"
#include "compile/loaded_code.h"
#include "instance/engine.h"
#include "instance/memory_pool.h"
#include "instance/runtime.h"
#include "instance/trap.h"

namespace tern::instance {

using compile::ConstExpr;
using compile::SegmentMode;

void Linker::define(std::string module, std::string name, Extern value) {
  externs_[{std::move(module), std::move(name)}] = value;
}

void Linker::defineInstance(std::string module, const Instance& instance) {
  for (const auto& e : instance.module().info().exports) {
    if (auto ext = instance.getExport(e.name)) define(module, e.name, *ext);
  }
}

void Linker::defineHostFunc(std::string module, std::string name, FuncType type, HostCallback cb) {
  host_funcs_[{std::move(module), std::move(name)}] = HostDef{std::move(type), std::move(cb)};
}

namespace {

bool limitsMatch(uint64_t actual_min, const std::optional<uint64_t>& actual_max,
                 const compile::Limits& want) {
  if (actual_min < want.min) return false;
  if (!want.max) return true;
  return actual_max && *actual_max <= *want.max;
}

std::string importName(const compile::Import& imp) {
  return "\"" + imp.module + "\" \"" + imp.name + "\"";
}

}  // namespace

Result<Instance*> Linker::instantiate(Store& store, std::shared_ptr<const Module> module) const {
  const ModuleInfo& info = module->info();
  std::vector<Extern> resolved;
  resolved.reserve(info.imports.size());
  for (const auto& imp : info.imports) {
    Extern ext;
    auto it = externs_.find({imp.module, imp.name});
    if (it != externs_.end()) {
      ext = it->second;
    } else if (auto h = host_funcs_.find({imp.module, imp.name}); h != host_funcs_.end()) {
      // A matching signature reuses the module's canonical id: no registry lock per request.
      Func* f;
      uint32_t t = imp.kind == ExternKind::kFunc ? info.func_types[imp.index] : 0;
      if (imp.kind == ExternKind::kFunc && h->second.type == info.types[t]) {
        f = store.createHostFunc(h->second.type, h->second.callback, module->type_ids_[t]);
      } else {
        f = store.createHostFunc(h->second.type, h->second.callback);
      }
      ext = Extern{ExternKind::kFunc, f};
    } else {
      return fail(ErrorCode::kUnlinkable, "unknown import ", importName(imp));
    }
    resolved.push_back(ext);
  }
  return instantiateWith(store, std::move(module), resolved);
}

Result<Instance*> Linker::instantiateWith(Store& store, std::shared_ptr<const Module> module,
                                          std::span<const Extern> imports) {
  const ModuleInfo& info = module->info();
  if (imports.size() != info.imports.size()) {
    return fail(ErrorCode::kUnlinkable, "expected ", std::to_string(info.imports.size()),
                " imports, got ", std::to_string(imports.size()));
  }
  auto inst = std::unique_ptr<Instance>(new Instance());
  Instance& in = *inst;
  in.store_ = &store;
  in.module_ = module;
  size_t num_funcs = info.func_types.size();
  in.func_refs_ = module->func_ref_template_;
  in.funcs_.assign(num_funcs, nullptr);

  // 1. Check imports.
  for (size_t k = 0; k < imports.size(); ++k) {
    const auto& imp = info.imports[k];
    const Extern& ext = imports[k];
    if (ext.object == nullptr) {
      return fail(ErrorCode::kUnlinkable, "missing import ", importName(imp));
    }
    if (ext.kind != imp.kind) {
      return fail(ErrorCode::kUnlinkable, "incompatible import type for ", importName(imp),
                  ": expected ", compile::externKindName(imp.kind), ", got ",
                  compile::externKindName(ext.kind));
    }
    switch (imp.kind) {
      case ExternKind::kFunc: {
        Func* f = ext.func();
        uint32_t type_index = info.func_types[imp.index];
        if (f->ref()->type_id != module->type_ids_[type_index]) {
          return fail(ErrorCode::kUnlinkable, "incompatible import type for ", importName(imp),
                      ": expected ", info.types[type_index].toString(), ", got ",
                      f->type().toString());
        }
        if (!f->ref()->code) f->ref()->code = module->code_->hostAdapter(type_index);
        in.func_refs_[imp.index] = *f->ref();
        in.funcs_[imp.index] = f;
        break;
      }
      case ExternKind::kTable: {
        Table* t = ext.table();
        const TableType& want = info.tables[imp.index];
        std::optional<uint64_t> max;
        if (t->type().limits.max) max = t->vm()->max;
        if (t->type().element != want.element || !limitsMatch(t->size(), max, want.limits)) {
          return fail(ErrorCode::kUnlinkable, "incompatible import type for ", importName(imp));
        }
        in.table_objs_.push_back(t);
        break;
      }
      case ExternKind::kMemory: {
        Memory* m = ext.memory();
        if (!limitsMatch(m->pages(), m->limits().max, info.memories[imp.index])) {
          return fail(ErrorCode::kUnlinkable, "incompatible import type for ", importName(imp));
        }
        in.memory_objs_.push_back(m);
        break;
      }
      case ExternKind::kGlobal: {
        Global* g = ext.global();
        const GlobalType& want = info.globals[imp.index];
        if (g->type().type != want.type || g->type().is_mutable != want.is_mutable) {
          return fail(ErrorCode::kUnlinkable, "incompatible import type for ", importName(imp));
        }
        in.global_objs_.push_back(g);
        break;
      }
    }
  }

  // 2. Defined functions.
  for (uint32_t f = info.num_imported_funcs; f < num_funcs; ++f) in.func_refs_[f].context = &in.ctx_;

  // 3. Memories, tables, globals.
  for (size_t i = info.num_imported_memories; i < info.memories.size(); ++i) {
    auto m = store.newMemory(info.memories[i], i == 0 ? module->image_ : nullptr);
    if (!m) return fail(m.error());
    in.memory_objs_.push_back(*m);
  }
  for (size_t i = info.num_imported_tables; i < info.tables.size(); ++i) {
    auto t = store.createTable(info.tables[i], nullptr);
    if (!t) return fail(t.error());
    in.table_objs_.push_back(*t);
  }
  auto evalConst = [&](const ConstExpr& c) -> vm::RawValue {
    vm::RawValue raw{};
    switch (c.kind) {
      case ConstExpr::Kind::kValue: std::memcpy(raw.bytes, c.bytes, 16); break;
      case ConstExpr::Kind::kRefNull: break;
      case ConstExpr::Kind::kRefFunc: {
        void* p = &in.func_refs_[c.index];
        std::memcpy(raw.bytes, &p, sizeof p);
        break;
      }
      case ConstExpr::Kind::kGlobalGet: raw = in.global_objs_[c.index]->vm()->value; break;
    }
    return raw;
  };
  for (size_t i = info.num_imported_globals; i < info.globals.size(); ++i) {
    Value v;
    v.type = info.globals[i].type;
    v.raw = evalConst(info.global_inits[i - info.num_imported_globals]);
    auto g = store.createGlobal(info.globals[i], v);
    if (!g) return fail(g.error());
    in.global_objs_.push_back(*g);
  }
  for (auto* m : in.memory_objs_) in.memories_.push_back(m->vm());
  for (auto* t : in.table_objs_) in.tables_.push_back(t->vm());
  for (auto* g : in.global_objs_) in.globals_.push_back(g->vm());

  // 4. The context generated code sees.
  in.ctx_.memory0_base = in.memories_.empty() ? nullptr : in.memories_[0]->base;
  in.ctx_.limits = &store.vm_limits_;
  in.ctx_.helpers = &runtimeHelpers();
  in.ctx_.memories = in.memories_.data();
  in.ctx_.tables = in.tables_.data();
  in.ctx_.globals = in.globals_.data();
  in.ctx_.funcs = in.func_refs_.data();
  in.ctx_.type_ids = module->type_ids_.data();
  in.ctx_.instance = &in;

  // Passive element segment values (ref.func resolves against this instance); active ones are
  // evaluated straight into their table below, declared ones are dropped from the start.
  auto evalRef = [&](const ConstExpr& item) {
    vm::RawValue raw = evalConst(item);
    void* p;
    std::memcpy(&p, raw.bytes, sizeof p);
    return p;
  };
  in.elem_values_.resize(info.elems.size());
  for (size_t s = 0; s < info.elems.size(); ++s) {
    if (info.elems[s].mode != SegmentMode::kPassive) continue;
    for (const auto& item : info.elems[s].items) {
      vm::RawValue raw = evalConst(item);
      void* p;
      std::memcpy(&p, raw.bytes, sizeof p);
      in.elem_values_[s].push_back(p);
    }
  }
  in.dropped_datas_ = module->active_datas_;  // active segments are dropped once applied

  // From here on the instance is observable (its functions may sit in imported tables even if
  // initialisation traps), so the store owns it.
  store.instances_.push_back(std::move(inst));

  // 5. Active element segments, then data segments, in order; each dropped afterwards.
  for (size_t s = 0; s < info.elems.size(); ++s) {
    const auto& seg = info.elems[s];
    if (seg.mode == SegmentMode::kActive) {
      uint32_t offset;
      vm::RawValue raw = evalConst(seg.offset);
      std::memcpy(&offset, raw.bytes, 4);
      Table* t = in.table_objs_[seg.table];
      if (uint64_t(offset) + seg.items.size() > t->size()) {
        return fail(trapError(vm::TrapKind::kTableOutOfBounds));
      }
      for (size_t k = 0; k < seg.items.size(); ++k) t->set(offset + k, evalRef(seg.items[k]));
    }
  }
  for (size_t s = 0; s < info.datas.size() && !module->datas_in_image_; ++s) {
    const auto& seg = info.datas[s];
    if (seg.mode != SegmentMode::kActive) continue;
    if (module->image_ && seg.memory == 0 && info.num_imported_memories == 0) continue;  // mapped
    uint32_t offset;
    vm::RawValue raw = evalConst(seg.offset);
    std::memcpy(&offset, raw.bytes, 4);
    auto dst = in.memory_objs_[seg.memory]->span(offset, seg.bytes.size());
    if (!dst) {
      return fail(trapError(vm::TrapKind::kMemoryOutOfBounds));
    }
    if (!seg.bytes.empty()) std::memcpy(dst->data(), seg.bytes.data(), seg.bytes.size());
  }

  if (auto e = in.getExport("memory")) in.memory_export_ = e->memory();

  // 6. Start function.
  if (info.start) {
    Func* start = in.funcs_[*info.start];
    if (!start) start = in.funcs_[*info.start] = store.newWasmFunc(in, *info.start);
    auto r = store.call(start, {});
    if (!r) return fail(r.error());
  }
  return &in;
}

// ---- Instance ----

Instance::~Instance() = default;

std::optional<Extern> Instance::getExport(std::string_view name) const {
  const compile::Export* e = module_->info().findExport(name);
  if (!e) return std::nullopt;
  auto* self = const_cast<Instance*>(this);
  switch (e->kind) {
    case ExternKind::kFunc: {
      Func*& f = self->funcs_[e->index];
      if (!f) f = store_->newWasmFunc(*self, e->index);
      return Extern{ExternKind::kFunc, f};
    }
    case ExternKind::kTable: return Extern{ExternKind::kTable, table_objs_[e->index]};
    case ExternKind::kMemory: return Extern{ExternKind::kMemory, memory_objs_[e->index]};
    case ExternKind::kGlobal: return Extern{ExternKind::kGlobal, global_objs_[e->index]};
  }
  return std::nullopt;
}

Extern Instance::exportAt(uint32_t index) const {
  const compile::Export& e = module_->info().exports.at(index);
  auto* self = const_cast<Instance*>(this);
  switch (e.kind) {
    case ExternKind::kFunc: {
      Func*& f = self->funcs_[e.index];
      if (!f) f = store_->newWasmFunc(*self, e.index);
      return Extern{ExternKind::kFunc, f};
    }
    case ExternKind::kTable: return Extern{ExternKind::kTable, table_objs_[e.index]};
    case ExternKind::kMemory: return Extern{ExternKind::kMemory, memory_objs_[e.index]};
    case ExternKind::kGlobal: return Extern{ExternKind::kGlobal, global_objs_[e.index]};
  }
  return Extern{};
}

Func* Instance::func(std::string_view name) const {
  auto e = getExport(name);
  return e ? e->func() : nullptr;
}

Memory* Instance::memory(std::string_view name) const {
  auto e = getExport(name);
  return e ? e->memory() : nullptr;
}

}  // namespace tern::instance
