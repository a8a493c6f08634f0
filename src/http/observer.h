// Observation hooks of the HTTP trigger: what a metrics/tracing backend (observe/) is told.
//
// http/ only declares them; observe/ (to its right in the stage order) implements Observer, and
// `tern up` passes one in AppOptions. With no observer every hook is a null check.
//
//   App::handle:      RequestScope scope(observer, req);  ... scope.routed(id, route);
//                     ... scope.end(response);
//   executors:        { PhaseScope p(Phase::kInstantiate); ... p.failed(error); }
//                     PhaseScope::reportMemory(bytes);   // guest linear memory in use
//
// A request runs start to end on one thread (the loop that accepted it), so RequestScope installs
// its observation as the thread's current one (saved and restored: scopes nest) and the executors
// find it there without new parameters.
//
// Thread safety: Observer methods are called from every server thread at once; a
// RequestObservation is used by its request's thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"
#include "http/message.h"
#include "instance/engine.h"

namespace tern::http {

enum class Phase : uint8_t { kInstantiate, kExecute };

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
  // The response is ready.
  virtual void end(const Response& response) = 0;
  // The request's trace id as 32 hex digits, or "" (for log lines).
  virtual std::string traceId() const = 0;
};

class Observer {
 public:
  virtual ~Observer() = default;
  // At load, once per compiled component (cache hit or miss, compile seconds).
  virtual void componentCompiled(std::string_view component,
                                 const instance::CompileStats& stats) = 0;
  // A request arrived (before routing); its headers carry any incoming trace context.
  virtual std::unique_ptr<RequestObservation> begin(const Request& request) = 0;
};

// The observation of the request this thread is running, or null.
RequestObservation* currentObservation();

// RAII: observes one request and makes it this thread's current one (the previous one is
// restored on destruction). A null observer makes every call a no-op.
class RequestScope {
 public:
  RequestScope(Observer* observer, const Request& request);
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;
  void routed(std::string_view component, std::string_view route);
  void end(const Response& response);

 private:
  std::unique_ptr<RequestObservation> observation_;
  RequestObservation* previous_ = nullptr;
  bool ended_ = false;
};

// RAII: one phase of the current request (no-op when none is observed).
class PhaseScope {
 public:
  explicit PhaseScope(Phase phase);
  ~PhaseScope();
  PhaseScope(const PhaseScope&) = delete;
  PhaseScope& operator=(const PhaseScope&) = delete;
  // The phase failed with `error` (copied; reported when the scope ends).
  void failed(const Error& error);
  // Reports the guest's linear memory of the current request.
  static void reportMemory(uint64_t bytes);

 private:
  RequestObservation* observation_;
  Phase phase_;
  std::unique_ptr<Error> error_;
};

}  // namespace tern::http
