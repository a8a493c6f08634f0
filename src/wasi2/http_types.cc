// wasi:http/types host functions for requests, responses, bodies, options and the outparam.
#include "wasi2/http_impl.h"

namespace tern::wasi2 {
namespace http_impl {

HttpError httpErrorFromVal(const Val& v) {
  HttpError e;
  e.code = v.disc <= static_cast<uint32_t>(HttpErrorCase::kInternalError)
               ? static_cast<HttpErrorCase>(v.disc)
               : HttpErrorCase::kInternalError;
  if (e.code == HttpErrorCase::kInternalError && !v.items.empty() && v.items[0].isSome()) {
    e.message = v.items[0].payload().bytes;
  }
  return e;
}

namespace {

using Args = std::span<Val>;

Val optString(const std::string& s) { return s.empty() ? Val::none() : Val::some(Val::string(s)); }

// Takes an own<fields> argument: its list (the resource is consumed).
Result<std::shared_ptr<FieldList>> takeFields(HostCall& call, const HttpTypes& t, const Val& v) {
  HTTP_ASSIGN(Fields * f, object<Fields>(call, t.fields, v));
  auto list = f->list;
  call.resources().remove(t.fields, v.rep());
  return list;
}

// A path-with-query or authority the guest sets: no whitespace or control characters.
bool validUriPart(std::string_view s) {
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

Result<Val> newBody(HostCall& call, const HttpTypes& t, std::shared_ptr<BodySink>& slot) {
  if (slot) return Val::err();
  slot = std::make_shared<BodySink>();
  HTTP_ASSIGN(uint32_t rep,
              call.resources().add(t.outgoing_body, std::make_unique<OutgoingBody>(slot)));
  return Val::ok(Val::own(rep));
}

Result<Val> consumeBody(HostCall& call, const HttpTypes& t, bool& consumed,
                        const std::shared_ptr<BodySource>& source) {
  if (consumed) return Val::err();
  consumed = true;
  auto body = source ? source : std::make_shared<BodySource>();
  HTTP_ASSIGN(uint32_t rep,
              call.resources().add(t.incoming_body, std::make_unique<IncomingBody>(body)));
  return Val::ok(Val::own(rep));
}

void defineIncomingRequest(ComponentLinker& l, const HttpTypes& t) {
  auto self = [t](HostCall& call, const Val& v) {
    return object<IncomingRequest>(call, t.incoming_request, v);
  };
  l.defineFunc(kTypes, "[method]incoming-request.method",
               [self](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(IncomingRequest * q, self(c, a[0]));
                 r[0] = methodVal(q->method);
                 return {};
               });
  l.defineFunc(kTypes, "[method]incoming-request.path-with-query",
               [self](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(IncomingRequest * q, self(c, a[0]));
                 r[0] = Val::some(Val::string(q->path_with_query));
                 return {};
               });
  l.defineFunc(kTypes, "[method]incoming-request.scheme",
               [self](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(IncomingRequest * q, self(c, a[0]));
                 r[0] = Val::some(schemeVal(q->scheme));
                 return {};
               });
  l.defineFunc(kTypes, "[method]incoming-request.authority",
               [self](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(IncomingRequest * q, self(c, a[0]));
                 r[0] = optString(q->authority);
                 return {};
               });
  l.defineFunc(kTypes, "[method]incoming-request.headers",
               [self, t](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(IncomingRequest * q, self(c, a[0]));
                 HTTP_ASSIGN(r[0], ownFields(c, t, std::make_shared<FieldList>(q->headers), true));
                 return {};
               });
  l.defineFunc(kTypes, "[method]incoming-request.consume",
               [self, t](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(IncomingRequest * q, self(c, a[0]));
                 HTTP_ASSIGN(r[0], consumeBody(c, t, q->consumed, q->body));
                 return {};
               });
}

void defineOutgoingRequest(ComponentLinker& l, const HttpTypes& t) {
  auto self = [t](HostCall& call, const Val& v) {
    return object<OutgoingRequestObj>(call, t.outgoing_request, v);
  };
  l.defineFunc(kTypes, "[constructor]outgoing-request",
               [t](HostCall& c, Args a, Args r) -> Result<void> {
                 auto req = std::make_unique<OutgoingRequestObj>();
                 HTTP_ASSIGN(req->headers, takeFields(c, t, a[0]));
                 HTTP_ASSIGN(uint32_t rep, c.resources().add(t.outgoing_request, std::move(req)));
                 r[0] = Val::own(rep);
                 return {};
               });
  l.defineFunc(kTypes, "[method]outgoing-request.body",
               [self, t](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(OutgoingRequestObj * q, self(c, a[0]));
                 HTTP_ASSIGN(r[0], newBody(c, t, q->body));
                 return {};
               });
  l.defineFunc(kTypes, "[method]outgoing-request.method",
               [self](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(OutgoingRequestObj * q, self(c, a[0]));
                 r[0] = methodVal(q->request.method);
                 return {};
               });
  l.defineFunc(kTypes, "[method]outgoing-request.set-method",
               [self](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(OutgoingRequestObj * q, self(c, a[0]));
                 HTTP_ASSIGN(std::string m, methodText(a[1]));
                 if (!validFieldName(m)) {  // a method is a token (RFC 9110 9.1)
                   r[0] = Val::err();
                   return {};
                 }
                 q->request.method = std::move(m);
                 r[0] = Val::ok();
                 return {};
               });
  l.defineFunc(kTypes, "[method]outgoing-request.path-with-query",
               [self](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(OutgoingRequestObj * q, self(c, a[0]));
                 r[0] =
                     q->path_set ? Val::some(Val::string(q->request.path_with_query)) : Val::none();
                 return {};
               });
  l.defineFunc(kTypes, "[method]outgoing-request.set-path-with-query",
               [self](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(OutgoingRequestObj * q, self(c, a[0]));
                 const std::string* p = a[1].isSome() ? &a[1].payload().bytes : nullptr;
                 if (p && !validUriPart(*p)) {
                   r[0] = Val::err();
                   return {};
                 }
                 q->path_set = p != nullptr;
                 q->request.path_with_query = p ? *p : "/";
                 r[0] = Val::ok();
                 return {};
               });
}

// scheme, authority and headers of an outgoing-request.
void defineOutgoingRequestOrigin(ComponentLinker& l, const HttpTypes& t) {
  auto self = [t](HostCall& call, const Val& v) {
    return object<OutgoingRequestObj>(call, t.outgoing_request, v);
  };
  l.defineFunc(kTypes, "[method]outgoing-request.scheme",
               [self](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(OutgoingRequestObj * q, self(c, a[0]));
                 r[0] = q->scheme_set ? Val::some(schemeVal(q->request.scheme)) : Val::none();
                 return {};
               });
  l.defineFunc(kTypes, "[method]outgoing-request.set-scheme",
               [self](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(OutgoingRequestObj * q, self(c, a[0]));
                 std::string s = a[1].isSome() ? schemeText(a[1].payload()) : "https";
                 if (s.empty() || !validUriPart(s)) {
                   r[0] = Val::err();
                   return {};
                 }
                 q->scheme_set = a[1].isSome();
                 q->request.scheme = std::move(s);
                 r[0] = Val::ok();
                 return {};
               });
  l.defineFunc(kTypes, "[method]outgoing-request.authority",
               [self](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(OutgoingRequestObj * q, self(c, a[0]));
                 r[0] =
                     q->authority_set ? Val::some(Val::string(q->request.authority)) : Val::none();
                 return {};
               });
  l.defineFunc(kTypes, "[method]outgoing-request.set-authority",
               [self](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(OutgoingRequestObj * q, self(c, a[0]));
                 const std::string* p = a[1].isSome() ? &a[1].payload().bytes : nullptr;
                 if (p && (!validUriPart(*p) || p->find_first_of("/?#@") != std::string::npos)) {
                   r[0] = Val::err();
                   return {};
                 }
                 q->authority_set = p != nullptr;
                 q->request.authority = p ? *p : "";
                 r[0] = Val::ok();
                 return {};
               });
  l.defineFunc(kTypes, "[method]outgoing-request.headers",
               [self, t](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(OutgoingRequestObj * q, self(c, a[0]));
                 HTTP_ASSIGN(r[0], ownFields(c, t, q->headers, true));
                 return {};
               });
}

// request-options: three optional durations (nanoseconds).
void defineRequestOptions(ComponentLinker& l, const HttpTypes& t) {
  l.defineFunc(
      kTypes, "[constructor]request-options", [t](HostCall& c, Args, Args r) -> Result<void> {
        HTTP_ASSIGN(uint32_t rep,
                    c.resources().add(t.request_options, std::make_unique<RequestOptions>()));
        r[0] = Val::own(rep);
        return {};
      });
  using Member = std::optional<uint64_t> RequestOptions::*;
  const std::pair<const char*, Member> kFields[] = {
      {"connect-timeout", &RequestOptions::connect_ns},
      {"first-byte-timeout", &RequestOptions::first_byte_ns},
      {"between-bytes-timeout", &RequestOptions::between_bytes_ns}};
  for (const auto& [name, member] : kFields) {
    l.defineFunc(kTypes, std::string("[method]request-options.") + name,
                 [t, member](HostCall& c, Args a, Args r) -> Result<void> {
                   HTTP_ASSIGN(RequestOptions * o,
                               object<RequestOptions>(c, t.request_options, a[0]));
                   auto v = o->*member;
                   r[0] = v ? Val::some(Val::u64(*v)) : Val::none();
                   return {};
                 });
    l.defineFunc(
        kTypes, std::string("[method]request-options.set-") + name,
        [t, member](HostCall& c, Args a, Args r) -> Result<void> {
          HTTP_ASSIGN(RequestOptions * o, object<RequestOptions>(c, t.request_options, a[0]));
          o->*member = a[1].isSome() ? std::optional<uint64_t>(a[1].payload().u) : std::nullopt;
          r[0] = Val::ok();
          return {};
        });
  }
}

}  // namespace

void defineRequests(ComponentLinker& l, const HttpTypes& t, const IoTypes& io) {
  defineIncomingRequest(l, t);
  defineOutgoingRequest(l, t);
  defineOutgoingRequestOrigin(l, t);
  defineRequestOptions(l, t);
  l.defineFunc(kTypes, "[method]incoming-body.stream",
               [t, io](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(IncomingBody * b, object<IncomingBody>(c, t.incoming_body, a[0]));
                 if (b->stream_taken) {
                   r[0] = Val::err();
                   return {};
                 }
                 b->stream_taken = true;
                 HTTP_ASSIGN(Val s, ownInputStream(c, io, makeBodyReader(b->source)));
                 r[0] = Val::ok(std::move(s));
                 return {};
               });
  l.defineFunc(
      kTypes, "[static]incoming-body.finish", [t](HostCall& c, Args a, Args r) -> Result<void> {
        HTTP_ASSIGN(IncomingBody * b, object<IncomingBody>(c, t.incoming_body, a[0]));
        (void)b;
        c.resources().remove(t.incoming_body, a[0].rep());
        HTTP_ASSIGN(uint32_t rep,
                    c.resources().add(t.future_trailers, std::make_unique<FutureTrailers>()));
        r[0] = Val::own(rep);
        return {};
      });
  l.defineFunc(kTypes, "[method]future-trailers.subscribe",
               [t, io](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(FutureTrailers * f,
                             object<FutureTrailers>(c, t.future_trailers, a[0]));
                 (void)f;
                 HTTP_ASSIGN(r[0], ownPollable(c, io, readySource()));
                 return {};
               });
  // Trailers are never received: ready at once with none; a second get is err (WIT).
  l.defineFunc(
      kTypes, "[method]future-trailers.get", [t](HostCall& c, Args a, Args r) -> Result<void> {
        HTTP_ASSIGN(FutureTrailers * f, object<FutureTrailers>(c, t.future_trailers, a[0]));
        r[0] = f->taken ? Val::some(Val::err()) : Val::some(Val::ok(Val::ok(Val::none())));
        f->taken = true;
        return {};
      });
}

namespace {

void defineOutgoingResponse(ComponentLinker& l, const HttpTypes& t) {
  auto self = [t](HostCall& call, const Val& v) {
    return object<OutgoingResponseObj>(call, t.outgoing_response, v);
  };
  l.defineFunc(kTypes, "[constructor]outgoing-response",
               [t](HostCall& c, Args a, Args r) -> Result<void> {
                 auto res = std::make_unique<OutgoingResponseObj>();
                 HTTP_ASSIGN(res->headers, takeFields(c, t, a[0]));
                 HTTP_ASSIGN(uint32_t rep, c.resources().add(t.outgoing_response, std::move(res)));
                 r[0] = Val::own(rep);
                 return {};
               });
  l.defineFunc(kTypes, "[method]outgoing-response.status-code",
               [self](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(OutgoingResponseObj * s, self(c, a[0]));
                 r[0] = Val::u16(s->status);
                 return {};
               });
  l.defineFunc(kTypes, "[method]outgoing-response.set-status-code",
               [self](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(OutgoingResponseObj * s, self(c, a[0]));
                 uint64_t code = a[1].u;
                 if (code < 100 || code > 999) {  // RFC 9110 15: three digits
                   r[0] = Val::err();
                   return {};
                 }
                 s->status = static_cast<uint16_t>(code);
                 r[0] = Val::ok();
                 return {};
               });
  l.defineFunc(kTypes, "[method]outgoing-response.headers",
               [self, t](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(OutgoingResponseObj * s, self(c, a[0]));
                 HTTP_ASSIGN(r[0], ownFields(c, t, s->headers, true));
                 return {};
               });
  l.defineFunc(kTypes, "[method]outgoing-response.body",
               [self, t](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(OutgoingResponseObj * s, self(c, a[0]));
                 HTTP_ASSIGN(r[0], newBody(c, t, s->body));
                 return {};
               });
}

// response-outparam.set(own param, result<own outgoing-response, error-code>).
Result<void> setOutparam(HostCall& c, const HttpTypes& t, Args a) {
  HTTP_ASSIGN(ResponseOutparam * p, object<ResponseOutparam>(c, t.response_outparam, a[0]));
  std::shared_ptr<ResponseSlot> slot = p->slot;
  c.resources().remove(t.response_outparam, a[0].rep());
  slot->set = true;
  const Val& res = a[1];
  if (!res.isOk()) {
    slot->error = res.items.empty() ? HttpError{} : httpErrorFromVal(res.payload());
    return {};
  }
  HTTP_ASSIGN(OutgoingResponseObj * o,
              object<OutgoingResponseObj>(c, t.outgoing_response, res.payload()));
  slot->status = o->status;
  slot->headers = *o->headers;
  slot->body = o->body;
  if (slot->body) {
    slot->body->max = slot->max_body;
    if (slot->body->bytes.size() > slot->max_body) slot->body->too_large = true;
  }
  c.resources().remove(t.outgoing_response, res.payload().rep());
  return {};
}

}  // namespace

void defineResponses(ComponentLinker& l, const HttpTypes& t, const IoTypes& io) {
  defineOutgoingResponse(l, t);
  l.defineFunc(kTypes, "[static]response-outparam.set",
               [t](HostCall& c, Args a, Args) { return setOutparam(c, t, a); });
  // 1xx responses are not forwarded (the server sends only 100 Continue itself).
  l.defineFunc(kTypes, "[method]response-outparam.send-informational",
               [t](HostCall& c, Args a, Args r) -> Result<void> {
                 if (a.size() > 2) c.resources().remove(t.fields, a[2].rep());
                 r[0] = Val::err(HttpError{HttpErrorCase::kHttpProtocolError, {}, {}}.toVal());
                 return {};
               });
  l.defineFunc(kTypes, "[method]incoming-response.status",
               [t](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(IncomingResponseObj * s,
                             object<IncomingResponseObj>(c, t.incoming_response, a[0]));
                 r[0] = Val::u16(s->status);
                 return {};
               });
  l.defineFunc(kTypes, "[method]incoming-response.headers",
               [t](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(IncomingResponseObj * s,
                             object<IncomingResponseObj>(c, t.incoming_response, a[0]));
                 HTTP_ASSIGN(r[0], ownFields(c, t, s->headers, true));
                 return {};
               });
  l.defineFunc(kTypes, "[method]incoming-response.consume",
               [t](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(IncomingResponseObj * s,
                             object<IncomingResponseObj>(c, t.incoming_response, a[0]));
                 HTTP_ASSIGN(r[0], consumeBody(c, t, s->consumed, s->body));
                 return {};
               });
  l.defineFunc(kTypes, "[method]outgoing-body.write",
               [t, io](HostCall& c, Args a, Args r) -> Result<void> {
                 HTTP_ASSIGN(OutgoingBody * b, object<OutgoingBody>(c, t.outgoing_body, a[0]));
                 if (b->sink->stream_taken) {
                   r[0] = Val::err();
                   return {};
                 }
                 b->sink->stream_taken = true;
                 HTTP_ASSIGN(Val s, ownOutputStream(c, io, makeBodyWriter(b->sink)));
                 r[0] = Val::ok(std::move(s));
                 return {};
               });
  l.defineFunc(
      kTypes, "[static]outgoing-body.finish", [t](HostCall& c, Args a, Args r) -> Result<void> {
        HTTP_ASSIGN(OutgoingBody * b, object<OutgoingBody>(c, t.outgoing_body, a[0]));
        std::shared_ptr<BodySink> sink = b->sink;
        sink->finished = true;
        c.resources().remove(t.outgoing_body, a[0].rep());
        if (a[1].isSome())
          c.resources().remove(t.fields, a[1].payload().rep());  // trailers: unsent
        r[0] = sink->too_large
                   ? Val::err(HttpError{HttpErrorCase::kHttpRequestBodySize, {}, sink->bytes.size()}
                                  .toVal())
                   : Val::ok();
        return {};
      });
}

}  // namespace http_impl

HttpTypes defineWasiHttp(ComponentLinker& linker, const IoTypes& io,
                         std::shared_ptr<const OutboundHttp> outbound) {
  using http_impl::kTypes;
  HttpTypes t;
  t.fields = linker.defineResource(kTypes, "fields");
  t.incoming_request = linker.defineResource(kTypes, "incoming-request");
  t.outgoing_request = linker.defineResource(kTypes, "outgoing-request");
  t.request_options = linker.defineResource(kTypes, "request-options");
  t.response_outparam = linker.defineResource(kTypes, "response-outparam");
  t.incoming_response = linker.defineResource(kTypes, "incoming-response");
  t.incoming_body = linker.defineResource(kTypes, "incoming-body");
  t.future_trailers = linker.defineResource(kTypes, "future-trailers");
  t.outgoing_response = linker.defineResource(kTypes, "outgoing-response");
  t.outgoing_body = linker.defineResource(kTypes, "outgoing-body");
  t.future_incoming_response = linker.defineResource(kTypes, "future-incoming-response");
  http_impl::defineFields(linker, t);
  http_impl::defineRequests(linker, t, io);
  http_impl::defineResponses(linker, t, io);
  // http-error-code: stream errors of this host carry no HTTP error code.
  linker.defineFunc(kTypes, "http-error-code",
                    [](HostCall&, std::span<Val>, std::span<Val> r) -> Result<void> {
                      r[0] = Val::none();
                      return {};
                    });
  http_impl::defineOutgoingHandler(linker, t, io, std::move(outbound));
  return t;
}

}  // namespace tern::wasi2
