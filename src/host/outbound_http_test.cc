// Tests for outbound HTTP: real requests to a Boost.Beast server on 127.0.0.1 started by the test.
#include "host/outbound_http.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <thread>

#include "common/observation.h"

namespace tern::host {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::ip::tcp;
using wasi2::HttpErrorCase;
using wasi2::OutgoingHttpRequest;
using Clock = std::chrono::steady_clock;

// One request per connection, handled in order on one thread.
class LoopbackServer {
 public:
  LoopbackServer() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { run(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    boost::system::error_code ec;
    tcp::socket s(ioc_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    thread_.join();
  }
  uint16_t port() const { return port_; }
  std::atomic<int> requests{0};

 private:
  void run() {
    while (!stop_) {
      tcp::socket sock(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(sock, ec);
      if (ec || stop_) return;
      beast::flat_buffer buf;
      bhttp::request<bhttp::string_body> req;
      bhttp::read(sock, buf, req, ec);
      if (ec) continue;
      ++requests;
      bhttp::response<bhttp::string_body> res{bhttp::status::ok, req.version()};
      std::string target(req.target());
      if (target == "/hello") {
        res.set("X-Test", "yes");
        res.body() = "hello from loopback";
      } else if (target.starts_with("/echo")) {
        res.set("x-got-header", std::string(req["x-custom"]));
        res.set("x-got-traceparent", std::string(req["traceparent"]));
        res.set("x-got-tracestate", std::string(req["tracestate"]));
        res.body() = std::string(req.method_string()) + " " + target + " " + req.body();
      } else if (target == "/big") {
        res.body() = std::string(2u << 20, 'b');
      } else if (target == "/slow") {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        res.body() = "late";
      } else if (target == "/redirect") {
        res.result(bhttp::status::found);
        res.set(bhttp::field::location, "/hello");
      } else {
        res.result(bhttp::status::not_found);
      }
      res.prepare_payload();
      bhttp::write(sock, res, ec);
      sock.shutdown(tcp::socket::shutdown_both, ec);
    }
  }
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::shared_ptr<const wasi2::OutboundHttp> outbound(std::vector<std::string> allowed,
                                                        OutboundOptions o = {}) {
  auto hosts = AllowedHosts::parse(allowed);
  EXPECT_TRUE(hosts.has_value());
  o.log_denied = false;
  return makeOutboundHttp(std::move(*hosts), std::move(o));
}

OutgoingHttpRequest request(uint16_t port, std::string path, std::string method = "GET") {
  OutgoingHttpRequest r;
  r.method = std::move(method);
  r.scheme = "http";
  r.authority = "127.0.0.1:" + std::to_string(port);
  r.path_with_query = std::move(path);
  return r;
}

// An outbound call for a request due in `d`, not observed.
wasi2::OutboundCall in(std::chrono::milliseconds d) { return {Clock::now() + d, nullptr}; }

TEST(OutboundHttp, AllowedRequestReturnsStatusHeadersAndBody) {
  LoopbackServer server;
  auto out = outbound({"http://127.0.0.1:" + std::to_string(server.port())});
  auto req = request(server.port(), "/hello");
  ASSERT_TRUE(out->check(req).has_value());
  auto res = out->send(req, in(std::chrono::seconds(10)));
  ASSERT_TRUE(res.has_value()) << wasi2::httpErrorName(res.error().code);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello from loopback");
  bool found = false;
  for (const auto& [k, v] : res->headers) found = found || (k == "x-test" && v == "yes");
  EXPECT_TRUE(found) << "header names come back lower-case";
}

TEST(OutboundHttp, SendsMethodHeadersAndBody) {
  LoopbackServer server;
  auto out = outbound({"http://127.0.0.1:*"});
  auto req = request(server.port(), "/echo?q=1", "PUT");
  req.headers = {{"x-custom", "abc"}};
  req.body = "payload";
  auto res = out->send(req, in(std::chrono::seconds(10)));
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->body, "PUT /echo?q=1 payload");
  bool found = false;
  for (const auto& [k, v] : res->headers) found = found || (k == "x-got-header" && v == "abc");
  EXPECT_TRUE(found);
}

std::string responseHeader(const wasi2::IncomingHttpResponse& res, std::string_view name) {
  for (const auto& [k, v] : res.headers) {
    if (k == name) return v;
  }
  return "<absent>";
}

// The current span's trace context, as observe/ reports it for a traced request.
class FixedTraceObservation final : public obs::RequestObservation {
 public:
  void routed(std::string_view, std::string_view) override {}
  void phaseBegin(obs::Phase) override {}
  void phaseEnd(obs::Phase, const Error*) override {}
  void memoryInUse(uint64_t) override {}
  void hostCallBegin(uint32_t, std::string_view) override {}
  void hostCallEnd(uint32_t, bool) override {}
  std::optional<obs::TraceHeaders> traceHeaders() const override {
    return obs::TraceHeaders{"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                             "vendor=abc"};
  }
  std::string traceId() const override { return "0af7651916cd43dd8448eb211c80319c"; }
  void end(uint16_t) override {}
};

TEST(OutboundHttp, CarriesTheCurrentTraceContextUnlessTheGuestSetsOne) {
  LoopbackServer server;
  auto out = outbound({"http://127.0.0.1:*"});
  auto plain = out->send(request(server.port(), "/echo"), in(std::chrono::seconds(10)));
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(responseHeader(*plain, "x-got-traceparent"), "");  // not observed: nothing added

  FixedTraceObservation observation;
  wasi2::OutboundCall call = in(std::chrono::seconds(10));
  call.observation = &observation;
  auto traced = out->send(request(server.port(), "/echo"), call);
  auto req = request(server.port(), "/echo");
  req.headers = {{"traceparent", "00-11111111111111111111111111111111-2222222222222222-00"}};
  auto own = out->send(req, call);

  ASSERT_TRUE(traced.has_value());
  EXPECT_EQ(responseHeader(*traced, "x-got-traceparent"),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  EXPECT_EQ(responseHeader(*traced, "x-got-tracestate"), "vendor=abc");
  ASSERT_TRUE(own.has_value());
  EXPECT_EQ(responseHeader(*own, "x-got-traceparent"),
            "00-11111111111111111111111111111111-2222222222222222-00");
  EXPECT_EQ(responseHeader(*own, "x-got-tracestate"), "");
}

TEST(OutboundHttp, DeniedHostsAreRefusedBeforeAnyConnection) {
  LoopbackServer server;
  auto out = outbound({"http://127.0.0.1:1"});  // another port only
  auto req = request(server.port(), "/hello");
  auto allowed = out->check(req);
  ASSERT_FALSE(allowed.has_value());
  EXPECT_EQ(allowed.error().code, HttpErrorCase::kHttpRequestDenied);
  auto by_name = request(server.port(), "/hello");
  by_name.authority = "localhost:" + std::to_string(server.port());
  EXPECT_FALSE(out->check(by_name).has_value()) << "127.0.0.1 does not grant localhost";
  auto none = outbound({});
  EXPECT_EQ(none->check(req).error().code, HttpErrorCase::kHttpRequestDenied);
  EXPECT_EQ(server.requests.load(), 0);
}

TEST(OutboundHttp, SelfRequestsNeedSelfAndALocalDispatcher) {
  auto no_local = outbound({"http://self"});
  OutgoingHttpRequest rel;
  rel.path_with_query = "/x";
  EXPECT_EQ(no_local->check(rel).error().code, HttpErrorCase::kHttpRequestDenied);
  OutboundOptions o;
  o.local = [](const OutgoingHttpRequest& r, const wasi2::OutboundCall&) {
    return std::optional(wasi2::HttpResult<wasi2::IncomingHttpResponse>(
        wasi2::IncomingHttpResponse{201, {}, "local " + r.path_with_query}));
  };
  auto local = outbound({"http://self"}, o);
  ASSERT_TRUE(local->check(rel).has_value());
  auto res = local->send(rel, in(std::chrono::seconds(1)));
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(res->body, "local /x");
  auto not_self = outbound({"http://example.com"}, o);
  EXPECT_FALSE(not_self->check(rel).has_value());
}

TEST(OutboundHttp, RefusedConnectionIsConnectionRefused) {
  uint16_t port;
  {
    asio::io_context ioc;
    tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  auto out = outbound({"http://127.0.0.1:*"});
  auto res = out->send(request(port, "/"), in(std::chrono::seconds(5)));
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code, HttpErrorCase::kConnectionRefused);
}

TEST(OutboundHttp, TheDeadlineBoundsASlowServer) {
  LoopbackServer server;
  auto out = outbound({"http://127.0.0.1:*"});
  auto start = Clock::now();
  auto res = out->send(request(server.port(), "/slow"), in(std::chrono::milliseconds(200)));
  auto took = Clock::now() - start;
  ASSERT_FALSE(res.has_value());
  EXPECT_TRUE(res.error().code == HttpErrorCase::kHttpResponseTimeout ||
              res.error().code == HttpErrorCase::kConnectionTimeout)
      << wasi2::httpErrorName(res.error().code);
  EXPECT_LT(took, std::chrono::milliseconds(1000));
}

TEST(OutboundHttp, ResponseBodyOverTheCapIsAnError) {
  LoopbackServer server;
  OutboundOptions o;
  o.max_response_body = 1u << 20;
  auto out = outbound({"http://127.0.0.1:*"}, o);
  auto res = out->send(request(server.port(), "/big"), in(std::chrono::seconds(10)));
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code, HttpErrorCase::kHttpResponseBodySize);
  EXPECT_EQ(res.error().size, std::optional<uint64_t>(1u << 20));
  OutboundOptions big;
  big.max_response_body = 4u << 20;
  auto ok = outbound({"http://127.0.0.1:*"}, big)
                ->send(request(server.port(), "/big"), in(std::chrono::seconds(10)));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->body.size(), 2u << 20);
}

TEST(OutboundHttp, RedirectsAreReturnedNotFollowed) {
  LoopbackServer server;
  auto out = outbound({"http://127.0.0.1:*"});
  auto res = out->send(request(server.port(), "/redirect"), in(std::chrono::seconds(10)));
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 302);
  EXPECT_EQ(server.requests.load(), 1);
}

TEST(OutboundHttp, MalformedAuthorityIsUriInvalidAndOtherSchemesAreRefused) {
  auto out = outbound({"*://*:*"});
  OutgoingHttpRequest bad;
  bad.scheme = "http";
  bad.authority = "exa mple:zz";
  EXPECT_EQ(out->check(bad).error().code, HttpErrorCase::kHttpRequestUriInvalid);
  OutgoingHttpRequest ftp;
  ftp.scheme = "ftp";
  ftp.authority = "127.0.0.1:21";
  auto res = out->send(ftp, in(std::chrono::seconds(1)));
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code, HttpErrorCase::kHttpRequestUriInvalid);
}

}  // namespace
}  // namespace tern::host
