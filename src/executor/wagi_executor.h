// The WAGI executor: one request = one fresh instance of a WASI command, CGI over stdio.
//
// Per request: a RequestContext (the deadline, the observation, the WASI preview 1 state), a new
// Store pointing at it (memory cap), a new WasiContext (argv from the trigger's executor template,
// env = component `environment` + the CGI/Spin variables, stdin = request body, stdout captured,
// the component's files read-only at "/"), instantiate, call the entrypoint (`_start`), parse
// stdout as a CGI response. The compiled Module is shared; everything else is freed when the
// request ends.
//
// Thread safety: execute() is called concurrently from every server thread; a WagiExecutor is
// immutable after create().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "executor/executor.h"
#include "executor/guest_log.h"
#include "instance/engine.h"
#include "manifest/manifest.h"

namespace tern::executor {

class WagiExecutor final : public Executor {
 public:
  // Checks that `module` links against WASI preview 1 and exports `entrypoint`. `files_root` (may
  // be empty) is mounted read-only at "/". The guest's stderr goes to `log_dir`/<id>_stderr.txt,
  // or with an empty `log_dir` to tern's stderr as "[id] line".
  // Errors: kUnlinkable (an import WASI does not provide), kNotExecutable (no entrypoint).
  static Result<std::unique_ptr<WagiExecutor>> create(
      instance::Engine& engine, const manifest::Component& component,
      std::shared_ptr<const instance::Module> module, std::string entrypoint,
      std::string files_root, std::string log_dir);

  const std::string& id() const override { return id_; }
  http::Response execute(const Invocation& call) const override;

 private:
  WagiExecutor() = default;
  Result<void> run(instance::Store& store, obs::RequestObservation* observation) const;
  std::vector<std::string> environment(const Invocation& call) const;
  instance::Engine* engine_ = nullptr;
  std::string id_;
  std::vector<std::pair<std::string, std::string>> environment_;
  std::shared_ptr<const instance::Module> module_;
  // WASI bound through each request store's context: built once, shared by all threads
  // (Linker::instantiate only reads it).
  instance::Linker linker_;
  std::string entrypoint_;
  std::string files_root_;
  std::unique_ptr<GuestLog> log_;
};

}  // namespace tern::executor
