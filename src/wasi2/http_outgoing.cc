// wasi:http/outgoing-handler.handle and future-incoming-response: outbound requests through the
// embedder's OutboundHttp (allow-list checked when the guest calls handle).
#include <thread>

#include "wasi2/http_impl.h"
#include "wasi2/wasi2.h"

namespace tern::wasi2::http_impl {
namespace {

using Args = std::span<Val>;
using Clock = std::chrono::steady_clock;

// One outbound request from handle() until its response is taken. It is sent (synchronously,
// bounded by the request deadline) the first time the guest waits for or asks for the response
// once the body is complete: the guest writes the body after calling handle, as the WIT allows.
class PendingResponse final : public PollSource {
 public:
  PendingResponse(OutgoingHttpRequest r, std::shared_ptr<BodySink> body,
                  std::shared_ptr<const OutboundHttp> out, OutboundCall call)
      : request_(std::move(r)), body_(std::move(body)), outbound_(std::move(out)), call_(call) {}

  bool ready() override {
    if (!result_ && bodyComplete()) send();
    return result_.has_value();
  }
  void block(Clock::time_point until) override {
    if (ready()) return;
    // The body is still to be written by this very guest: waiting cannot help.
    std::this_thread::sleep_until(std::min(until, call_.deadline));
  }
  // none until sent; then the response once (ok or error), then err for every later call.
  std::optional<HttpResult<IncomingHttpResponse>> take() {
    if (!ready()) return std::nullopt;
    if (taken_) return HttpResult<IncomingHttpResponse>(std::unexpected(HttpError{}));
    taken_ = true;
    return std::move(*result_);
  }
  bool taken() const { return taken_; }

 private:
  bool bodyComplete() const { return !body_ || body_->finished || body_->dropped; }
  void send() {
    if (body_ && body_->too_large) {
      result_ =
          std::unexpected(HttpError{HttpErrorCase::kHttpRequestBodySize, {}, body_->bytes.size()});
      return;
    }
    if (body_ && !body_->finished) {  // dropped without finish: the request is incomplete
      result_ = std::unexpected(
          HttpError{HttpErrorCase::kInternalError, "outgoing-body dropped without finish", {}});
      return;
    }
    if (body_) request_.body = std::move(body_->bytes);
    result_ = outbound_->send(request_, call_);
  }

  OutgoingHttpRequest request_;
  std::shared_ptr<BodySink> body_;
  std::shared_ptr<const OutboundHttp> outbound_;
  OutboundCall call_;  // the guest's request: valid while this Session lives
  std::optional<HttpResult<IncomingHttpResponse>> result_;
  bool taken_ = false;
};

struct FutureIncomingResponse : HostObject {
  explicit FutureIncomingResponse(std::shared_ptr<PendingResponse> p) : pending(std::move(p)) {}
  std::shared_ptr<PendingResponse> pending;
};

std::optional<std::chrono::nanoseconds> ns(const std::optional<uint64_t>& v) {
  if (!v) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<int64_t>(std::min<uint64_t>(*v, INT64_MAX)));
}

// handle(own outgoing-request, option<own request-options>) -> result<own future, error-code>.
Result<void> handle(HostCall& c, const HttpTypes& t, const std::shared_ptr<const OutboundHttp>& out,
                    Args a, Args r) {
  HTTP_ASSIGN(OutgoingRequestObj * q, object<OutgoingRequestObj>(c, t.outgoing_request, a[0]));
  OutgoingHttpRequest req = q->request;
  req.headers = *q->headers;
  std::shared_ptr<BodySink> body = q->body;
  c.resources().remove(t.outgoing_request, a[0].rep());
  if (a[1].isSome()) {
    HTTP_ASSIGN(RequestOptions * o, object<RequestOptions>(c, t.request_options, a[1].payload()));
    req.connect_timeout = ns(o->connect_ns);
    req.first_byte_timeout = ns(o->first_byte_ns);
    req.between_bytes_timeout = ns(o->between_bytes_ns);
    c.resources().remove(t.request_options, a[1].payload().rep());
  }
  HttpResult<void> allowed = out ? out->check(req)
                                 : HttpResult<void>(std::unexpected(HttpError{
                                       HttpErrorCase::kHttpRequestDenied, "no outbound HTTP", {}}));
  if (!allowed) {
    r[0] = Val::err(allowed.error().toVal());
    return {};
  }
  OutboundCall call;
  if (instance::RequestContext* request = c.context()) {
    call = {request->deadlineOrMax(), request->observation};
  }
  auto pending = std::make_shared<PendingResponse>(std::move(req), std::move(body), out, call);
  HTTP_ASSIGN(uint32_t rep, c.resources().add(t.future_incoming_response,
                                              std::make_unique<FutureIncomingResponse>(pending)));
  r[0] = Val::ok(Val::own(rep));
  return {};
}

// future-incoming-response.get -> option<result<result<own incoming-response, error-code>>>.
Result<void> get(HostCall& c, const HttpTypes& t, Args a, Args r) {
  HTTP_ASSIGN(FutureIncomingResponse * f,
              object<FutureIncomingResponse>(c, t.future_incoming_response, a[0]));
  bool again = f->pending->taken();
  auto res = f->pending->take();
  if (!res) {
    r[0] = Val::none();
    return {};
  }
  if (again) {
    r[0] = Val::some(Val::err());
    return {};
  }
  if (!*res) {
    r[0] = Val::some(Val::ok(Val::err(res->error().toVal())));
    return {};
  }
  auto obj = std::make_unique<IncomingResponseObj>();
  obj->status = (*res)->status;
  obj->headers = std::make_shared<FieldList>(std::move((*res)->headers));
  obj->body = std::make_shared<BodySource>(BodySource{std::move((*res)->body), 0});
  HTTP_ASSIGN(uint32_t rep, c.resources().add(t.incoming_response, std::move(obj)));
  r[0] = Val::some(Val::ok(Val::ok(Val::own(rep))));
  return {};
}

}  // namespace

void defineOutgoingHandler(ComponentLinker& l, const HttpTypes& t, const IoTypes& io,
                           std::shared_ptr<const OutboundHttp> outbound) {
  l.defineFunc(kOutgoingHandler, "handle",
               [t, outbound](HostCall& c, Args a, Args r) { return handle(c, t, outbound, a, r); });
  l.defineFunc(kTypes, "[method]future-incoming-response.subscribe",
               [t, io](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(FutureIncomingResponse * f,
                             object<FutureIncomingResponse>(c, t.future_incoming_response, a[0]));
                 HTTP_ASSIGN(r[0], ownPollable(c, io, f->pending));
                 return {};
               });
  l.defineFunc(kTypes, "[method]future-incoming-response.get",
               [t](HostCall& c, Args a, Args r) { return get(c, t, a, r); });
}

}  // namespace tern::wasi2::http_impl
