// Host side of the component model: host objects by rep, the interface-keyed linker with
// semver-compatible name matching, and what a host function sees of its call.
#include "component/linker.h"

#include <atomic>
#include <charconv>

#include "common/limits.h"
#include "component/component.h"

namespace tern::component {

// ---- HostResources ----

Result<uint32_t> HostResources::add(const ResourceType* type, std::unique_ptr<HostObject> object) {
  if (live_ >= limits::kMaxHostResources) {
    return fail(ErrorCode::kResourceExhausted, "too many live host resources (limit ",
                std::to_string(limits::kMaxHostResources), ")");
  }
  uint32_t rep;
  if (!free_.empty()) {
    rep = free_.back();
    free_.pop_back();
  } else {
    rep = uint32_t(entries_.size());
    entries_.emplace_back();
  }
  entries_[rep] = Entry{type, std::move(object)};
  ++live_;
  return rep;
}

HostObject* HostResources::get(const ResourceType* type, uint32_t rep) const {
  if (rep == 0 || rep >= entries_.size()) return nullptr;
  const Entry& e = entries_[rep];
  if (!e.object || e.type != type) return nullptr;
  return e.object.get();
}

bool HostResources::remove(const ResourceType* type, uint32_t rep) {
  if (!get(type, rep)) return false;
  // Move out first: the object's destructor may add or remove other resources.
  std::unique_ptr<HostObject> dead = std::move(entries_[rep].object);
  entries_[rep].type = nullptr;
  free_.push_back(rep);
  --live_;
  dead.reset();
  return true;
}

// ---- HostCall ----

HostResources& HostCall::resources() { return session_.resources(); }
instance::Store& HostCall::store() { return session_.store(); }
instance::RequestContext* HostCall::context() { return session_.context(); }

obs::RequestObservation* HostCall::observation() {
  instance::RequestContext* c = session_.context();
  return c ? c->observation : nullptr;
}

// ---- names ----

namespace {

struct ParsedName {
  std::string_view base;     // "wasi:io/streams"
  bool has_version = false;
  uint64_t major = 0, minor = 0, patch = 0;
  std::string_view pre;      // "-rc.1"/"+build": must then match exactly
};

ParsedName parseName(std::string_view name) {
  ParsedName p;
  size_t at = name.find('@');
  p.base = name.substr(0, at);
  if (at == std::string_view::npos) return p;
  p.has_version = true;
  std::string_view v = name.substr(at + 1);
  uint64_t* parts[] = {&p.major, &p.minor, &p.patch};
  const char* cur = v.data();
  const char* end = v.data() + v.size();
  for (int i = 0; i < 3; ++i) {
    auto r = std::from_chars(cur, end, *parts[i]);
    cur = r.ptr;
    if (i < 2 && cur < end && *cur == '.') ++cur;
    else break;
  }
  p.pre = std::string_view(cur, size_t(end - cur));
  return p;
}

}  // namespace

bool interfaceNamesCompatible(std::string_view a, std::string_view b) {
  if (a == b) return true;
  ParsedName x = parseName(a), y = parseName(b);
  if (x.base != y.base || x.has_version != y.has_version) return false;
  if (!x.pre.empty() || !y.pre.empty()) return false;  // prereleases match only exactly
  if (x.major != y.major) return false;
  if (x.major == 0) return x.minor == y.minor;
  return true;
}

// ---- ComponentLinker ----

uint64_t ComponentLinker::nextId() {
  static std::atomic<uint64_t> counter{1};
  return counter.fetch_add(1, std::memory_order_relaxed);
}

ComponentLinker::Iface* ComponentLinker::find(std::string_view interface) const {
  for (const auto& i : ifaces_) {
    if (i->full_name == interface) return i.get();
  }
  for (const auto& i : ifaces_) {
    if (interfaceNamesCompatible(i->full_name, interface)) return i.get();
  }
  return nullptr;
}

ComponentLinker::Iface& ComponentLinker::findOrAdd(std::string_view interface) {
  id_ = nextId();
  if (Iface* i = find(interface)) return *i;
  ifaces_.push_back(std::make_unique<Iface>());
  ifaces_.back()->full_name = std::string(interface);
  return *ifaces_.back();
}

const ResourceType* ComponentLinker::defineResource(std::string_view interface,
                                                    std::string_view resource) {
  Iface& i = findOrAdd(interface);
  auto it = i.resources.find(resource);
  if (it != i.resources.end()) return it->second.get();
  auto type = std::make_unique<ResourceType>();
  type->name = i.full_name + "." + std::string(resource);
  type->host = true;
  const ResourceType* out = type.get();
  i.resources.emplace(std::string(resource), std::move(type));
  return out;
}

void ComponentLinker::defineFunc(std::string_view interface, std::string_view name, HostFunc func) {
  findOrAdd(interface).funcs.insert_or_assign(std::string(name), std::move(func));
}

const ResourceType* ComponentLinker::findResource(std::string_view interface,
                                                  std::string_view resource) const {
  Iface* i = find(interface);
  if (!i) return nullptr;
  auto it = i->resources.find(resource);
  return it == i->resources.end() ? nullptr : it->second.get();
}

const HostFunc* ComponentLinker::findFunc(std::string_view interface, std::string_view name) const {
  Iface* i = find(interface);
  if (!i) return nullptr;
  auto it = i->funcs.find(name);
  return it == i->funcs.end() ? nullptr : &it->second;
}

}  // namespace tern::component
