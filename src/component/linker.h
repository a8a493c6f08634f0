// The host side of the component model: host resources, host functions, and the linker that
// satisfies a component's imports by interface name (semver-compatible).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "component/val.h"
#include "instance/engine.h"

namespace tern::component {

class Session;
class ComponentInstance;

// Base of every host resource object (an input-stream, a fields map, a descriptor, ...).
struct HostObject {
  virtual ~HostObject() = default;
};

// The host objects of one Session, keyed by rep. A guest sees them only through handles in its
// instances' handle tables; the rep is what `Val::own/borrow` carry across the host boundary.
// Dropping the last own handle (`resource.drop`, or the host calling remove()) destroys the object.
// Not thread-safe: belongs to one Session.
class HostResources {
 public:
  // Stores `object` as a resource of `type`; returns its rep (never 0). kResourceLimit past
  // kMaxHostResources live objects (a guest cannot exhaust the host by leaking handles).
  Result<uint32_t> add(const ResourceType* type, std::unique_ptr<HostObject> object);
  // The object for `rep` if it is live and of `type`, else null.
  HostObject* get(const ResourceType* type, uint32_t rep) const;
  template <class T>
  T* get(const ResourceType* type, uint32_t rep) const {
    return static_cast<T*>(get(type, rep));
  }
  // Destroys the object; false when `rep` is not a live object of `type`.
  bool remove(const ResourceType* type, uint32_t rep);
  size_t live() const { return live_; }

 private:
  struct Entry {
    const ResourceType* type = nullptr;
    std::unique_ptr<HostObject> object;
  };
  std::vector<Entry> entries_{1};  // rep 0 is never used
  std::vector<uint32_t> free_;
  size_t live_ = 0;
};

// What a host function sees of its call.
class HostCall {
 public:
  HostCall(Session& session, ComponentInstance* instance) : session_(session), instance_(instance) {}
  Session& session() { return session_; }
  ComponentInstance* instance() { return instance_; }  // the calling instance (null in unit tests)
  HostResources& resources();
  instance::Store& store();
  // The request the call serves (Session::context()); null in sessions without one.
  instance::RequestContext* context();
  // Its observation, or null.
  obs::RequestObservation* observation();

 private:
  Session& session_;
  ComponentInstance* instance_;
};

// A host function: `args` are lifted per the import's type (own/borrow carry reps of host
// resources), `results` has one slot per result and must be filled with values of the import's
// result types (checked when lowered: a mismatch traps). Returning an error traps the guest
// (kHost), or ends it with kExit (wasi:cli/exit).
using HostFunc = std::function<Result<void>(HostCall& call, std::span<Val> args, std::span<Val> results)>;

// Splits "wasi:io/streams@0.2.12" into package/interface ("wasi:io/streams") and version.
// Two names are compatible when they name the same interface and their versions are
// semver-compatible: same major, and for 0.x the same minor (0.2.10 ~ 0.2.12 ~ 0.2.0).
bool interfaceNamesCompatible(std::string_view a, std::string_view b);

// Host definitions by interface. Defining is not thread-safe; once defined, instantiate() may be
// called from many threads at once.
class ComponentLinker {
 public:
  // The resource type `resource` of `interface` (e.g. "wasi:io/streams@0.2.12", "output-stream").
  // Returns the same object for every compatible version.
  const ResourceType* defineResource(std::string_view interface, std::string_view resource);
  // A function of `interface`: "get-environment", "[method]output-stream.write",
  // "[static]fields.from-list", "[constructor]fields", "[resource-drop]..." is never needed
  // (drops of host resources destroy the HostObject).
  void defineFunc(std::string_view interface, std::string_view name, HostFunc func);

  // Lookups used by instantiation (and by host unit tests).
  const ResourceType* findResource(std::string_view interface, std::string_view resource) const;
  const HostFunc* findFunc(std::string_view interface, std::string_view name) const;
  // Changes whenever something is defined; never the same for two linkers (components cache
  // their import resolution per id).
  uint64_t id() const { return id_; }

 private:
  static uint64_t nextId();
  uint64_t id_ = nextId();
  struct Iface {
    std::string full_name;  // as first defined, e.g. "wasi:io/streams@0.2.12"
    std::map<std::string, std::unique_ptr<ResourceType>, std::less<>> resources;
    std::map<std::string, HostFunc, std::less<>> funcs;
  };
  Iface* find(std::string_view interface) const;
  Iface& findOrAdd(std::string_view interface);
  std::vector<std::unique_ptr<Iface>> ifaces_;
};

}  // namespace tern::component
