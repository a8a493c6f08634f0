// wasi:http requests: a fresh Session + component instance per request, incoming-handler.handle.
#include "executor/http_executor.h"

#include <cctype>

#include "common/observation.h"
#include "executor/cgi.h"
#include "executor/failure.h"
#include "host/bindings.h"
#include "host/outbound_http.h"
#include "instance/request_context.h"
#include "wasi2/wasi2.h"

namespace tern::executor {
namespace {

constexpr std::string_view kIncomingHandler = "wasi:http/incoming-handler@0.2.0";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The request's WASI 0.2 world: the component's environment, its files read-only at "/", guest
// stdout/stderr captured (capped) for the component's GuestLog.
void configure(wasi2::WasiP2Context& wasi,
               const std::vector<std::pair<std::string, std::string>>& env,
               const std::string& files_root) {
  wasi.env = env;
  if (!files_root.empty()) {
    wasi.preopens.push_back({.host_path = files_root, .guest_path = "/", .read_only = true});
  }
  using Mode = wasi2::WasiP2Output::Mode;
  wasi.stdout_output.mode = Mode::kCapture;
  wasi.stderr_output.mode = Mode::kCapture;
  wasi.stdout_output.cap = wasi::ByteSize{limits::kMaxGuestStderrBytes};
  wasi.stderr_output.cap = wasi::ByteSize{limits::kMaxGuestStderrBytes};
}

std::unique_ptr<wasi2::IncomingRequest> incomingRequest(const Invocation& call) {
  Request& req = call.request;
  auto in = std::make_unique<wasi2::IncomingRequest>();
  in->method = req.method;
  in->path_with_query = req.path + (req.query.empty() ? "" : "?" + req.query);
  const std::string* host = req.header("host");
  in->authority = host ? *host : req.local_host + ":" + std::to_string(req.local_port);
  in->headers.reserve(req.headers.size() + 8);
  for (const auto& [k, v] : req.headers) in->headers.emplace_back(lower(k), v);
  for (auto& s : spinValues(req, call.route, call.base)) {
    in->headers.emplace_back(s.header, std::move(s.value));
  }
  in->body = std::make_shared<wasi2::BodySource>();
  in->body->bytes = std::move(req.body);
  return in;
}

// Everything one wasi:http request creates, freed together when execute() returns (the Session
// first: it points at the context, which points at the WASI state).
struct RequestState {
  wasi2::WasiP2Context wasi;
  instance::RequestContext context;
  std::optional<component::Session> session;
};

}  // namespace

Result<std::unique_ptr<HttpExecutor>> HttpExecutor::create(
    instance::Engine& engine, const manifest::Component& c,
    std::shared_ptr<const component::Component> compiled, std::string files_root,
    std::string log_dir, host::LocalDispatch local, const host::ComponentServices* services) {
  std::unique_ptr<HttpExecutor> h(new HttpExecutor());
  h->engine_ = &engine;
  h->id_ = c.id;
  h->environment_ = c.environment;
  h->component_ = std::move(compiled);
  h->files_root_ = std::move(files_root);
  h->log_ = std::make_unique<GuestLog>(c.id, std::move(log_dir));
  h->services_ = services;
  const component::ExternDesc* e = h->component_->findExport(kIncomingHandler);
  if (!e) {
    std::string names;
    for (const auto& x : h->component_->exports()) names += (names.empty() ? "" : ", ") + x.name;
    return fail(ErrorCode::kNotExecutable, "component `", c.id,
                "` does not export wasi:http/incoming-handler@0.2.x (it exports: ",
                names.empty() ? "nothing" : names,
                "); a WASI command module needs `executor = { type = \"wagi\" }`");
  }
  h->handler_interface_ = e->name;
  // With host services, application variables in the entries are already expanded.
  auto hosts = host::AllowedHosts::parse(services ? services->allowed_outbound_hosts
                                                  : c.allowed_outbound_hosts);
  if (!hosts) return fail(ErrorCode::kHostConfig, hosts.error().message);
  host::OutboundOptions oo;
  oo.component_id = c.id;
  oo.local = std::move(local);
  wasi2::IoTypes io = wasi2::defineWasiP2(h->linker_);
  h->http_ = wasi2::defineWasiHttp(h->linker_, io,
                                   host::makeOutboundHttp(std::move(*hosts), std::move(oo)));
  host::defineHostServices(h->linker_);
  // Instantiate once now so a missing import shows at start-up, not on the first request.
  RequestState state;
  state.context.wasi2 = &state.wasi;
  state.session.emplace(engine, instance::StoreLimits{}, &state.context);
  auto inst = state.session->instantiate(h->linker_, h->component_);
  if (!inst) {
    if (inst.error().code == ErrorCode::kUnlinkable) {
      return fail(ErrorCode::kUnlinkable, "component `", c.id, "`: ", inst.error().message);
    }
    return fail(inst.error());
  }
  if (!(*inst)->exportFunc(h->handler_interface_, "handle")) {
    return fail(ErrorCode::kNotExecutable, "component `", c.id, "`: ", h->handler_interface_,
                " has no `handle` function");
  }
  return h;
}

Result<std::vector<component::Val>> HttpExecutor::run(
    component::Session& session, const Invocation& call,
    std::shared_ptr<wasi2::ResponseSlot> slot) const {
  Result<component::ComponentInstance*> inst;
  {
    obs::PhaseScope phase(call.observation, obs::Phase::kInstantiate);
    inst = session.instantiate(linker_, component_);
    if (!inst) {
      phase.failed(inst.error());
      return fail(inst.error());
    }
  }
  obs::reportMemory(call.observation, session.store().memoryBytes());
  const component::ExportFunc* handle = (*inst)->exportFunc(handler_interface_, "handle");
  auto req_rep = session.resources().add(http_.incoming_request, incomingRequest(call));
  const wasi2::ResponseSlot* answer = slot.get();
  auto out_rep = session.resources().add(
      http_.response_outparam, std::make_unique<wasi2::ResponseOutparam>(std::move(slot)));
  if (!handle || !req_rep || !out_rep) {
    return fail(ErrorCode::kInvalidArgument, "cannot prepare the call to handle");
  }
  component::Val args[] = {component::Val::own(*req_rep), component::Val::own(*out_rep)};
  obs::PhaseScope phase(call.observation, obs::Phase::kExecute);
  auto ran = (*inst)->call(handle, args);
  obs::reportMemory(call.observation, session.store().memoryBytes());
  // An exit after the response was set is a finished request, not a failed phase.
  if (!ran && (ran.error().code != ErrorCode::kExit || !answer->set)) phase.failed(ran.error());
  return ran;
}

Response HttpExecutor::execute(const Invocation& call) const {
  const ExecLimits& limits = call.limits;
  RequestState state;
  configure(state.wasi, environment_, files_root_);
  state.context = {.deadline = deadlineFrom(limits),
                   .observation = call.observation,
                   .wasi2 = &state.wasi,
                   .services = services_};
  instance::StoreLimits store_limits;
  if (limits.max_instance_memory) store_limits.max_memory_bytes = limits.max_instance_memory;
  state.session.emplace(*engine_, store_limits, &state.context);
  auto slot = std::make_shared<wasi2::ResponseSlot>();
  slot->max_body = limits.max_output;

  auto ran = run(*state.session, call, slot);
  state.wasi.flushOutput();
  log_->write(GuestStream::kStdout, state.wasi.capturedStdout());
  log_->write(GuestStream::kStderr, state.wasi.capturedStderr());
  return answer(call, ran, *slot);
}

Response HttpExecutor::answer(const Invocation& call,
                              const Result<std::vector<component::Val>>& ran,
                              wasi2::ResponseSlot& slot) const {
  // An exit after the response was set is a finished request.
  if (!ran && !(ran.error().code == ErrorCode::kExit && slot.set)) {
    if (auto f = classifyGuestError(ran.error())) return failure(call, id_, *f);
  }
  if (!slot.set) {
    return failure(call, id_, 500, "handle returned without setting the response-outparam");
  }
  if (slot.error) {
    return failure(call, id_, 500,
                   "the guest answered with error-code " +
                       std::string(wasi2::httpErrorName(slot.error->code)) +
                       (slot.error->message.empty() ? "" : ": " + slot.error->message));
  }
  if (slot.body && !slot.body->finished && !slot.body->too_large) {
    // A body without outgoing-body.finish is incomplete (the guest dropped it, or returned while
    // still holding it): answering 200 would hand the client a cut body as if it were whole.
    return failure(call, id_, 500, "the guest did not finish the response body");
  }
  if (slot.body && slot.body->too_large) {
    return failure(call, id_, 500,
                   "the response body is larger than " + std::to_string(call.limits.max_output) +
                       " bytes (max_output)");
  }
  size_t header_bytes = 0;
  for (const auto& [k, v] : slot.headers) header_bytes += k.size() + v.size() + 4;
  if (header_bytes > limits::kMaxGuestResponseHeaderBytes) {
    return failure(call, id_, 500,
                   "the response headers are larger than " +
                       std::to_string(limits::kMaxGuestResponseHeaderBytes) + " bytes");
  }
  Response res;
  res.status = slot.status;
  res.headers = std::move(slot.headers);
  if (slot.body) res.body = std::move(slot.body->bytes);
  return res;
}

}  // namespace tern::executor
