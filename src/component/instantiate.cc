// Component instantiation and calls: runs the compile-time plan as a flat loop over slots, and
// adapts between host values and core code (canon lower for imports, canon lift for exports).
#include <string>

#include "common/observation.h"
#include "component/instance_state.h"

namespace tern::component {

using instance::Extern;
using instance::ExternKind;
using instance::Value;

InstanceState::InstanceState(Session& session, ComponentInstance* owner,
                             std::shared_ptr<const Component> component,
                             std::shared_ptr<const LinkedImports> linked)
    : session_(session),
      owner_(owner),
      component_(std::move(component)),
      data_(component_->data()),
      linked_(std::move(linked)) {}

Result<void> InstanceState::run() {
  const Plan& plan = data_.plan;
  externs_.assign(plan.num_externs, Extern{});
  cores_.assign(plan.num_core_instances, nullptr);
  std::vector<Extern> scratch;
  for (const Step& step : plan.steps) TERN_TRY(runStep(step, scratch));
  return {};
}

Result<void> InstanceState::runStep(const Step& step, std::vector<Extern>& scratch) {
  const Plan& plan = data_.plan;
  switch (step.kind) {
    case Step::kInstantiate: {
      scratch.resize(step.c);
      for (uint32_t i = 0; i < step.c; ++i) scratch[i] = externs_[plan.import_slots[step.b + i]];
      auto inst = instance::Linker::instantiateWith(session_.store(), data_.modules[step.a], scratch);
      if (!inst) return fail(inst.error());
      cores_[step.out] = *inst;
      return {};
    }
    case Step::kExport:
      externs_[step.out] = cores_[step.a]->exportAt(step.b);
      return {};
    case Step::kLower: {
      const LoweredFunc& f = plan.lowered[step.a];
      if (f.host && !linked_->funcs[f.target]) {
        const HostImportFunc& h = plan.host_funcs[f.target];
        return fail(ErrorCode::kUnlinkable, "component import ",
                    h.interface.empty() ? std::string() : h.interface + " ", "function \"", h.name,
                    "\" is not defined by the host");
      }
      externs_[step.out] = Extern{ExternKind::kFunc, makeLowered(step)};
      return {};
    }
    case Step::kResourceNew:
    case Step::kResourceDrop:
    case Step::kResourceRep:
      externs_[step.out] = Extern{ExternKind::kFunc, makeResourceFunc(step)};
      return {};
  }
  return {};
}

instance::Func* InstanceState::makeLowered(const Step& step) {
  const LoweredFunc* f = &data_.plan.lowered[step.a];
  return session_.store().createHostFunc(
      &data_.plan.extern_func_types[step.out],
      [this, f](instance::Caller&, std::span<const Value> args, std::span<Value> results) {
        return callLowered(*f, args, results);
      },
      data_.plan.extern_type_ids[step.out]);
}

instance::Func* InstanceState::makeResourceFunc(const Step& step) {
  const CompResource* res = data_.resources[step.a].get();
  instance::HostCallback cb;
  switch (step.kind) {
    case Step::kResourceNew:
      cb = [this, res](instance::Caller&, std::span<const Value> args, std::span<Value> results) -> Result<void> {
        auto h = handles_.add(res, uint32_t(args[0].asI32()), true);
        if (!h) return fail(h.error());
        results[0] = Value::i32(int32_t(*h));
        return {};
      };
      break;
    case Step::kResourceRep:
      cb = [this, res](instance::Caller&, std::span<const Value> args, std::span<Value> results) -> Result<void> {
        auto e = handles_.expect(res, uint32_t(args[0].asI32()));
        if (!e) return fail(e.error());
        results[0] = Value::i32(int32_t(e->rep));
        return {};
      };
      break;
    default:
      cb = [this, res](instance::Caller&, std::span<const Value> args, std::span<Value>) {
        return dropHandle(*res, uint32_t(args[0].asI32()));
      };
      break;
  }
  return session_.store().createHostFunc(&data_.plan.extern_func_types[step.out], std::move(cb),
                                         data_.plan.extern_type_ids[step.out]);
}

// resource.drop (spec: canon_resource_drop): an own handle's resource is destroyed (host
// object removed, or the guest destructor run); a borrow handle just goes away.
Result<void> InstanceState::dropHandle(const CompResource& res, uint32_t handle) {
  auto e = handles_.expect(&res, handle);
  if (!e) return fail(e.error());
  handles_.remove(handle);
  if (!e->own) {
    std::erase(lent_, handle);
    return {};
  }
  if (res.imported()) {
    if (const ResourceType* host = linked_->resources[res.import_index]) {
      session_.resources().remove(host, e->rep);
    }
    return {};
  }
  if (res.dtor_slot >= 0) {
    Value rep = Value::i32(int32_t(e->rep));
    auto r = session_.store().call(externs_[res.dtor_slot].func(), std::span<const Value>(&rep, 1));
    if (!r) return fail(r.error());
  }
  return {};
}

CanonOptions InstanceState::options(const OptSlots& s) const {
  CanonOptions o;
  o.encoding = s.encoding;
  if (s.memory >= 0) o.memory = externs_[s.memory].memory();
  if (s.realloc >= 0) o.realloc = externs_[s.realloc].func();
  if (s.post_return >= 0) o.post_return = externs_[s.post_return].func();
  return o;
}

// A lowered import called by core code: lift the arguments out of the guest, call the host
// function (or the lifted function this adapter wraps), lower the results back.
Result<void> InstanceState::callLowered(const LoweredFunc& f, std::span<const Value> args,
                                        std::span<Value> results) {
  CanonOptions opts = options(f.opts);
  CanonContext cx{session_.store(), opts, *this};
  uint32_t out_ptr = 0;
  if (f.results_in_memory) {
    out_ptr = uint32_t(args.back().asI32());
    args = args.first(args.size() - 1);
  }
  auto vals = liftFlatValues(cx, f.params, args, kMaxFlatParams);
  if (!vals) return fail(vals.error());
  std::vector<Val> out(f.results.size());
  if (f.host) {
    const HostImportFunc& h = data_.plan.host_funcs[f.target];
    HostCall call(session_, owner_);
    obs::HostCallScope scope(call.observation(), h.interface_id, h.name);
    auto r = (*linked_->funcs[f.target])(call, *vals, out);
    if (!r) {
      scope.failed();
      return fail(r.error());
    }
  } else {
    auto r = callLifted(data_.plan.lifted[f.target], *vals);
    if (!r) return fail(r.error());
    out = std::move(*r);
  }
  std::vector<Value> flat;
  TERN_TRY(lowerFlatValues(cx, f.results, out, kMaxFlatResults, flat,
                           f.results_in_memory ? &out_ptr : nullptr));
  if (flat.size() != results.size()) {
    return fail(ErrorCode::kTrap, "lowered results do not match the core signature");
  }
  for (size_t i = 0; i < flat.size(); ++i) results[i] = flat[i];
  return {};
}

namespace {

// The host's arguments against the export's parameter types, before any guest code runs (a
// mismatch is the caller's mistake, not a trap of the instance).
bool matches(const ValType& t, const Val& v, int depth = 0) {
  if (v.kind != t.kind || depth > 200) return false;
  auto elem = [&](size_t i) { return i < t.elems.size() ? t.elems[i] : nullptr; };
  switch (t.kind) {
    case TypeKind::kList:
      if (elem(0) && elem(0)->kind == TypeKind::kU8 && v.items.empty()) return true;
      for (const Val& x : v.items) {
        if (!elem(0) || !matches(*elem(0), x, depth + 1)) return false;
      }
      return true;
    case TypeKind::kRecord:
    case TypeKind::kTuple:
      if (v.items.size() != t.elems.size()) return false;
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (!matches(*t.elems[i], v.items[i], depth + 1)) return false;
      }
      return true;
    case TypeKind::kVariant:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      const ValType* payload = t.kind == TypeKind::kVariant ? elem(v.disc)
                               : t.kind == TypeKind::kOption ? (v.disc == 1 ? elem(0) : nullptr)
                                                             : elem(v.disc);
      if (t.kind == TypeKind::kVariant && v.disc >= t.elems.size()) return false;
      if (t.kind != TypeKind::kVariant && v.disc > 1) return false;
      if (!payload) return v.items.empty();
      return v.items.size() == 1 && matches(*payload, v.items[0], depth + 1);
    }
    case TypeKind::kEnum: return v.disc < t.labels.size();
    default: return true;
  }
}

}  // namespace

Result<std::vector<Val>> InstanceState::callLifted(const LiftedFunc& func,
                                                   std::span<const Val> args) {
  if (args.size() != func.params.size()) {
    return fail(ErrorCode::kInvalidArgument, "expected ", std::to_string(func.params.size()),
                " arguments, got ", std::to_string(args.size()));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (!matches(*func.params[i], args[i])) {
      return fail(ErrorCode::kInvalidArgument, "argument ", std::to_string(i), " (",
                  func.sig->params[i].first, ") is not a ", typeName(*func.params[i]));
    }
  }
  CanonOptions opts = options(func.opts);
  CanonContext cx{session_.store(), opts, *this};
  std::vector<Value> flat;
  TERN_TRY(lowerFlatValues(cx, func.params, args, kMaxFlatParams, flat));
  auto core = session_.store().call(externs_[func.core_func_slot].func(), flat);
  if (!core) return fail(core.error());
  auto vals = liftFlatValues(cx, func.results, *core, kMaxFlatResults);
  if (!vals) return fail(vals.error());
  if (opts.post_return) {
    auto r = session_.store().call(opts.post_return, *core);
    if (!r) return fail(r.error());
  }
  return vals;
}

Result<std::vector<Val>> InstanceState::callExport(const LiftedFunc& func,
                                                   std::span<const Val> args) {
  if (poisoned_) return fail(ErrorCode::kTrap, "component instance trapped earlier; it may not be entered again");
  if (in_export_) return fail(ErrorCode::kTrap, "component instance re-entered");
  in_export_ = true;
  size_t mark = lent_.size();
  auto r = callLifted(func, args);
  endBorrowScope(mark);
  in_export_ = false;
  if (!r && (r.error().code == ErrorCode::kTrap || r.error().code == ErrorCode::kExit)) poisoned_ = true;
  return r;
}

void InstanceState::endBorrowScope(size_t mark) {
  // Borrows lent for the call end with it (spec: a callee must drop them before returning; we
  // drop what it left rather than trapping the host's call).
  for (size_t i = mark; i < lent_.size(); ++i) handles_.remove(lent_[i]);
  lent_.resize(mark);
}

// ---- HandleOps ----

Result<uint32_t> InstanceState::liftOwn(const ResourceType* type, uint32_t handle) {
  auto e = handles_.expect(type, handle);
  if (!e) return fail(e.error());
  if (!e->own) return fail(ErrorCode::kTrap, "resource handle ", std::to_string(handle), " is a borrow, not an own handle");
  handles_.remove(handle);
  return e->rep;
}

Result<uint32_t> InstanceState::liftBorrow(const ResourceType* type, uint32_t handle) {
  auto e = handles_.expect(type, handle);
  if (!e) return fail(e.error());
  return e->rep;
}

Result<uint32_t> InstanceState::lowerOwn(const ResourceType* type, uint32_t rep) {
  return handles_.add(type, rep, true);
}

Result<uint32_t> InstanceState::lowerBorrow(const ResourceType* type, uint32_t rep) {
  // A borrow of a resource this instance defines is passed as its rep (spec: lower_borrow).
  if (!static_cast<const CompResource*>(type)->imported()) return rep;
  auto h = handles_.add(type, rep, false);
  if (!h) return fail(h.error());
  lent_.push_back(*h);
  return *h;
}

}  // namespace tern::component
