// A loaded Spin application at request time: the router, each component's executor with its
// limits and admission gate, and request dispatch. AppLoader (app_loader.h) builds it.
//
//   auto app = AppLoader(engine, options).load(std::move(manifest)).value();
//   http::Response r = app->handle(request);     // from any server thread
//
// handle() answers the reserved routes (/.well-known/spin/health and /info), static responses,
// and components through their executor (WAGI or wasi:http), else 404. Before a component runs:
// its request body cap (413), then its admission Gate inside the node's (503 + Retry-After when
// full and the queue is full or its wait runs out). Chained requests from guests (`self`,
// `http://<id>.spin.internal`) are answered in-process by dispatchLocal().
//
// Thread safety: an App is immutable once loaded; handle() is safe from any number of threads.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "executor/executor.h"
#include "host/outbound_http.h"
#include "http/message.h"
#include "manifest/manifest.h"
#include "trigger/admission.h"
#include "trigger/observer.h"
#include "trigger/router.h"

namespace tern::trigger {

class App {
 public:
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  http::Response handle(http::Request& request) const;

  const manifest::Manifest& manifest() const { return manifest_; }
  const Router& router() const { return router_; }
  // The largest request body any route accepts: the server's read limit.
  uint64_t maxRequestBody() const;

 private:
  friend class AppLoader;
  App() = default;

  // A component ready to serve: its executor, effective limits and admission gate.
  struct Served {
    std::unique_ptr<executor::Executor> executor;
    executor::ExecLimits limits;
    uint64_t max_request_body = 0;
    std::unique_ptr<Gate> gate;
  };

  http::Response dispatch(http::Request& request, RequestScope& scope) const;
  http::Response handleReserved(const http::Request& request) const;
  // Body cap, admission, then the executor.
  http::Response run(http::Request& request, const RouteMatch& match,
                     const manifest::HttpTrigger& trigger, const Served& served,
                     obs::RequestObservation* observation) const;
  // Outbound requests a guest sends to `self` (routed like a client request) or to
  // `<id>.spin.internal` (that component, private routes included), answered in-process.
  // A chained call to a component is observed as part of the calling request (`call`).
  std::optional<wasi2::HttpResult<wasi2::IncomingHttpResponse>> dispatchLocal(
      const wasi2::OutgoingHttpRequest& request, const wasi2::OutboundCall& call) const;

  manifest::Manifest manifest_;
  Router router_;
  Observer* observer_ = nullptr;
  uint64_t default_max_request_body_ = 0;       // when no component is served
  std::chrono::milliseconds queue_timeout_{0};  // for Retry-After
  std::map<std::string, Served, std::less<>> components_;
  std::unique_ptr<Gate> node_gate_;
  std::string stage_root_;  // the components' staged `files`, removed with the App
};

}  // namespace tern::trigger
