// WAGI requests: a fresh Store + WASI context + instance per request, CGI response from stdout.
#include "executor/wagi_executor.h"

#include <algorithm>
#include <iterator>

#include "common/observation.h"
#include "executor/cgi.h"
#include "executor/failure.h"
#include "instance/request_context.h"
#include "wasi/wasi.h"

namespace tern::executor {
namespace {

// The WASI half of a request: everything the guest sees of the world.
wasi::WasiOptions wasiOptionsFor(std::vector<std::string> argv, std::vector<std::string> env,
                                 const std::string& files_root, std::string stdin_bytes,
                                 uint64_t max_output) {
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
  w.stderr_options = {wasi::OutputMode::kCapture, wasi::ByteSize{limits::kMaxGuestStderrBytes}};
  return w;
}

}  // namespace

Result<std::unique_ptr<WagiExecutor>> WagiExecutor::create(
    instance::Engine& engine, const manifest::Component& component,
    std::shared_ptr<const instance::Module> module, std::string entrypoint, std::string files_root,
    std::string log_dir) {
  std::unique_ptr<WagiExecutor> c(new WagiExecutor());
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
    return fail(ErrorCode::kNotExecutable, "component `", component.id, "` exports no function `",
                c->entrypoint_,
                "`: a WAGI component is a WASI command (built with a main function)");
  }
  wasi::defineWasi(c->linker_);
  // Link once now so missing imports show at start-up, not on the first request.
  auto ctx =
      wasi::WasiContext::create(wasiOptionsFor({}, {}, "", "", limits::kMaxGuestStdoutBytes));
  if (!ctx) return fail(ctx.error());
  instance::RequestContext request{.wasi = ctx->get()};
  instance::Store store(engine);
  store.setContext(&request);
  auto inst = c->linker_.instantiate(store, c->module_);
  if (!inst && inst.error().code == ErrorCode::kUnlinkable) {
    return fail(ErrorCode::kUnlinkable, "component `", component.id, "`: ", inst.error().message);
  }
  return c;
}

// Instantiate and call the entrypoint, each phase observed.
Result<void> WagiExecutor::run(instance::Store& store, obs::RequestObservation* observation) const {
  Result<instance::Instance*> inst;
  {
    obs::PhaseScope phase(observation, obs::Phase::kInstantiate);
    inst = linker_.instantiate(store, module_);
    if (!inst) {
      phase.failed(inst.error());
      return fail(inst.error());
    }
  }
  instance::Memory* memory = (*inst)->memory("memory");
  if (memory) obs::reportMemory(observation, memory->sizeBytes());
  instance::Func* f = (*inst)->func(entrypoint_);
  if (!f) return fail(ErrorCode::kNotExecutable, "no exported function ", entrypoint_);
  obs::PhaseScope phase(observation, obs::Phase::kExecute);
  auto r = store.call(f, {});
  if (memory) obs::reportMemory(observation, memory->sizeBytes());
  if (!r) {
    phase.failed(r.error());
    return fail(r.error());
  }
  return {};
}

// The request's CGI variables win over the component's `environment` of the same name.
std::vector<std::string> WagiExecutor::environment(const Invocation& call) const {
  std::vector<std::string> env = wagiEnv(call.request, call.route, call.base);
  if (environment_.empty()) return env;
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
  return merged;
}

http::Response WagiExecutor::execute(const Invocation& call) const {
  const http::Request& req = call.request;
  const ExecLimits& limits = call.limits;
  auto ctx = wasi::WasiContext::create(wasiOptionsFor(wagiArgv(call.trigger.executor.argv, req),
                                                      environment(call), files_root_, req.body,
                                                      limits.max_output));
  if (!ctx) return failure(call, id_, 500, ctx.error().toString());

  instance::RequestContext request{
      .deadline = deadlineFrom(limits), .observation = call.observation, .wasi = ctx->get()};
  instance::StoreLimits store_limits;
  if (limits.max_instance_memory) store_limits.max_memory_bytes = limits.max_instance_memory;
  instance::Store store(*engine_, store_limits);
  store.setContext(&request);

  Result<void> ran = run(store, call.observation);
  log_->write(GuestStream::kStderr, (*ctx)->capturedStderr());
  if (!ran) {
    if (auto f = classifyGuestError(ran.error())) return failure(call, id_, *f);
  }
  std::string_view out = (*ctx)->capturedStdout();
  if (out.empty()) {
    return failure(call, id_, 500,
                   "the guest wrote nothing to stdout; a WAGI component must print headers, a "
                   "blank line and the body (check `executor` in spin.toml)");
  }
  if ((*ctx)->stdoutTruncated()) {
    return failure(
        call, id_, 500,
        "the response is larger than " + std::to_string(limits.max_output) + " bytes (max_output)");
  }
  auto res = parseCgiResponse(out);
  if (!res) return failure(call, id_, 500, res.error().message);
  return std::move(*res);
}

}  // namespace tern::executor
