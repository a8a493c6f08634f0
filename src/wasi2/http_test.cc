// Tests for the wasi:http host: host functions called through the linker with a real Session.
#include "wasi2/http.h"

#include <gtest/gtest.h>

#include "component/component.h"
#include "wasi2/wasi2.h"

namespace tern::wasi2 {
namespace {

constexpr std::string_view kTypes = "wasi:http/types@0.2.10";  // any 0.2.x resolves
constexpr std::string_view kHandler = "wasi:http/outgoing-handler@0.2.12";

// An OutboundHttp that records what it was asked and answers from a table: the host functions'
// side of outbound requests, without sockets (host/outbound_http_test covers libcurl).
class RecordingOutbound : public OutboundHttp {
 public:
  HttpResult<void> check(const OutgoingHttpRequest& r) const override {
    if (r.authority == "denied.example") {
      return std::unexpected(HttpError{HttpErrorCase::kHttpRequestDenied, "denied", {}});
    }
    return {};
  }
  HttpResult<IncomingHttpResponse> send(const OutgoingHttpRequest& r,
                                        const OutboundCall&) const override {
    sent.push_back(r);
    if (r.path_with_query == "/fail") {
      return std::unexpected(HttpError{HttpErrorCase::kConnectionRefused, "refused", {}});
    }
    return IncomingHttpResponse{203, {{"x-from", "upstream"}}, "upstream body " + r.body};
  }
  mutable std::vector<OutgoingHttpRequest> sent;
};

class WasiHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = instance::Engine::create({});
    ASSERT_TRUE(e.has_value());
    engine_ = std::move(*e);
    io_ = defineWasiP2(linker_);
    outbound_ = std::make_shared<RecordingOutbound>();
    t_ = defineWasiHttp(linker_, io_, outbound_);
    session_ = std::make_unique<Session>(*engine_, instance::StoreLimits{}, &request_);
  }

  // Calls a host function with `args`; returns its result (or a unit Val for no result).
  Result<Val> call(std::string_view iface, std::string_view name, std::vector<Val> args,
                   size_t nresults = 1) {
    const HostFunc* f = linker_.findFunc(iface, name);
    if (!f) return fail(ErrorCode::kUnlinkable, "no host function ", iface, "#", name);
    HostCall hc(*session_, nullptr);
    std::vector<Val> results(nresults);
    TERN_TRY((*f)(hc, args, results));
    return nresults ? std::move(results[0]) : Val();
  }
  Val ok(std::string_view name, std::vector<Val> args, std::string_view iface = kTypes) {
    auto r = call(iface, name, std::move(args));
    EXPECT_TRUE(r.has_value()) << name << ": " << (r ? "" : r.error().toString());
    return r ? std::move(*r) : Val();
  }
  void unit(std::string_view name, std::vector<Val> args) {
    auto r = call(kTypes, name, std::move(args), 0);
    EXPECT_TRUE(r.has_value()) << name << ": " << (r ? "" : r.error().toString());
  }
  uint32_t newFields(FieldList entries = {}) {
    Val f = ok("[constructor]fields", {});
    for (auto& [k, v] : entries) {
      EXPECT_TRUE(
          ok("[method]fields.append", {Val::borrow(f.rep()), Val::string(k), Val::byteList(v)})
              .isOk());
    }
    return f.rep();
  }
  std::vector<std::string> get(uint32_t fields, std::string name) {
    Val v = ok("[method]fields.get", {Val::borrow(fields), Val::string(name)});
    std::vector<std::string> out;
    for (const Val& x : v.items) out.push_back(x.bytes);
    return out;
  }
  std::string readAll(uint32_t input_stream) {
    auto* s = session_->resources().get<InputStream>(io_.input_stream, input_stream);
    EXPECT_NE(s, nullptr);
    std::string out;
    while (s && s->read(1000, true, out).kind == StreamStatus::kOk) {
    }
    return out;
  }

  std::unique_ptr<instance::Engine> engine_;
  ComponentLinker linker_;
  IoTypes io_;
  HttpTypes t_;
  std::shared_ptr<RecordingOutbound> outbound_;
  WasiP2Context ctx_;
  instance::RequestContext request_{.wasi2 = &ctx_};  // the request the session serves
  std::unique_ptr<Session> session_;
};

TEST_F(WasiHttpTest, FieldsKeepOrderLowerCaseNamesAndMultipleValues) {
  uint32_t f = newFields({{"Content-Type", "text/plain"}, {"X-A", "1"}, {"x-a", "2"}});
  EXPECT_EQ(get(f, "X-a"), (std::vector<std::string>{"1", "2"}));
  EXPECT_TRUE(ok("[method]fields.has", {Val::borrow(f), Val::string("CONTENT-type")}).b);
  EXPECT_FALSE(ok("[method]fields.has", {Val::borrow(f), Val::string("missing")}).b);
  Val entries = ok("[method]fields.entries", {Val::borrow(f)});
  ASSERT_EQ(entries.items.size(), 3u);
  EXPECT_EQ(entries.items[0].items[0].bytes, "content-type");
  EXPECT_EQ(entries.items[2].items[1].bytes, "2");
  std::vector<Val> two;
  two.push_back(Val::byteList("a"));
  two.push_back(Val::byteList("b"));
  EXPECT_TRUE(
      ok("[method]fields.set", {Val::borrow(f), Val::string("x-a"), Val::list(std::move(two))})
          .isOk());
  EXPECT_EQ(get(f, "x-a"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(ok("[method]fields.delete", {Val::borrow(f), Val::string("X-A")}).isOk());
  EXPECT_TRUE(get(f, "x-a").empty());
  Val clone = ok("[method]fields.clone", {Val::borrow(f)});
  EXPECT_TRUE(
      ok("[method]fields.append", {Val::borrow(clone.rep()), Val::string("y"), Val::byteList("1")})
          .isOk());
  EXPECT_TRUE(get(f, "y").empty()) << "a clone is independent";
}

TEST_F(WasiHttpTest, FieldsRejectBadSyntaxAndForbiddenNames) {
  uint32_t f = newFields();
  auto errCase = [](const Val& v) { return v.isOk() ? -1 : static_cast<int>(v.payload().disc); };
  EXPECT_EQ(errCase(ok("[method]fields.append",
                       {Val::borrow(f), Val::string("bad name"), Val::byteList("x")})),
            0);
  EXPECT_EQ(errCase(ok("[method]fields.append",
                       {Val::borrow(f), Val::string("x"), Val::byteList("a\r\nb: c")})),
            0);
  EXPECT_EQ(
      errCase(ok("[method]fields.append", {Val::borrow(f), Val::string(""), Val::byteList("x")})),
      0);
  EXPECT_EQ(errCase(ok("[method]fields.append",
                       {Val::borrow(f), Val::string("Host"), Val::byteList("x")})),
            1);
  EXPECT_EQ(
      errCase(ok("[method]fields.delete", {Val::borrow(f), Val::string("transfer-encoding")})), 1);
  std::vector<Val> entries;
  entries.push_back(Val::tuple({Val::string("ok"), Val::byteList("1")}));
  entries.push_back(Val::tuple({Val::string("connection"), Val::byteList("close")}));
  Val from = ok("[static]fields.from-list", {Val::list(std::move(entries))});
  ASSERT_FALSE(from.isOk());
  EXPECT_EQ(from.payload().disc, 1u);
  size_t live = session_->resources().live();
  for (size_t i = 0; i < kMaxFieldsEntries; ++i) {
    ok("[method]fields.append", {Val::borrow(f), Val::string("n"), Val::byteList("v")});
  }
  EXPECT_EQ(
      errCase(ok("[method]fields.append", {Val::borrow(f), Val::string("n"), Val::byteList("v")})),
      0)
      << "past kMaxFieldsEntries";
  EXPECT_EQ(session_->resources().live(), live);
}

TEST_F(WasiHttpTest, IncomingRequestExposesTheRequestAndItsBodyOnce) {
  auto req = std::make_unique<IncomingRequest>();
  req->method = "PROPFIND";
  req->authority = "example.com:8080";
  req->path_with_query = "/a/b?c=d";
  req->headers = {{"x-one", "1"}, {"spin-path-info", "/b"}};
  req->body = std::make_shared<BodySource>(BodySource{std::string(3000, 'z'), 0});
  uint32_t rep = session_->resources().add(t_.incoming_request, std::move(req)).value();
  Val m = ok("[method]incoming-request.method", {Val::borrow(rep)});
  EXPECT_EQ(m.disc, 9u);
  EXPECT_EQ(m.payload().bytes, "PROPFIND");
  EXPECT_EQ(ok("[method]incoming-request.path-with-query", {Val::borrow(rep)}).payload().bytes,
            "/a/b?c=d");
  EXPECT_EQ(ok("[method]incoming-request.authority", {Val::borrow(rep)}).payload().bytes,
            "example.com:8080");
  EXPECT_EQ(ok("[method]incoming-request.scheme", {Val::borrow(rep)}).payload().disc, 0u);
  uint32_t h = ok("[method]incoming-request.headers", {Val::borrow(rep)}).rep();
  EXPECT_EQ(get(h, "spin-path-info"), std::vector<std::string>{"/b"});
  Val imm = ok("[method]fields.append", {Val::borrow(h), Val::string("x"), Val::byteList("y")});
  ASSERT_FALSE(imm.isOk());
  EXPECT_EQ(imm.payload().disc, 2u) << "request headers are immutable";
  Val body = ok("[method]incoming-request.consume", {Val::borrow(rep)});
  ASSERT_TRUE(body.isOk());
  EXPECT_FALSE(ok("[method]incoming-request.consume", {Val::borrow(rep)}).isOk())
      << "consume twice";
  Val stream = ok("[method]incoming-body.stream", {Val::borrow(body.payload().rep())});
  ASSERT_TRUE(stream.isOk());
  EXPECT_FALSE(ok("[method]incoming-body.stream", {Val::borrow(body.payload().rep())}).isOk());
  EXPECT_EQ(readAll(stream.payload().rep()), std::string(3000, 'z'));
  Val trailers = ok("[static]incoming-body.finish", {Val::own(body.payload().rep())});
  EXPECT_EQ(session_->resources().get(t_.incoming_body, body.payload().rep()), nullptr);
  Val got = ok("[method]future-trailers.get", {Val::borrow(trailers.rep())});
  ASSERT_TRUE(got.isSome());
  EXPECT_TRUE(got.payload().isOk() && got.payload().payload().isOk());
  EXPECT_FALSE(ok("[method]future-trailers.get", {Val::borrow(trailers.rep())}).payload().isOk());
}

TEST_F(WasiHttpTest, OutparamCarriesStatusHeadersAndBody) {
  auto slot = std::make_shared<ResponseSlot>();
  uint32_t out = session_->resources()
                     .add(t_.response_outparam, std::make_unique<ResponseOutparam>(slot))
                     .value();
  uint32_t h = newFields({{"Content-Type", "text/plain"}});
  Val res = ok("[constructor]outgoing-response", {Val::own(h)});
  EXPECT_EQ(session_->resources().get(t_.fields, h), nullptr) << "the constructor takes the fields";
  EXPECT_EQ(ok("[method]outgoing-response.status-code", {Val::borrow(res.rep())}).u, 200u);
  EXPECT_FALSE(
      ok("[method]outgoing-response.set-status-code", {Val::borrow(res.rep()), Val::u16(42)})
          .isOk());
  EXPECT_TRUE(
      ok("[method]outgoing-response.set-status-code", {Val::borrow(res.rep()), Val::u16(418)})
          .isOk());
  uint32_t rh = ok("[method]outgoing-response.headers", {Val::borrow(res.rep())}).rep();
  EXPECT_EQ(
      ok("[method]fields.set", {Val::borrow(rh), Val::string("a"), Val::list({})}).payload().disc,
      2u);
  Val body = ok("[method]outgoing-response.body", {Val::borrow(res.rep())});
  ASSERT_TRUE(body.isOk());
  EXPECT_FALSE(ok("[method]outgoing-response.body", {Val::borrow(res.rep())}).isOk());
  Val stream = ok("[method]outgoing-body.write", {Val::borrow(body.payload().rep())});
  ASSERT_TRUE(stream.isOk());
  auto* os = session_->resources().get<OutputStream>(io_.output_stream, stream.payload().rep());
  ASSERT_NE(os, nullptr);
  EXPECT_EQ(os->write("hello, ").kind, StreamStatus::kOk);
  unit("[static]response-outparam.set", {Val::own(out), Val::ok(Val::own(res.rep()))});
  EXPECT_EQ(os->write("world").kind, StreamStatus::kOk) << "the body may follow set";
  EXPECT_TRUE(
      ok("[static]outgoing-body.finish", {Val::own(body.payload().rep()), Val::none()}).isOk());
  EXPECT_EQ(os->write("!").kind, StreamStatus::kClosed);
  ASSERT_TRUE(slot->set);
  EXPECT_FALSE(slot->error.has_value());
  EXPECT_EQ(slot->status, 418);
  ASSERT_EQ(slot->headers.size(), 1u);
  EXPECT_EQ(slot->headers[0], (std::pair<std::string, std::string>{"content-type", "text/plain"}));
  ASSERT_TRUE(slot->body);
  EXPECT_EQ(slot->body->bytes, "hello, world");
  EXPECT_TRUE(slot->body->finished);
}

TEST_F(WasiHttpTest, OutparamErrorsAndBodyCap) {
  auto slot = std::make_shared<ResponseSlot>();
  uint32_t out = session_->resources()
                     .add(t_.response_outparam, std::make_unique<ResponseOutparam>(slot))
                     .value();
  HttpError e{HttpErrorCase::kInternalError, "boom", {}};
  unit("[static]response-outparam.set", {Val::own(out), Val::err(e.toVal())});
  ASSERT_TRUE(slot->set && slot->error);
  EXPECT_EQ(slot->error->code, HttpErrorCase::kInternalError);
  EXPECT_EQ(slot->error->message, "boom");

  auto small = std::make_shared<ResponseSlot>();
  small->max_body = 10;
  uint32_t out2 = session_->resources()
                      .add(t_.response_outparam, std::make_unique<ResponseOutparam>(small))
                      .value();
  Val res = ok("[constructor]outgoing-response", {Val::own(newFields())});
  Val body = ok("[method]outgoing-response.body", {Val::borrow(res.rep())});
  unit("[static]response-outparam.set", {Val::own(out2), Val::ok(Val::own(res.rep()))});
  Val stream = ok("[method]outgoing-body.write", {Val::borrow(body.payload().rep())});
  auto* os = session_->resources().get<OutputStream>(io_.output_stream, stream.payload().rep());
  uint64_t permitted = 0;
  EXPECT_EQ(os->checkWrite(permitted).kind, StreamStatus::kOk);
  EXPECT_EQ(permitted, 10u);
  EXPECT_EQ(os->write("0123456789abc").kind, StreamStatus::kFailed);
  EXPECT_TRUE(small->body->too_large);
}

TEST_F(WasiHttpTest, OutgoingRequestSettersValidate) {
  Val req = ok("[constructor]outgoing-request", {Val::own(newFields({{"x-a", "1"}}))});
  Val self = Val::borrow(req.rep());
  EXPECT_EQ(ok("[method]outgoing-request.method", {self}).disc, 0u);
  EXPECT_TRUE(ok("[method]outgoing-request.set-method", {self, Val::variant(2)}).isOk());
  EXPECT_FALSE(
      ok("[method]outgoing-request.set-method", {self, Val::variant(9, Val::string("BAD METHOD"))})
          .isOk());
  EXPECT_EQ(ok("[method]outgoing-request.method", {self}).disc, 2u);
  EXPECT_FALSE(ok("[method]outgoing-request.scheme", {self}).isSome());
  EXPECT_TRUE(ok("[method]outgoing-request.set-scheme", {self, Val::some(Val::variant(0))}).isOk());
  EXPECT_EQ(ok("[method]outgoing-request.scheme", {self}).payload().disc, 0u);
  EXPECT_FALSE(
      ok("[method]outgoing-request.set-authority", {self, Val::some(Val::string("a b"))}).isOk());
  EXPECT_TRUE(
      ok("[method]outgoing-request.set-authority", {self, Val::some(Val::string("api.test:81"))})
          .isOk());
  EXPECT_EQ(ok("[method]outgoing-request.authority", {self}).payload().bytes, "api.test:81");
  EXPECT_FALSE(
      ok("[method]outgoing-request.set-path-with-query", {self, Val::some(Val::string("/a\nb"))})
          .isOk());
  EXPECT_TRUE(
      ok("[method]outgoing-request.set-path-with-query", {self, Val::some(Val::string("/p?q"))})
          .isOk());
  EXPECT_EQ(ok("[method]outgoing-request.path-with-query", {self}).payload().bytes, "/p?q");
  uint32_t h = ok("[method]outgoing-request.headers", {self}).rep();
  EXPECT_EQ(get(h, "x-a"), std::vector<std::string>{"1"});
  Val opts = ok("[constructor]request-options", {});
  EXPECT_FALSE(ok("[method]request-options.connect-timeout", {Val::borrow(opts.rep())}).isSome());
  EXPECT_TRUE(ok("[method]request-options.set-connect-timeout",
                 {Val::borrow(opts.rep()), Val::some(Val::u64(5))})
                  .isOk());
  EXPECT_EQ(ok("[method]request-options.connect-timeout", {Val::borrow(opts.rep())}).payload().u,
            5u);
}

TEST_F(WasiHttpTest, OutgoingHandlerDeniesBeforeSendingAndSendsOnceTheBodyIsDone) {
  auto makeRequest = [&](std::string authority, std::string path) {
    Val req = ok("[constructor]outgoing-request", {Val::own(newFields({{"x-a", "1"}}))});
    ok("[method]outgoing-request.set-scheme", {Val::borrow(req.rep()), Val::some(Val::variant(0))});
    ok("[method]outgoing-request.set-authority",
       {Val::borrow(req.rep()), Val::some(Val::string(authority))});
    ok("[method]outgoing-request.set-path-with-query",
       {Val::borrow(req.rep()), Val::some(Val::string(path))});
    return req;
  };
  Val denied =
      ok("handle", {Val::own(makeRequest("denied.example", "/").rep()), Val::none()}, kHandler);
  ASSERT_FALSE(denied.isOk());
  EXPECT_EQ(denied.payload().disc, static_cast<uint32_t>(HttpErrorCase::kHttpRequestDenied));
  EXPECT_TRUE(outbound_->sent.empty());

  Val req = makeRequest("api.test", "/echo");
  ok("[method]outgoing-request.set-method", {Val::borrow(req.rep()), Val::variant(2)});
  Val body = ok("[method]outgoing-request.body", {Val::borrow(req.rep())});
  Val fut = ok("handle", {Val::own(req.rep()), Val::none()}, kHandler);
  ASSERT_TRUE(fut.isOk());
  uint32_t f = fut.payload().rep();
  EXPECT_FALSE(ok("[method]future-incoming-response.get", {Val::borrow(f)}).isSome())
      << "not sent while the body is still open";
  Val stream = ok("[method]outgoing-body.write", {Val::borrow(body.payload().rep())});
  session_->resources().get<OutputStream>(io_.output_stream, stream.payload().rep())->write("abc");
  ok("[static]outgoing-body.finish", {Val::own(body.payload().rep()), Val::none()});
  Val got = ok("[method]future-incoming-response.get", {Val::borrow(f)});
  ASSERT_TRUE(got.isSome() && got.payload().isOk() && got.payload().payload().isOk());
  ASSERT_EQ(outbound_->sent.size(), 1u);
  EXPECT_EQ(outbound_->sent[0].method, "POST");
  EXPECT_EQ(outbound_->sent[0].scheme, "http");
  EXPECT_EQ(outbound_->sent[0].authority, "api.test");
  EXPECT_EQ(outbound_->sent[0].body, "abc");
  uint32_t resp = got.payload().payload().payload().rep();
  EXPECT_EQ(ok("[method]incoming-response.status", {Val::borrow(resp)}).u, 203u);
  uint32_t rh = ok("[method]incoming-response.headers", {Val::borrow(resp)}).rep();
  EXPECT_EQ(get(rh, "X-From"), std::vector<std::string>{"upstream"});
  Val rb = ok("[method]incoming-response.consume", {Val::borrow(resp)});
  Val rs = ok("[method]incoming-body.stream", {Val::borrow(rb.payload().rep())});
  EXPECT_EQ(readAll(rs.payload().rep()), "upstream body abc");
  EXPECT_FALSE(ok("[method]future-incoming-response.get", {Val::borrow(f)}).payload().isOk())
      << "the response is taken once";

  Val failing =
      ok("handle", {Val::own(makeRequest("api.test", "/fail").rep()), Val::none()}, kHandler);
  Val err = ok("[method]future-incoming-response.get", {Val::borrow(failing.payload().rep())});
  ASSERT_TRUE(err.isSome() && err.payload().isOk());
  ASSERT_FALSE(err.payload().payload().isOk());
  EXPECT_EQ(err.payload().payload().payload().disc,
            static_cast<uint32_t>(HttpErrorCase::kConnectionRefused));
}

TEST_F(WasiHttpTest, WithoutOutboundEverythingIsDenied) {
  ComponentLinker linker;
  IoTypes io = defineWasiP2(linker);
  defineWasiHttp(linker, io, nullptr);
  const HostFunc* handle = linker.findFunc(kHandler, "handle");
  ASSERT_NE(handle, nullptr);
  HostCall hc(*session_, nullptr);
  std::vector<Val> r(1);
  auto fields = linker.findFunc(kTypes, "[constructor]fields");
  ASSERT_TRUE((*fields)(hc, {}, r).has_value());
  std::vector<Val> a{Val::own(r[0].rep())};
  ASSERT_TRUE((*linker.findFunc(kTypes, "[constructor]outgoing-request"))(hc, a, r).has_value());
  std::vector<Val> args{Val::own(r[0].rep()), Val::none()};
  ASSERT_TRUE((*handle)(hc, args, r).has_value());
  ASSERT_FALSE(r[0].isOk());
  EXPECT_EQ(r[0].payload().disc, static_cast<uint32_t>(HttpErrorCase::kHttpRequestDenied));
}

TEST_F(WasiHttpTest, StaleHandlesTrapInsteadOfCrashing) {
  auto r = call(kTypes, "[method]fields.get", {Val::borrow(12345), Val::string("x")});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kTrap);
  uint32_t f = newFields();
  auto wrong = call(kTypes, "[method]incoming-request.method", {Val::borrow(f)});
  EXPECT_FALSE(wrong.has_value()) << "a fields handle is not an incoming-request";
}

TEST(WasiHttpValues, ErrorCodeVariantPayloads) {
  HttpError denied{HttpErrorCase::kHttpRequestDenied, "x", {}};
  Val v = denied.toVal();
  EXPECT_EQ(v.disc, 15u);
  EXPECT_TRUE(v.items.empty());
  HttpError size{HttpErrorCase::kHttpResponseBodySize, {}, 1024};
  Val s = size.toVal();
  ASSERT_EQ(s.items.size(), 1u);
  EXPECT_EQ(s.payload().payload().u, 1024u);
  HttpError internal{HttpErrorCase::kInternalError, "why", {}};
  EXPECT_EQ(internal.toVal().disc, 38u);
  EXPECT_EQ(internal.toVal().payload().payload().bytes, "why");
  EXPECT_EQ(httpErrorName(HttpErrorCase::kDnsTimeout), "DNS-timeout");
  EXPECT_EQ(httpErrorName(HttpErrorCase::kInternalError), "internal-error");
  EXPECT_TRUE(validFieldName("x-custom_1"));
  EXPECT_FALSE(validFieldName("a:b"));
  EXPECT_FALSE(validFieldValue(std::string("a\0b", 3)));
  EXPECT_TRUE(forbiddenFieldName("host"));
  EXPECT_FALSE(forbiddenFieldName("content-type"));
}

}  // namespace
}  // namespace tern::wasi2
