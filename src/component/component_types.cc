// Component types at compile time: defined value types, function types, resource types, and
// instance/component types whose declarations are read again per import (fresh resources).
#include <algorithm>

#include "common/observation.h"
#include "common/limits.h"
#include "component/component_build.h"

namespace tern::component::build {

using bin::Reader;
using bin::Sort;

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

Result<const ValType*> Builder::readRef(Reader& r, Scope& s) {
  auto ref = bin::readValType(r);
  if (!ref) return fail(ref.error());
  return valType(r, s, *ref);
}

Result<const ValType*> Builder::readOptRef(Reader& r, Scope& s) {
  auto b = r.u8();
  if (!b) return fail(b.error());
  if (*b == 0x00) return nullptr;
  if (*b != 0x01) return r.malformed("invalid option encoding");
  return readRef(r, s);
}

// record, variant, tuple, flags, enum: a vector of labels and/or types.
Result<void> Builder::readCases(Reader& r, Scope& s, ValType& v) {
  auto n = r.count(limits::kMaxComponentCaseCount, "field/case");
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
      auto e = readRef(r, s);
      if (!e) return fail(e.error());
      v.elems.push_back(*e);
    } else if (v.kind == TypeKind::kVariant) {
      auto e = readOptRef(r, s);
      if (!e) return fail(e.error());
      v.elems.push_back(*e);
      auto refines = readOptRef(r, s);  // 0x00 in current binaries
      if (!refines) return fail(refines.error());
    }
  }
  return {};
}

Result<const ValType*> Builder::readDefValType(Reader& r, Scope& s, uint8_t form) {
  if (auto k = bin::primitiveKind(form)) return prim(*k);
  ValType v;
  switch (form) {
    case 0x72: case 0x71: case 0x6f: case 0x6e: case 0x6d: {
      static constexpr TypeKind kinds[] = {TypeKind::kEnum, TypeKind::kFlags, TypeKind::kTuple,
                                           TypeKind::kBool, TypeKind::kVariant, TypeKind::kRecord};
      v.kind = kinds[form - 0x6d];
      TERN_TRY(readCases(r, s, v));
      break;
    }
    case 0x70: case 0x6b: {
      v.kind = form == 0x70 ? TypeKind::kList : TypeKind::kOption;
      auto e = readRef(r, s);
      if (!e) return fail(e.error());
      v.elems.push_back(*e);
      break;
    }
    case 0x6a: {
      v.kind = TypeKind::kResult;
      for (int i = 0; i < 2; ++i) {
        auto e = readOptRef(r, s);
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
      // A bare function import counts under its own name (it has no interface).
      plan.host_funcs.push_back(HostImportFunc{iface == name ? "" : iface, name, it.func.sig,
                                               obs::interfaceId(iface)});
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

}  // namespace tern::component::build
