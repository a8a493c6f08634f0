// Components: compile a component binary, instantiate it in a Session, call its exports.
//
//   auto comp = Component::compile(engine, bytes).value();   // nested core modules compiled
//   ComponentLinker linker;  wasi2::define(linker); http::defineWasiHttp(linker);
//   Session session(engine, limits, &request_context);       // instance/request_context.h
//   ComponentInstance* inst = session.instantiate(linker, comp).value();
//   auto* handle = inst->exportFunc("wasi:http/incoming-handler@0.2.0", "handle");
//   inst->call(handle, {Val::own(req_rep), Val::own(outparam_rep)});
//
// Thread safety: a Component is immutable and shareable across threads. A Session (its Store,
// host objects and instances) is used by one thread at a time.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "component/linker.h"
#include "component/val.h"
#include "instance/engine.h"

namespace tern::component {

struct ComponentData;  // parsed + resolved component (component_impl.h)
class InstanceState;

// One import or export of a component, as WIT would name it.
struct ExternDesc {
  std::string name;  // "wasi:io/streams@0.2.12" (an instance) or "run" (a bare function)
  bool is_instance = false;
  std::vector<std::string> funcs;  // the instance's function names, or {name} for a function
};

// A compiled component: immutable, shareable.
class Component {
 public:
  // Parses and validates the component binary; compiles every nested core module with `engine`
  // (through its artifact cache). Errors: kComponentMalformed/kComponentInvalid/kComponentUnsupported with the byte offset
  // (a nested core module: compile/'s kMalformed/kInvalid).
  static Result<std::shared_ptr<const Component>> compile(instance::Engine& engine,
                                                          std::span<const uint8_t> bytes,
                                                          instance::OptLevel level = instance::OptLevel::kFast);
  // True when `bytes` starts with the component preamble (version 0x0d, layer 1), as opposed
  // to a core module.
  static bool isComponent(std::span<const uint8_t> bytes);
  ~Component();

  const std::vector<ExternDesc>& imports() const;
  const std::vector<ExternDesc>& exports() const;
  // The export compatible with `interface` (semver rules of interfaceNamesCompatible), or null.
  const ExternDesc* findExport(std::string_view interface) const;
  double compileSeconds() const;  // wall time compiling core modules (0 when all were cached)
  bool allCached() const;
  const ComponentData& data() const { return *data_; }

 private:
  Component() = default;
  std::unique_ptr<ComponentData> data_;
};

// An exported component function, resolved once (lookups are not on the request path).
struct ExportFunc;

class ComponentInstance {
 public:
  ~ComponentInstance();
  // `interface` empty for a bare exported function.
  const ExportFunc* exportFunc(std::string_view interface, std::string_view name) const;
  const FuncSig& signature(const ExportFunc* func) const;
  // Calls an export: lowers `args` into the guest (own<host resource> args move into this
  // instance's handle table), runs it, lifts the results, then runs post-return. Traps,
  // deadlines and exits come back as errors; the instance may not be entered again after a trap.
  Result<std::vector<Val>> call(const ExportFunc* func, std::span<const Val> args);
  Session& session() const;

 private:
  friend class Session;
  ComponentInstance() = default;
  std::unique_ptr<InstanceState> state_;
};

// Everything one request (or one `tern run`) creates: the Store, the host objects, the
// component instances. Destroying it frees all of them; nothing a guest did survives it.
// `context` (may be null: no host state, as in unit tests) is the request it serves; it must
// outlive the Session.
class Session {
 public:
  Session(instance::Engine& engine, instance::StoreLimits limits,
          instance::RequestContext* context);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Result<ComponentInstance*> instantiate(const ComponentLinker& linker,
                                         std::shared_ptr<const Component> component);
  instance::Store& store() { return store_; }
  HostResources& resources() { return resources_; }
  instance::RequestContext* context() const { return context_; }

 private:
  // Declared first so they outlive the store, whose functions point at their types.
  std::vector<std::shared_ptr<const Component>> components_;
  instance::Store store_;
  HostResources resources_;
  instance::RequestContext* context_;
  std::vector<std::unique_ptr<ComponentInstance>> instances_;
};

}  // namespace tern::component
