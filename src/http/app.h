// A loaded Spin application: compiled components, the router, and request dispatch.
//
//   auto app = App::load(std::move(manifest), engine, options);   // compiles every component
//   Response r = app.value()->handle(request);                    // from any server thread
//
// Loading reports every problem at once (unsupported executors, modules that fail to compile or
// link, files that cannot be staged), one "FILE:LINE:COL: message" line each where the manifest
// has a position. handle() answers the reserved routes (/.well-known/spin/health and /info),
// static responses, WAGI and wasi:http (default executor) components, and 404.
//
// Containment: each WAGI component runs under its effective limits (`[component.<id>.tern]` over
// the AppOptions defaults): deadline, memory cap, output cap, request body cap (413), and an
// admission Gate per component inside one per node (503 + Retry-After when full and the queue is
// full or its wait runs out).
//
// Thread safety: after load() an App is immutable; handle() is safe from any number of threads.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "http/admission.h"
#include "http/component_executor.h"
#include "http/message.h"
#include "http/observer.h"
#include "http/router.h"
#include "http/wagi_executor.h"
#include "host/services.h"
#include "instance/engine.h"
#include "manifest/manifest.h"

namespace tern::http {

struct AppOptions {
  ExecLimits limits;  // defaults for components without their own [component.<id>.tern] values
  uint64_t max_request_body = kMaxBodyBytes;  // default per component; more gives 413
  uint32_t max_concurrent = 0;                // instances at once on this node; 0: no cap
  uint32_t max_concurrent_per_component = 0;  // default per component; 0: no cap
  QueueOptions queue{kQueueLength, kQueueTimeout};
  std::string log_dir;    // guest stderr goes to LOG_DIR/<component>_stderr.txt (else "[id] line")
  Observer* observer = nullptr;  // metrics/traces (observe/); not owned, outlives the App
  bool optimize = false;  // compile with OptLevel::kOptimized
  // Key-value stores, SQLite databases and variables (host/services.h); must outlive the App.
  // Null: components get none (opening a store is access-denied).
  const host::AppServices* services = nullptr;
};

class App {
 public:
  // Errors: kInvalidArgument with one line per problem. Warnings (duplicate routes) are appended
  // to `warnings`.
  static Result<std::unique_ptr<App>> load(manifest::Manifest manifest, instance::Engine& engine,
                                           const AppOptions& options,
                                           std::vector<std::string>* warnings = nullptr);
  ~App();

  Response handle(Request& request) const;

  const manifest::Manifest& manifest() const { return manifest_; }
  const Router& router() const { return router_; }
  // The largest request body any route accepts: the server's read limit.
  uint64_t maxRequestBody() const;

 private:
  App() = default;
  // A WAGI or wasi:http component with its effective limits and its admission gate.
  struct Served {
    std::unique_ptr<WagiComponent> executor;  // WAGI; or
    std::unique_ptr<HttpComponent> http;      // wasi:http (the default executor)
    ExecLimits limits;
    uint64_t max_request_body = 0;
    std::unique_ptr<Gate> gate;
  };
  static Served servedWith(const manifest::ComponentLimits& limits, const AppOptions& options);
  Response dispatch(Request& request, RequestScope& scope) const;
  Response handleReserved(const Request& request) const;
  Response handleWagi(Request& request, const RouteMatch& match,
                      const manifest::HttpTrigger& trigger, const Served& served) const;
  // Compiles a wasi:http component (the default executor) into `served`; errors as load().
  Result<Served> loadHttp(const manifest::Component& c, std::vector<uint8_t> bytes,
                          const std::string& files_root, instance::Engine& engine,
                          const AppOptions& options) const;
  // Outbound requests a guest sends to `self` (routed like a client request) or to
  // `<id>.spin.internal` (that component, private routes included), answered in-process.
  std::optional<component::HttpResult<component::IncomingHttpResponse>> dispatchLocal(
      const component::OutgoingHttpRequest& request) const;
  // Copies the component's `files` into its own folder under the App's staging root (created on
  // first use); returns that folder.
  Result<std::string> stageComponentFiles(const manifest::Manifest& m, const manifest::Component& c);
  manifest::Manifest manifest_;
  Router router_;
  AppOptions options_;
  std::map<std::string, Served, std::less<>> components_;
  std::unique_ptr<Gate> node_gate_;
  std::string stage_root_;  // staged `files`, removed with the App
};

}  // namespace tern::http
