// Component, ComponentInstance and Session: compile (parse + resolve + compile core modules),
// per-linker import resolution (cached), instantiation and export calls.
#include <chrono>
#include <cstring>

#include "component/component_impl.h"
#include "component/instance_state.h"

namespace tern::component {

Result<std::shared_ptr<const Component>> Component::compile(instance::Engine& engine,
                                                            std::span<const uint8_t> bytes,
                                                            instance::OptLevel level) {
  if (!isComponent(bytes)) {
    return fail(ErrorCode::kComponentMalformed, "malformed component at 0x0: not a component binary "
                "(expected the preamble \\0asm, version 0x0d, layer 1)");
  }
  auto comp = std::shared_ptr<Component>(new Component());
  comp->data_ = std::make_unique<ComponentData>();
  ComponentData& data = *comp->data_;
  TERN_TRY(buildComponent(engine, bytes, level, data));
  Plan& plan = data.plan;
  plan.extern_type_ids.assign(plan.num_externs, 0);
  for (uint32_t i = 0; i < plan.num_externs; ++i) {
    if (plan.extern_kinds[i] == instance::ExternKind::kFunc) {
      plan.extern_type_ids[i] = engine.typeId(plan.extern_func_types[i]);
    }
  }
  return std::shared_ptr<const Component>(std::move(comp));
}

bool Component::isComponent(std::span<const uint8_t> bytes) {
  static constexpr uint8_t kPreamble[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
  return bytes.size() >= sizeof kPreamble && std::memcmp(bytes.data(), kPreamble, sizeof kPreamble) == 0;
}

Component::~Component() = default;

const std::vector<ExternDesc>& Component::imports() const { return data_->plan.import_descs; }
const std::vector<ExternDesc>& Component::exports() const { return data_->plan.export_descs; }

const ExternDesc* Component::findExport(std::string_view interface) const {
  for (const auto& e : data_->plan.export_descs) {
    if (e.name == interface) return &e;
  }
  for (const auto& e : data_->plan.export_descs) {
    if (interfaceNamesCompatible(e.name, interface)) return &e;
  }
  return nullptr;
}

double Component::compileSeconds() const { return data_->compile_seconds; }
bool Component::allCached() const { return data_->all_cached; }

Result<std::shared_ptr<const LinkedImports>> ComponentData::link(const ComponentLinker& linker) const {
  std::lock_guard lock(link_mu_);
  for (const auto& l : link_cache_) {
    if (l->linker_id == linker.id()) return l;
  }
  auto l = std::make_shared<LinkedImports>();
  l->linker_id = linker.id();
  for (const auto& f : plan.host_funcs) l->funcs.push_back(linker.findFunc(f.interface, f.name));
  for (const CompResource* r : plan.resource_imports) {
    l->resources.push_back(linker.findResource(r->interface, r->local_name));
  }
  constexpr size_t kMaxCachedLinkers = 8;
  if (link_cache_.size() >= kMaxCachedLinkers) link_cache_.erase(link_cache_.begin());
  link_cache_.push_back(l);
  return std::shared_ptr<const LinkedImports>(std::move(l));
}

// ---- ComponentInstance ----

ComponentInstance::~ComponentInstance() = default;

const ExportFunc* ComponentInstance::exportFunc(std::string_view interface, std::string_view name) const {
  const auto& exports = state_->data().plan.exports;
  for (const auto& e : exports) {
    if (e.name != name) continue;
    if (interface.empty() ? e.interface.empty() : e.interface == interface) return &e;
  }
  if (interface.empty()) return nullptr;
  for (const auto& e : exports) {
    if (e.name == name && !e.interface.empty() && interfaceNamesCompatible(e.interface, interface)) return &e;
  }
  return nullptr;
}

const FuncSig& ComponentInstance::signature(const ExportFunc* func) const {
  return *state_->data().plan.lifted[func->lifted].sig;
}

Result<std::vector<Val>> ComponentInstance::call(const ExportFunc* func, std::span<const Val> args) {
  if (!func) return fail(ErrorCode::kInvalidArgument, "no such exported function");
  return state_->callExport(state_->data().plan.lifted[func->lifted], args);
}

Session& ComponentInstance::session() const { return state_->session(); }

// ---- Session ----

Session::Session(instance::Engine& engine, instance::StoreLimits limits,
                 instance::RequestContext* context)
    : store_(engine, limits), context_(context) {
  store_.setContext(context);
}

Session::~Session() {
  instances_.clear();  // before the host objects and the store they point into
}

Result<ComponentInstance*> Session::instantiate(const ComponentLinker& linker,
                                                std::shared_ptr<const Component> component) {
  auto linked = component->data().link(linker);
  if (!linked) return fail(linked.error());
  if (components_.empty() || components_.back() != component) components_.push_back(component);
  auto inst = std::unique_ptr<ComponentInstance>(new ComponentInstance());
  inst->state_ = std::make_unique<InstanceState>(*this, inst.get(), std::move(component),
                                                 std::move(*linked));
  TERN_TRY(inst->state_->run());
  instances_.push_back(std::move(inst));
  return instances_.back().get();
}

}  // namespace tern::component
