// A loaded Spin application: compiled components, the router, and request dispatch.
//
//   auto app = App::load(std::move(manifest), engine, options);   // compiles every component
//   Response r = app.value()->handle(request);                    // from any server thread
//
// Loading reports every problem at once (unsupported executors, modules that fail to compile or
// link, files that cannot be staged), one "FILE:LINE:COL: message" line each where the manifest
// has a position. handle() answers the reserved routes (/.well-known/spin/health and /info),
// static responses, WAGI triggers, and 404.
//
// Thread safety: after load() an App is immutable; handle() is safe from any number of threads.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "http/message.h"
#include "http/router.h"
#include "http/wagi_executor.h"
#include "instance/engine.h"
#include "manifest/manifest.h"

namespace tern::http {

struct AppOptions {
  ExecLimits limits;
  std::string log_dir;    // guest stderr goes to LOG_DIR/<component>_stderr.txt
  bool optimize = false;  // compile with OptLevel::kOptimized
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

 private:
  App() = default;
  Response handleReserved(const Request& request) const;
  manifest::Manifest manifest_;
  Router router_;
  AppOptions options_;
  std::map<std::string, std::unique_ptr<WagiComponent>, std::less<>> components_;
  std::string stage_root_;  // staged `files`, removed with the App
};

}  // namespace tern::http
