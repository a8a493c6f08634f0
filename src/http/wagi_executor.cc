// WAGI requests: a fresh Store + WASI context + instance per request, CGI response from stdout.
#include "http/wagi_executor.h"

#include <algorithm>
#include <iterator>

#include <cstdio>

#include "compile/vm_abi.h"
#include "http/cgi.h"
#include "http/http_limits.h"
#include "instance/trap_backtrace.h"
#include "http/log.h"
#include "http/observer.h"
#include "wasi/wasi.h"

namespace tern::http {
namespace {

// The WASI half of a request: everything the guest sees of the world. Kept in one place so a
// future WASI (preview 2) executor can swap it.
wasi::WasiOptions wasiOptionsFor(std::vector<std::string> argv, std::vector<std::string> env,
                                 const std::string& files_root, std::string stdin_bytes,
                                 uint64_t max_output,
                                 std::optional<std::chrono::nanoseconds> timeout) {
  wasi::WasiOptions w;
  w.args = std::move(argv);
  w.env = std::move(env);
  if (!files_root.empty()) {
    w.preopens.push_back({.host_path = files_root, .guest_path = "/", .read_only = true});
  }
  w.stdin_mode = wasi::StdinMode::kBytes;
  w.stdin_bytes = std::move(stdin_bytes);
  w.stdout_options = {wasi::OutputMode::kCapture, wasi::ByteSize{max_output}};
  // Captured so it can be prefixed or written to --log-dir (GuestLog).
  w.stderr_options = {wasi::OutputMode::kCapture, wasi::ByteSize{kMaxGuestStderrBytes}};
  if (timeout) {
    w.deadline = std::chrono::steady_clock::now() +
                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(*timeout);
  }
  return w;
}

}  // namespace

Response executorFailure(uint16_t status, const Request& req, const RouteMatch& match,
                         const std::string& component, const std::string& reason) {
  logLine(LogLevel::kError,
          std::to_string(status) + " " + req.method + " " + req.path + ": component \"" +
              component + "\" (route \"" + match.raw_route + "\"): " + reason,
          {{"status", int64_t{status}},
           {"method", req.method},
           {"path", req.path},
           {"component", component},
           {"route", match.raw_route},
           {"reason", reason}});
  return Response::text(status, status == 504 ? "Gateway Timeout\n" : "Internal Server Error\n");
}

Result<std::unique_ptr<WagiComponent>> WagiComponent::create(
    instance::Engine& engine, const manifest::Component& component,
    std::shared_ptr<const instance::Module> module, std::string entrypoint, std::string files_root,
    std::string log_dir) {
  std::unique_ptr<WagiComponent> c(new WagiComponent());
  c->engine_ = &engine;
  c->id_ = component.id;
  c->environment_ = component.environment;
  c->module_ = std::move(module);
  c->entrypoint_ = std::move(entrypoint);
  c->files_root_ = std::move(files_root);
  c->log_ = std::make_unique<GuestLog>(component.id, std::move(log_dir));
  bool exported = false;
  for (const auto& e : c->module_->info().exports) {
    exported = exported || (e.name == c->entrypoint_ && e.kind == compile::ExternKind::kFunc);
  }
  if (!exported) {
    return fail(ErrorCode::kInvalidArgument, "component `", component.id, "` exports no function `",
                c->entrypoint_,
                "`: a WAGI component is a WASI command (built with a main function)");
  }
  wasi::defineWasi(c->linker_);
  // Link once now so missing imports show at start-up, not on the first request.
  auto ctx = wasi::WasiContext::create(
      wasiOptionsFor({}, {}, "", "", kMaxGuestStdoutBytes, std::nullopt));
  if (!ctx) return fail(ctx.error());
  instance::Store store(engine);
  store.setUserData(ctx->get());
  auto inst = c->linker_.instantiate(store, c->module_);
  if (!inst && inst.error().code == ErrorCode::kUnlinkable) {
    return fail(ErrorCode::kUnlinkable, "component `", component.id, "`: ", inst.error().message);
  }
  return c;
}

// Instantiate and call the entrypoint, each phase observed.
Result<void> WagiComponent::run(instance::Store& store) const {
  Result<instance::Instance*> inst;
  {
    PhaseScope phase(Phase::kInstantiate);
    inst = linker_.instantiate(store, module_);
    if (!inst) {
      phase.failed(inst.error());
      return fail(inst.error());
    }
  }
  instance::Memory* memory = (*inst)->memory("memory");
  if (memory) PhaseScope::reportMemory(memory->sizeBytes());
  instance::Func* f = (*inst)->func(entrypoint_);
  if (!f) return fail(ErrorCode::kInvalidArgument, "no exported function ", entrypoint_);
  PhaseScope phase(Phase::kExecute);
  auto r = store.call(f, {});
  if (memory) PhaseScope::reportMemory(memory->sizeBytes());
  if (!r) {
    phase.failed(r.error());
    return fail(r.error());
  }
  return {};
}

Response WagiComponent::execute(const Request& req, const RouteMatch& match,
                                const manifest::Executor& executor, std::string_view base,
                                const ExecLimits& limits) const {
  // The request's CGI variables win over the component's `environment` of the same name.
  std::vector<std::string> env = wagiEnv(req, match, base);
  if (!environment_.empty()) {
    std::vector<std::string_view> keys;
    keys.reserve(env.size());
    for (const auto& e : env) keys.push_back(std::string_view(e).substr(0, e.find('=')));
    std::sort(keys.begin(), keys.end());
    std::vector<std::string> merged;
    merged.reserve(environment_.size() + env.size());
    for (const auto& [k, v] : environment_) {
      if (!std::binary_search(keys.begin(), keys.end(), std::string_view(k))) {
        merged.push_back(k + "=" + v);
      }
    }
    std::move(env.begin(), env.end(), std::back_inserter(merged));
    env = std::move(merged);
  }
  auto ctx = wasi::WasiContext::create(wasiOptionsFor(wagiArgv(executor.argv, req), std::move(env),
                                                      files_root_, req.body, limits.max_output,
                                                      limits.request_timeout));
  if (!ctx) return executorFailure(500, req, match, id_, ctx.error().toString());

  instance::StoreLimits store_limits;
  if (limits.max_instance_memory) store_limits.max_memory_bytes = limits.max_instance_memory;
  store_limits.deadline = limits.request_timeout;
  instance::Store store(*engine_, store_limits);
  store.setUserData(ctx->get());

  Result<void> ran = run(store);
  log_->write(GuestStream::kStderr, (*ctx)->capturedStderr());
  if (!ran) {
    const Error& e = ran.error();
    if (e.code == ErrorCode::kExit && e.detail != 0) {
      return executorFailure(500, req, match, id_,
                             "exited with status " + std::to_string(e.detail));
    }
    if (e.code == ErrorCode::kTrap &&
        static_cast<vm::TrapKind>(e.detail) == vm::TrapKind::kDeadline) {
      return executorFailure(504, req, match, id_,
                             "request timeout: " + instance::oneLine(e.toString()));
    }
    // A trap's backtrace goes on the request's one log line.
    if (e.code != ErrorCode::kExit) {
      return executorFailure(500, req, match, id_, instance::oneLine(e.toString()));
    }
  }
  std::string_view out = (*ctx)->capturedStdout();
  if (out.empty()) {
    return executorFailure(
        500, req, match, id_,
        "the guest wrote nothing to stdout; a WAGI component must print headers, a "
        "blank line and the body (check `executor` in spin.toml)");
  }
  if ((*ctx)->stdoutTruncated()) {
    return executorFailure(
        500, req, match, id_,
        "the response is larger than " + std::to_string(limits.max_output) + " bytes (max_output)");
  }
  auto res = parseCgiResponse(out);
  if (!res) return executorFailure(500, req, match, id_, res.error().message);
  return std::move(*res);
}

}  // namespace tern::http
