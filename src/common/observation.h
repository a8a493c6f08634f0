// The one observation seam: what every stage reports of the request it serves (observe/ implements
// it).
//
// A request's observation is created by the trigger (trigger/observer.h: Observer::begin) and
// reaches every stage through the request's typed context (instance/request_context.h:
// `RequestContext::observation`), never through a thread-local or a process global:
//
//   executors:       { obs::PhaseScope p(ctx.observation, obs::Phase::kInstantiate); ...
//                      p.failed(error); }   obs::reportMemory(ctx.observation, bytes);
//   host functions:  static const uint32_t kIface =
//   obs::interfaceId("fermyon:spin/key-value@2.0.0");
//                    obs::HostCallScope scope(ctx.observation, kIface, "get");
//                    if (!ok) scope.failed();
//   outbound HTTP:   if (auto h = obs::traceHeaders(ctx.observation)) { add("traceparent", ...); }
//
// Every helper accepts a null observation (the request is not observed: `tern run`, unit tests)
// and then costs one null check.
//
// Thread safety: a RequestObservation belongs to one request and is used by the thread running
// it (one at a time). interfaceId() and interfaceNames() may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace tern::obs {

enum class Phase : uint8_t { kInstantiate, kExecute };

// Interned interface names are capped; later names share the id of the last slot's name "other".
inline constexpr uint32_t kMaxHostInterfaces = 256;

struct TraceHeaders {
  std::string traceparent;  // "00-<trace id>-<span id>-<flags>"
  std::string tracestate;   // may be empty
};

// One request's observation. Destroyed when the request is over (after end()).
class RequestObservation {
 public:
  virtual ~RequestObservation() = default;
  // The route matched: component id ("" for static responses and 404) and the manifest route.
  virtual void routed(std::string_view component, std::string_view route) = 0;
  virtual void phaseBegin(Phase phase) = 0;
  // `error`: why the phase failed (a trap, an exit, a link error), or null.
  virtual void phaseEnd(Phase phase, const Error* error) = 0;
  // The guest's linear memory now, in bytes (absolute; the observer tracks the change).
  virtual void memoryInUse(uint64_t bytes) = 0;
  // A host call of `interface_id` (interfaceId()) begins / ends; strictly nested.
  virtual void hostCallBegin(uint32_t interface_id, std::string_view function) = 0;
  virtual void hostCallEnd(uint32_t interface_id, bool failed) = 0;
  // The trace context an outbound request made now should carry; nullopt when not traced.
  virtual std::optional<TraceHeaders> traceHeaders() const = 0;
  // The request's trace id as 32 hex digits, or "" (for log lines).
  virtual std::string traceId() const = 0;
  // The response is ready, with this status.
  virtual void end(uint16_t status) = 0;
};

// A small dense id for `name` ("wasi:io/streams@0.2.10"); the same name gives the same id. Takes
// a lock: call it once per call site (a function-local static) or at load, not per call.
uint32_t interfaceId(std::string_view name);
// The interned names, indexed by id (a copy; for rendering metrics).
std::vector<std::string> interfaceNames();

// RAII: one host call of the observed request (no-op for a null observation).
class HostCallScope {
 public:
  HostCallScope(RequestObservation* observation, uint32_t interface_id, std::string_view function)
      : observation_(observation), interface_(interface_id) {
    if (observation_) observation_->hostCallBegin(interface_, function);
  }
  ~HostCallScope() {
    if (observation_) observation_->hostCallEnd(interface_, failed_);
  }
  HostCallScope(const HostCallScope&) = delete;
  HostCallScope& operator=(const HostCallScope&) = delete;
  // The call failed (a trap or an error status the span should show).
  void failed() { failed_ = true; }

 private:
  RequestObservation* observation_;
  uint32_t interface_;
  bool failed_ = false;
};

// RAII: one phase of the observed request (no-op for a null observation).
class PhaseScope {
 public:
  PhaseScope(RequestObservation* observation, Phase phase)
      : observation_(observation), phase_(phase) {
    if (observation_) observation_->phaseBegin(phase_);
  }
  ~PhaseScope() {
    if (observation_) observation_->phaseEnd(phase_, error_.get());
  }
  PhaseScope(const PhaseScope&) = delete;
  PhaseScope& operator=(const PhaseScope&) = delete;
  // The phase failed with `error` (copied; reported when the scope ends).
  void failed(const Error& error) {
    if (observation_) error_ = std::make_unique<Error>(error);
  }

 private:
  RequestObservation* observation_;
  Phase phase_;
  std::unique_ptr<Error> error_;
};

inline void reportMemory(RequestObservation* observation, uint64_t bytes) {
  if (observation) observation->memoryInUse(bytes);
}

inline std::optional<TraceHeaders> traceHeaders(const RequestObservation* observation) {
  return observation ? observation->traceHeaders() : std::nullopt;
}

}  // namespace tern::obs
