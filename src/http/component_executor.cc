// wasi:http requests: a fresh Session + component instance per request, incoming-handler.handle.
#include "http/component_executor.h"

#include <cctype>

#include "compile/vm_abi.h"
#include "component/wasi_p2.h"
#include "host/bindings.h"
#include "host/outbound_http.h"
#include "http/cgi.h"
#include "http/observer.h"
#include "instance/trap_backtrace.h"

namespace tern::http {
namespace {

constexpr std::string_view kIncomingHandler = "wasi:http/incoming-handler@0.2.0";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The request's WASI 0.2 world: the component's environment, stdio per the log settings.
struct RequestContext : component::WasiP2Context {
  const host::ComponentServices* services = nullptr;  // what host/bindings.h serves
};

const host::ComponentServices* requestServices(void* user_data) {
  return static_cast<RequestContext*>(user_data)->services;
}

// Guest stdout/stderr are captured (capped) and written to the component's GuestLog.
void configure(RequestContext& ctx, const std::vector<std::pair<std::string, std::string>>& env,
               const std::string& files_root) {
  ctx.env = env;
  if (!files_root.empty()) {
    ctx.preopens.push_back({.host_path = files_root, .guest_path = "/", .read_only = true});
  }
  using Mode = component::WasiP2Output::Mode;
  ctx.stdout_output.mode = Mode::kCapture;
  ctx.stderr_output.mode = Mode::kCapture;
  ctx.stdout_output.cap = wasi::ByteSize{kMaxGuestStderrBytes};
  ctx.stderr_output.cap = wasi::ByteSize{kMaxGuestStderrBytes};
}

std::unique_ptr<component::IncomingRequest> incomingRequest(Request& req, const RouteMatch& match,
                                                            std::string_view base) {
  auto in = std::make_unique<component::IncomingRequest>();
  in->method = req.method;
  in->path_with_query = req.path + (req.query.empty() ? "" : "?" + req.query);
  const std::string* host = req.header("host");
  in->authority = host ? *host : req.local_host + ":" + std::to_string(req.local_port);
  in->headers.reserve(req.headers.size() + 8);
  for (const auto& [k, v] : req.headers) in->headers.emplace_back(lower(k), v);
  for (auto& s : spinValues(req, match, base))
    in->headers.emplace_back(s.header, std::move(s.value));
  in->body = std::make_shared<component::BodySource>();
  in->body->bytes = std::move(req.body);
  return in;
}

}  // namespace

Result<std::unique_ptr<HttpComponent>> HttpComponent::create(
    instance::Engine& engine, const manifest::Component& c,
    std::shared_ptr<const component::Component> compiled, std::string files_root,
    std::string log_dir, host::LocalDispatch local, const host::ComponentServices* services) {
  std::unique_ptr<HttpComponent> h(new HttpComponent());
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
    return fail(ErrorCode::kInvalidArgument, "component `", c.id,
                "` does not export wasi:http/incoming-handler@0.2.x (it exports: ",
                names.empty() ? "nothing" : names,
                "); a WASI command module needs `executor = { type = \"wagi\" }`");
  }
  h->handler_interface_ = e->name;
  // With host services, application variables in the entries are already expanded.
  auto hosts = host::AllowedHosts::parse(services ? services->allowed_outbound_hosts
                                                  : c.allowed_outbound_hosts);
  if (!hosts) return fail(ErrorCode::kInvalidArgument, hosts.error().message);
  host::OutboundOptions oo;
  oo.component_id = c.id;
  oo.local = std::move(local);
  component::IoTypes io = component::defineWasiP2(h->linker_);
  h->http_ = component::defineWasiHttp(h->linker_, io,
                                       host::makeOutboundHttp(std::move(*hosts), std::move(oo)));
  host::defineHostServices(h->linker_, requestServices);
  // Instantiate once now so a missing import shows at start-up, not on the first request.
  RequestContext ctx;
  component::Session session(engine, {}, &ctx);
  auto inst = session.instantiate(h->linker_, h->component_);
  if (!inst) {
    if (inst.error().code == ErrorCode::kUnlinkable) {
      return fail(ErrorCode::kUnlinkable, "component `", c.id, "`: ", inst.error().message);
    }
    return fail(inst.error());
  }
  if (!(*inst)->exportFunc(h->handler_interface_, "handle")) {
    return fail(ErrorCode::kInvalidArgument, "component `", c.id, "`: ", h->handler_interface_,
                " has no `handle` function");
  }
  return h;
}

Response HttpComponent::failure(uint16_t status, const Request& req, const RouteMatch& match,
                                const std::string& reason) const {
  return executorFailure(status, req, match, id_, reason);
}

Result<std::vector<component::Val>> HttpComponent::run(
    component::Session& session, Request& req, const RouteMatch& match, std::string_view base,
    std::shared_ptr<component::ResponseSlot> slot) const {
  Result<component::ComponentInstance*> inst;
  {
    PhaseScope phase(Phase::kInstantiate);
    inst = session.instantiate(linker_, component_);
    if (!inst) {
      phase.failed(inst.error());
      return fail(inst.error());
    }
  }
  PhaseScope::reportMemory(session.store().memoryBytes());
  const component::ExportFunc* handle = (*inst)->exportFunc(handler_interface_, "handle");
  auto req_rep = session.resources().add(http_.incoming_request, incomingRequest(req, match, base));
  const component::ResponseSlot* answer = slot.get();
  auto out_rep = session.resources().add(
      http_.response_outparam, std::make_unique<component::ResponseOutparam>(std::move(slot)));
  if (!handle || !req_rep || !out_rep) {
    return fail(ErrorCode::kInvalidArgument, "cannot prepare the call to handle");
  }
  component::Val args[] = {component::Val::own(*req_rep), component::Val::own(*out_rep)};
  PhaseScope phase(Phase::kExecute);
  auto ran = (*inst)->call(handle, args);
  PhaseScope::reportMemory(session.store().memoryBytes());
  // An exit after the response was set is a finished request, not a failed phase.
  if (!ran && (ran.error().code != ErrorCode::kExit || !answer->set)) phase.failed(ran.error());
  return ran;
}

Response HttpComponent::execute(Request& req, const RouteMatch& match, std::string_view base,
                                const ExecLimits& limits) const {
  RequestContext ctx;
  ctx.services = services_;
  configure(ctx, environment_, files_root_);
  if (limits.request_timeout) {
    ctx.deadline =
        std::chrono::steady_clock::now() +
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(*limits.request_timeout);
  }
  instance::StoreLimits store_limits;
  if (limits.max_instance_memory) store_limits.max_memory_bytes = limits.max_instance_memory;
  store_limits.deadline = limits.request_timeout;
  component::Session session(*engine_, store_limits, &ctx);
  auto slot = std::make_shared<component::ResponseSlot>();
  slot->max_body = limits.max_output;

  auto ran = run(session, req, match, base, slot);
  ctx.flushOutput();
  log_->write(GuestStream::kStdout, ctx.capturedStdout());
  log_->write(GuestStream::kStderr, ctx.capturedStderr());
  if (!ran) {
    const Error& e = ran.error();
    if (e.code == ErrorCode::kTrap &&
        static_cast<vm::TrapKind>(e.detail) == vm::TrapKind::kDeadline) {
      return failure(504, req, match, "request timeout: " + instance::oneLine(e.toString()));
    }
    // A trap's backtrace goes on the request's one log line.
    if (e.code != ErrorCode::kExit || !slot->set) {
      return failure(500, req, match, instance::oneLine(e.toString()));
    }
  }
  if (!slot->set) {
    return failure(500, req, match, "handle returned without setting the response-outparam");
  }
  if (slot->error) {
    return failure(500, req, match,
                   "the guest answered with error-code " +
                       std::string(component::httpErrorName(slot->error->code)) +
                       (slot->error->message.empty() ? "" : ": " + slot->error->message));
  }
  if (slot->body && !slot->body->finished && !slot->body->too_large) {
    // A body without outgoing-body.finish is incomplete (the guest dropped it, or returned while
    // still holding it): answering 200 would hand the client a cut body as if it were whole.
    return failure(500, req, match, "the guest did not finish the response body");
  }
  if (slot->body && slot->body->too_large) {
    return failure(500, req, match,
                   "the response body is larger than " + std::to_string(limits.max_output) +
                       " bytes (max_output)");
  }
  size_t header_bytes = 0;
  for (const auto& [k, v] : slot->headers) header_bytes += k.size() + v.size() + 4;
  if (header_bytes > kMaxGuestResponseHeaderBytes) {
    return failure(500, req, match,
                   "the response headers are larger than " +
                       std::to_string(kMaxGuestResponseHeaderBytes) + " bytes");
  }
  Response res;
  res.status = slot->status;
  res.headers = std::move(slot->headers);
  if (slot->body) res.body = std::move(slot->body->bytes);
  return res;
}

}  // namespace tern::http
