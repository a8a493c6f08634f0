// Unit tests for the executors' request mapping: Spin's `spin-*` values, the WAGI (CGI/1.1)
// environment and argv, CGI response parsing, and the guest failure classifier.
#include <gtest/gtest.h>

#include "compile/vm_abi.h"
#include "executor/cgi.h"
#include "executor/failure.h"

namespace tern::executor {
namespace {

// A route match as the router produces it, for the application base "/".
RouteMatch match(std::string route, std::string trailing,
                 std::vector<std::pair<std::string, std::string>> named = {}) {
  RouteMatch m;
  m.component_id = "c";
  m.based_route = route;
  m.raw_route = route;
  m.named_wildcards = std::move(named);
  m.trailing_wildcard = std::move(trailing);
  return m;
}

Request makeRequest(std::string method, std::string target) {
  Request req;
  req.method = std::move(method);
  req.setTarget(target);
  req.headers = {{"Host", "example.test:3000"},
                 {"User-Agent", "t"},
                 {"Authorization", "secret"},
                 {"Content-Type", "text/plain"},
                 {"Connection", "keep-alive"}};
  req.client_ip = "127.0.0.1";
  req.client_port = 8777;
  req.local_host = "127.0.0.1";
  req.local_port = 3000;
  return req;
}

std::string envValue(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& e : env) {
    if (e.starts_with(key + "=")) return e.substr(key.size() + 1);
  }
  return "<unset>";
}

TEST(SpinHeaders, MatchSpinNames) {
  // What the router yields for "/foo/42/bar" on the route "/foo/:userid/..." (trigger_test).
  RouteMatch m = match("/foo/:userid/...", "/bar", {{"userid", "42"}});
  Request req = makeRequest("POST", "/foo/42/bar?key1=value1&key2=value2");
  auto values = spinValues(req, m, "/");
  auto get = [&](std::string_view h) {
    for (const auto& v : values) {
      if (v.header == h) return v.value;
    }
    return std::string("<unset>");
  };
  EXPECT_EQ(get("spin-full-url"), "http://example.test:3000/foo/42/bar?key1=value1&key2=value2");
  EXPECT_EQ(get("spin-path-info"), "/bar");
  EXPECT_EQ(get("spin-matched-route"), "/foo/:userid/...");
  EXPECT_EQ(get("spin-base-path"), "/");
  EXPECT_EQ(get("spin-raw-component-route"), "/foo/:userid/...");
  EXPECT_EQ(get("spin-component-route"), "/foo/:userid");
  EXPECT_EQ(get("spin-client-addr"), "127.0.0.1:8777");
  EXPECT_EQ(get("spin-path-match-userid"), "42");
}

TEST(Wagi, EnvironmentFollowsSpin) {
  RouteMatch m = match("/static/...", "/a%20b.png");
  Request req = makeRequest("GET", "/static/a%20b.png?x=1&y=2");
  req.body = "hello";
  auto env = wagiEnv(req, m, "/");
  EXPECT_EQ(envValue(env, "REQUEST_METHOD"), "GET");
  EXPECT_EQ(envValue(env, "QUERY_STRING"), "x=1&y=2");
  EXPECT_EQ(envValue(env, "SCRIPT_NAME"), "/static");
  EXPECT_EQ(envValue(env, "PATH_INFO"), "/a%20b.png");
  EXPECT_EQ(envValue(env, "X_RAW_PATH_INFO"), "/a%20b.png");
  EXPECT_EQ(envValue(env, "PATH_TRANSLATED"), "/a b.png");
  EXPECT_EQ(envValue(env, "CONTENT_LENGTH"), "5");
  EXPECT_EQ(envValue(env, "CONTENT_TYPE"), "text/plain");
  EXPECT_EQ(envValue(env, "SERVER_NAME"), "example.test");
  EXPECT_EQ(envValue(env, "SERVER_PORT"), "3000");
  EXPECT_EQ(envValue(env, "SERVER_PROTOCOL"), "HTTP/1.1");
  EXPECT_EQ(envValue(env, "SERVER_SOFTWARE"), "WAGI/1");
  EXPECT_EQ(envValue(env, "GATEWAY_INTERFACE"), "CGI/1.1");
  EXPECT_EQ(envValue(env, "REMOTE_ADDR"), "127.0.0.1");
  EXPECT_EQ(envValue(env, "HTTP_USER_AGENT"), "t");
  EXPECT_EQ(envValue(env, "HTTP_HOST"), "example.test:3000");
  EXPECT_EQ(envValue(env, "HTTP_AUTHORIZATION"), "<unset>");
  EXPECT_EQ(envValue(env, "HTTP_CONNECTION"), "<unset>");
  EXPECT_EQ(envValue(env, "X_FULL_URL"), "http://example.test:3000/static/a%20b.png?x=1&y=2");
  EXPECT_EQ(envValue(env, "X_MATCHED_ROUTE"), "/static/...");
  EXPECT_EQ(envValue(env, "X_COMPONENT_ROUTE"), "/static");
  EXPECT_EQ(envValue(env, "X_RAW_COMPONENT_ROUTE"), "/static/...");
  EXPECT_EQ(envValue(env, "X_BASE_PATH"), "/");
  EXPECT_EQ(envValue(env, "X_CLIENT_ADDR"), "127.0.0.1:8777");
}

TEST(Wagi, Argv) {
  Request req = makeRequest("GET", "/hello?a=1&b=2");
  EXPECT_EQ(wagiArgv("${SCRIPT_NAME} ${ARGS}", req),
            (std::vector<std::string>{"/hello", "a=1", "b=2"}));
  EXPECT_EQ(wagiArgv("app.wasm --x ${ARGS}", makeRequest("GET", "/h")),
            (std::vector<std::string>{"app.wasm", "--x", ""}));
}

TEST(Cgi, ParsesHeadersAndBody) {
  auto r = parseCgiResponse("Content-Type: text/plain\nX-A: b\n\nhello\n\nworld");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello\n\nworld");
  ASSERT_EQ(r->headers.size(), 2u);
  EXPECT_EQ(r->headers[1], (std::pair<std::string, std::string>{"X-A", "b"}));
}

TEST(Cgi, StatusAndLocation) {
  auto s = parseCgiResponse("Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnope");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, 404);
  EXPECT_EQ(s->reason, "Not Found");
  EXPECT_EQ(s->body, "nope");
  auto l = parseCgiResponse("Location: /elsewhere\n\n");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->status, 302);
  auto both = parseCgiResponse("Status: 301\nLocation: /x\n\n");
  ASSERT_TRUE(both);
  EXPECT_EQ(both->status, 301);
}

TEST(Cgi, RejectsOutputWithoutHeaders) {
  EXPECT_FALSE(parseCgiResponse("just some text\n"));
  EXPECT_FALSE(parseCgiResponse("X-Only: header\n\nbody"));
}

TEST(Cgi, RejectsHugeHeaderBlock) {
  std::string out = "Content-Type: text/plain\n";
  while (out.size() <= limits::kMaxGuestResponseHeaderBytes)
    out += "X-Pad: " + std::string(1000, 'p') + "\n";
  auto r = parseCgiResponse(out + "\nbody");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("header block"), std::string::npos) << r.error().message;
}

TEST(GuestFailure, DeadlineIs504ExitZeroIsNormalEverythingElse500) {
  Error deadline{ErrorCode::kTrap, "deadline exceeded",
                 static_cast<int32_t>(vm::TrapKind::kDeadline)};
  auto d = classifyGuestError(deadline);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, 504);
  EXPECT_TRUE(d->reason.starts_with("request timeout: ")) << d->reason;
  EXPECT_FALSE(classifyGuestError(Error{ErrorCode::kExit, "", 0}));
  auto exit3 = classifyGuestError(Error{ErrorCode::kExit, "", 3});
  ASSERT_TRUE(exit3);
  EXPECT_EQ(exit3->status, 500);
  EXPECT_EQ(exit3->reason, "exited with status 3");
  Error oob{ErrorCode::kTrap, "out of bounds memory access\n  0: f",
            static_cast<int32_t>(vm::TrapKind::kMemoryOutOfBounds)};
  auto o = classifyGuestError(oob);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->status, 500);
  EXPECT_EQ(o->reason.find('\n'), std::string::npos);  // the backtrace on one line
}

}  // namespace
}  // namespace tern::executor
