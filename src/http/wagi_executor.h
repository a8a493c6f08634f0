// The WAGI executor: one request = one fresh instance of a WASI command, CGI over stdio.
//
// Per request: a new Store (limits: the request deadline and the instance memory cap), a new
// WasiContext (argv from the executor template, env = component `environment` + the CGI/Spin
// variables, stdin = request body, stdout captured, the component's files read-only at "/"),
// instantiate, call the entrypoint (`_start`), parse stdout as a CGI response. The compiled
// Module is shared; everything else is freed when the request ends.
//
// Observed through http/observer.h: the instantiation and the guest call are phases of the
// current request; the memory in use is reported after each.
//
// Thread safety: execute() is called concurrently from every server thread; a WagiComponent is
// immutable after load.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "http/guest_log.h"
#include "http/http_limits.h"
#include "http/message.h"
#include "http/router.h"
#include "instance/engine.h"
#include "manifest/manifest.h"

namespace tern::http {

struct ExecLimits {
  std::optional<std::chrono::nanoseconds> request_timeout;  // nullopt: none
  uint64_t max_instance_memory = 0;                         // 0: the engine's default
  uint64_t max_output = kMaxGuestStdoutBytes;               // captured stdout; more gives 500
};

// An executor's failed request: logs the one server line "STATUS METHOD PATH: component "id"
// (route "r"): reason" (with fields in JSON mode) and returns the 500 (504 for a timeout) response.
Response executorFailure(uint16_t status, const Request& req, const RouteMatch& match,
                         const std::string& component, const std::string& reason);

class WagiComponent {
 public:
  // Checks that `module` links against WASI preview 1 and exports `executor.entrypoint`.
  // `files_root` (may be empty) is mounted read-only at "/". The guest's stderr goes to
  // `log_dir`/<id>_stderr.txt, or with an empty `log_dir` to tern's stderr as "[id] line".
  // Errors: kUnlinkable (an import WASI does not provide), kInvalidArgument (no entrypoint).
  static Result<std::unique_ptr<WagiComponent>> create(
      instance::Engine& engine, const manifest::Component& component,
      std::shared_ptr<const instance::Module> module, std::string entrypoint,
      std::string files_root, std::string log_dir);

  // Runs one request. Never fails: guest errors become 500 (trap, bad output), 504 (deadline),
  // each logged once to stderr naming the component, the route and the reason.
  Response execute(const Request& req, const RouteMatch& match, const manifest::Executor& executor,
                   std::string_view base, const ExecLimits& limits) const;

  const std::string& id() const { return id_; }

 private:
  WagiComponent() = default;
  Result<void> run(instance::Store& store) const;
  instance::Engine* engine_ = nullptr;
  std::string id_;
  std::vector<std::pair<std::string, std::string>> environment_;
  std::shared_ptr<const instance::Module> module_;
  // WASI bound through each request store's user data: built once, shared by all threads
  // (Linker::instantiate only reads it).
  instance::Linker linker_;
  std::string entrypoint_;
  std::string files_root_;
  std::unique_ptr<GuestLog> log_;
};

}  // namespace tern::http
