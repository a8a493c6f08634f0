// Host-call and trace-context hooks: host APIs report their calls here; observe/ implements them.
//
// A host function (WASI, a component interface, outbound HTTP) opens a HostCallScope around its
// work. The interface id is interned once per call site, so a call costs one relaxed atomic load
// when no observer is installed, and a per-thread counter (plus a span when the request is traced)
// when one is:
//
//   static const uint32_t kIface = hooks::hostInterfaceId("fermyon:spin/key-value@2.0.0");
//   hooks::HostCallScope scope(kIface, "get");
//   ...
//   if (!ok) scope.failed();
//
// The outbound HTTP client asks for the trace headers of the current span (W3C Trace Context):
//
//   if (auto h = hooks::currentTraceHeaders()) { add("traceparent", h->traceparent); ... }
//
// Thread safety: hostInterfaceId() and the scopes may be used from any thread. The observer is
// installed once at start-up (before serving) and must outlive every call; it is never removed
// while guests run.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::hooks {

// Interned interface names are capped; later names share the id of the last slot's name "other".
inline constexpr uint32_t kMaxHostInterfaces = 256;

struct TraceHeaders {
  std::string traceparent;  // "00-<trace id>-<span id>-<flags>"
  std::string tracestate;   // may be empty
};

// Implemented by observe/. begin/end pair up on one thread (strictly nested).
class HostCallObserver {
 public:
  virtual ~HostCallObserver() = default;
  virtual void hostCallBegin(uint32_t interface_id, std::string_view function) noexcept = 0;
  virtual void hostCallEnd(uint32_t interface_id, bool failed) noexcept = 0;
  // The trace context an outbound request from this thread should carry; nullopt when the thread
  // runs no traced request.
  virtual std::optional<TraceHeaders> traceHeaders() const = 0;
};

namespace detail {
inline std::atomic<HostCallObserver*>& observerSlot() {
  static std::atomic<HostCallObserver*> slot{nullptr};
  return slot;
}
struct InterfaceTable {
  std::mutex mutex;
  std::vector<std::string> names;
};
inline InterfaceTable& interfaceTable() {
  static InterfaceTable table;
  return table;
}
}  // namespace detail

// Installs (or, with nullptr, removes) the process's observer. Not for use while guests run.
inline void setHostCallObserver(HostCallObserver* observer) {
  detail::observerSlot().store(observer, std::memory_order_release);
}
inline HostCallObserver* hostCallObserver() {
  return detail::observerSlot().load(std::memory_order_acquire);
}

// A small dense id for `name` ("wasi:io/streams@0.2.10"); the same name gives the same id. Takes
// a lock: call it once per call site (a function-local static), not per call.
inline uint32_t hostInterfaceId(std::string_view name) {
  auto& t = detail::interfaceTable();
  std::lock_guard lock(t.mutex);
  for (uint32_t i = 0; i < t.names.size(); ++i) {
    if (t.names[i] == name) return i;
  }
  if (t.names.size() + 1 >= kMaxHostInterfaces) {
    if (t.names.size() + 1 == kMaxHostInterfaces) t.names.emplace_back("other");
    return kMaxHostInterfaces - 1;
  }
  t.names.emplace_back(name);
  return static_cast<uint32_t>(t.names.size() - 1);
}

// The interned names, indexed by id (a copy; for rendering metrics).
inline std::vector<std::string> hostInterfaceNames() {
  auto& t = detail::interfaceTable();
  std::lock_guard lock(t.mutex);
  return t.names;
}

// Reports one host call to the observer, if any, for the scope's lifetime.
class HostCallScope {
 public:
  HostCallScope(uint32_t interface_id, std::string_view function)
      : observer_(hostCallObserver()), interface_(interface_id) {
    if (observer_) observer_->hostCallBegin(interface_, function);
  }
  ~HostCallScope() {
    if (observer_) observer_->hostCallEnd(interface_, failed_);
  }
  HostCallScope(const HostCallScope&) = delete;
  HostCallScope& operator=(const HostCallScope&) = delete;
  // The call failed (a trap or an error status the span should show).
  void failed() { failed_ = true; }

 private:
  HostCallObserver* observer_;
  uint32_t interface_;
  bool failed_ = false;
};

// The current span's W3C trace headers for an outbound request; nullopt when not traced.
inline std::optional<TraceHeaders> currentTraceHeaders() {
  HostCallObserver* o = hostCallObserver();
  return o ? o->traceHeaders() : std::nullopt;
}

}  // namespace tern::hooks
