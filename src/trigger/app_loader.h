// Loading a Spin application: every component compiled once, its files staged, its executor
// built, the routes checked; the result is an App that only does request-time work.
//
//   AppOptions options;  options.limits.request_timeout = 30s;  options.services = services;
//   auto app = AppLoader(engine, options).load(std::move(manifest), &warnings);
//
// Loading reports every problem at once (unsupported executors, modules that fail to compile or
// link, files that cannot be staged), one "FILE:LINE:COL: message" line each where the manifest
// has a position. Each component gets its effective limits (`[component.<id>.tern]` over the
// AppOptions defaults): deadline (504), memory cap, output cap (500), body cap (413), and an
// admission gate.
//
// Thread safety: load() is not thread-safe; the App it returns is (app.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "executor/executor.h"
#include "host/services.h"
#include "http/http_limits.h"
#include "instance/engine.h"
#include "manifest/manifest.h"
#include "trigger/admission.h"
#include "trigger/app.h"
#include "trigger/observer.h"

namespace tern::trigger {

struct AppOptions {
  // Defaults for components without their own [component.<id>.tern] values.
  executor::ExecLimits limits;
  uint64_t max_request_body = http::kMaxBodyBytes;  // default per component; more gives 413
  uint32_t max_concurrent = 0;                      // instances at once on this node; 0: no cap
  uint32_t max_concurrent_per_component = 0;        // default per component; 0: no cap
  QueueOptions queue{kQueueLength, kQueueTimeout};
  std::string
      log_dir;  // guest output goes to LOG_DIR/<component>_std{out,err}.txt (else "[id] line")
  Observer* observer = nullptr;  // metrics/traces (observe/); not owned, outlives the App
  bool optimize = false;         // compile with OptLevel::kOptimized
  // Where components' `files` are staged (`tern up --temp DIR`, created if missing): a
  // `tern-files-XXXXXX` folder made there and removed with the App. Empty: the system temp folder.
  std::string stage_parent;
  // Key-value stores, SQLite databases and variables (host/services.h); must outlive the App.
  // Null: components get none (opening a store is access-denied).
  const host::AppServices* services = nullptr;
};

class AppLoader {
 public:
  AppLoader(instance::Engine& engine, const AppOptions& options)
      : engine_(engine), options_(options) {}

  // Errors: kAppLoad with one line per problem. Warnings (duplicate routes) are appended
  // to `warnings`.
  Result<std::unique_ptr<App>> load(manifest::Manifest manifest,
                                    std::vector<std::string>* warnings = nullptr);

 private:
  // Reads, stages, compiles and wraps one component in the executor its trigger names (WAGI
  // module or wasi:http component), observed as compiled. Errors: the message to report.
  Result<App::Served> loadComponent(const manifest::Manifest& m, const manifest::Component& c,
                                    const manifest::Executor& executor, App& app);
  Result<std::unique_ptr<executor::Executor>> makeExecutor(const manifest::Component& c,
                                                           const manifest::Executor& executor,
                                                           std::vector<uint8_t> bytes,
                                                           std::string files_root, App& app);
  // Copies the component's `files` into its own folder under the App's staging root (created on
  // first use); returns that folder.
  Result<std::string> stageComponentFiles(const manifest::Manifest& m, const manifest::Component& c,
                                          App& app);
  App::Served servedWith(const manifest::ComponentLimits& limits) const;

  instance::Engine& engine_;
  AppOptions options_;
};

}  // namespace tern::trigger
