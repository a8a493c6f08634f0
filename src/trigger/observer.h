// What the trigger tells a metrics/tracing backend (observe/ implements it): compiles at load, and
// one RequestObservation (common/observation.h) per request.
//
//   App::handle:   RequestScope scope(observer, req);        // Observer::begin
//                  ... scope.routed(id, route); ... executor gets scope.observation() ...
//                  scope.end(response);
//
// The observation then travels with the request, explicitly: in executor::Invocation, in the
// request's instance::RequestContext, to every host call. No thread-local, no process global.
//
// Thread safety: Observer methods are called from every server thread at once; a RequestScope
// belongs to its request.
#pragma once

#include <memory>
#include <string_view>

#include "common/observation.h"
#include "http/message.h"
#include "instance/engine.h"

namespace tern::trigger {

class Observer {
 public:
  virtual ~Observer() = default;
  // At load, once per compiled component (cache hit or miss, compile seconds).
  virtual void componentCompiled(std::string_view component,
                                 const instance::CompileStats& stats) = 0;
  // A request arrived (before routing); its headers carry any incoming trace context.
  virtual std::unique_ptr<obs::RequestObservation> begin(const http::Request& request) = 0;
};

// RAII: observes one request from arrival to response. A null observer makes every call a no-op
// and observation() null.
class RequestScope {
 public:
  RequestScope(Observer* observer, const http::Request& request)
      : observation_(observer ? observer->begin(request) : nullptr) {}
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;

  obs::RequestObservation* observation() const { return observation_.get(); }
  void routed(std::string_view component, std::string_view route) {
    if (observation_) observation_->routed(component, route);
  }
  void end(const http::Response& response) {
    if (!observation_ || ended_) return;
    ended_ = true;
    observation_->end(response.status);
  }

 private:
  std::unique_ptr<obs::RequestObservation> observation_;
  bool ended_ = false;
};

}  // namespace tern::trigger
