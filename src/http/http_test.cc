// Unit tests for the HTTP stage: router precedence, Spin headers, WAGI env/argv, CGI parsing,
// file globs, and the server against a native (no Wasm) handler.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "http/admission.h"
#include "http/cgi.h"
#include "http/files_stage.h"
#include "http/router.h"
#include "http/server.h"

namespace tern::http {
namespace {

RouteEntry entry(size_t i, std::string id, std::string route) {
  auto r = manifest::parseRoute(route);
  EXPECT_TRUE(r) << route;
  return {i, std::move(id), *r};
}

Router build(std::vector<std::pair<std::string, std::string>> routes, std::string base = "/",
             std::vector<DuplicateRoute>* dups = nullptr) {
  std::vector<RouteEntry> entries;
  for (size_t i = 0; i < routes.size(); ++i)
    entries.push_back(entry(i, routes[i].first, routes[i].second));
  auto r = Router::build(base, std::move(entries), dups);
  EXPECT_TRUE(r);
  return std::move(*r);
}

std::string routeTo(const Router& r, std::string_view path) {
  auto m = r.route(path);
  return m ? m->component_id : "<404>";
}

TEST(Router, ExactRoutes) {
  Router r = build({{"foo", "/foo"}, {"foobar", "/foo/bar"}, {"root", "/"}});
  EXPECT_EQ(routeTo(r, "/foo"), "foo");
  EXPECT_EQ(routeTo(r, "/foo/"), "foo");
  EXPECT_EQ(routeTo(r, "/foo/bar"), "foobar");
  EXPECT_EQ(routeTo(r, "/"), "root");
  EXPECT_EQ(routeTo(r, "/foo/bar/baz"), "<404>");
  EXPECT_EQ(routeTo(r, "/nope"), "<404>");
}

TEST(Router, ExactBeatsWildcard) {
  Router r = build({{"wild", "/..."}, {"one", "/one"}});
  EXPECT_EQ(routeTo(r, "/one"), "one");
  EXPECT_EQ(routeTo(r, "/two"), "wild");
  EXPECT_EQ(routeTo(r, "/"), "wild");
}

TEST(Router, LongestPrefixWinsRegardlessOfOrder) {
  for (bool reversed : {false, true}) {
    std::vector<std::pair<std::string, std::string>> routes = {
        {"one", "/one/..."}, {"onetwo", "/one/two/..."}, {"onetwothree", "/one/two/three/..."}};
    if (reversed) std::reverse(routes.begin(), routes.end());
    Router r = build(routes);
    EXPECT_EQ(routeTo(r, "/one/two/three/four"), "onetwothree");
    EXPECT_EQ(routeTo(r, "/one/two/x"), "onetwo");
    EXPECT_EQ(routeTo(r, "/one"), "one");
    EXPECT_EQ(routeTo(r, "/onex"), "<404>");
  }
}

TEST(Router, TrailingWildcardCapture) {
  Router r = build({{"w", "/foo/..."}});
  EXPECT_EQ(r.route("/foo")->trailing_wildcard, "");
  EXPECT_EQ(r.route("/foo/")->trailing_wildcard, "/");
  EXPECT_EQ(r.route("/foo/bar")->trailing_wildcard, "/bar");
  EXPECT_EQ(r.route("/foo/bar/")->trailing_wildcard, "/bar/");
  EXPECT_EQ(r.route("/foo/a/b")->trailing_wildcard, "/a/b");
  auto m = r.route("/foo/a");
  EXPECT_EQ(m->based_route, "/foo/...");
  EXPECT_EQ(m->basedRouteOrPrefix(), "/foo");
  EXPECT_EQ(m->rawRouteOrPrefix(), "/foo");
}

TEST(Router, NamedSegments) {
  Router r =
      build({{"user", "/users/:id"}, {"posts", "/users/:id/posts/..."}, {"me", "/users/me"}});
  auto m = r.route("/users/42");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->component_id, "user");
  ASSERT_EQ(m->named_wildcards.size(), 1u);
  EXPECT_EQ(m->named_wildcards[0], (std::pair<std::string, std::string>{"id", "42"}));
  EXPECT_EQ(routeTo(r, "/users/me"), "me");  // literal beats :param
  m = r.route("/users/7/posts/2024/x");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->component_id, "posts");
  EXPECT_EQ(m->trailing_wildcard, "/2024/x");
  EXPECT_EQ(routeTo(r, "/users"), "<404>");
}

TEST(Router, PrivateRoutesAreNotRoutable) {
  std::vector<RouteEntry> entries = {entry(0, "pub", "/pub")};
  RouteEntry priv;
  priv.component_id = "priv";
  priv.route.is_private = true;
  entries.push_back(priv);
  auto r = Router::build("/", entries);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->routes().size(), 1u);
  EXPECT_FALSE(r->route("/"));
}

TEST(Router, DuplicatesLastWins) {
  std::vector<DuplicateRoute> dups;
  Router r = build({{"first", "/foo"}, {"second", "/foo"}, {"root", "/..."}}, "/", &dups);
  EXPECT_EQ(routeTo(r, "/foo"), "second");
  ASSERT_EQ(dups.size(), 1u);
  EXPECT_EQ(dups[0].route, "/foo");
  EXPECT_EQ(dups[0].replaced_id, "first");
  EXPECT_EQ(dups[0].effective_id, "second");
  EXPECT_EQ(r.routes().size(), 2u);
}

TEST(Router, RespectsBase) {
  Router r = build({{"foo", "/foo"}, {"all", "/..."}}, "/base");
  EXPECT_EQ(routeTo(r, "/base/foo"), "foo");
  EXPECT_EQ(routeTo(r, "/base/x"), "all");
  EXPECT_EQ(routeTo(r, "/foo"), "<404>");
  EXPECT_EQ(r.route("/base/foo")->raw_route, "/foo");
  EXPECT_EQ(r.route("/base/foo")->based_route, "/base/foo");
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
  Router r = build({{"c", "/foo/:userid/..."}});
  Request req = makeRequest("POST", "/foo/42/bar?key1=value1&key2=value2");
  auto m = r.route(req.path);
  ASSERT_TRUE(m);
  auto values = spinValues(req, *m, "/");
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
  Router r = build({{"c", "/static/..."}});
  Request req = makeRequest("GET", "/static/a%20b.png?x=1&y=2");
  req.body = "hello";
  auto env = wagiEnv(req, *r.route(req.path), "/");
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
  while (out.size() <= kMaxGuestResponseHeaderBytes)
    out += "X-Pad: " + std::string(1000, 'p') + "\n";
  auto r = parseCgiResponse(out + "\nbody");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("header block"), std::string::npos) << r.error().message;
}

TEST(Gate, UnlimitedCountsButNeverRefuses) {
  Gate g(0, {.queue_length = 0, .queue_timeout = std::chrono::milliseconds(0)});
  std::vector<Gate::Permit> held;
  for (int i = 0; i < 100; ++i) held.push_back(*g.acquire());
  EXPECT_EQ(g.inFlight(), 100u);
  held.clear();
  EXPECT_EQ(g.inFlight(), 0u);
}

TEST(Gate, FullWithNoQueueRefusesAtOnce) {
  Gate g(2, {.queue_length = 0, .queue_timeout = std::chrono::seconds(5)});
  auto a = g.acquire();
  auto b = g.acquire();
  ASSERT_TRUE(a && b);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(g.acquire());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
  a.reset();
  EXPECT_TRUE(g.acquire());
}

TEST(Gate, QueuedWaiterGetsTheFreedSlotOrTimesOut) {
  Gate g(1, {.queue_length = 1, .queue_timeout = std::chrono::milliseconds(2000)});
  auto held = g.acquire();
  ASSERT_TRUE(held);
  std::atomic<bool> got{false};
  std::thread waiter([&] { got = g.acquire().has_value(); });
  while (g.waiting() == 0) std::this_thread::yield();
  EXPECT_FALSE(g.acquire());  // the queue (length 1) is full
  held.reset();
  waiter.join();
  EXPECT_TRUE(got);

  Gate short_wait(1, {.queue_length = 4, .queue_timeout = std::chrono::milliseconds(50)});
  auto h = short_wait.acquire();
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(short_wait.acquire());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(50));
}

TEST(Gate, NeverAdmitsMoreThanItsLimit) {
  Gate g(3, {.queue_length = 64, .queue_timeout = std::chrono::seconds(10)});
  std::atomic<int> inside{0}, most{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto p = g.acquire();
        ASSERT_TRUE(p);
        int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        --inside;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(most.load(), 3);
  EXPECT_EQ(g.inFlight(), 0u);
}

TEST(Request, SplitsTargets) {
  Request r;
  r.setTarget("/a/b?x=1&y");
  EXPECT_EQ(r.path, "/a/b");
  EXPECT_EQ(r.query, "x=1&y");
  r.setTarget("http://example.test:3000/c?q");
  EXPECT_EQ(r.path, "/c");
  EXPECT_EQ(r.query, "q");
  EXPECT_EQ(r.target, "/c?q");
  r.setTarget("http://example.test?z");
  EXPECT_EQ(r.path, "/");
  EXPECT_EQ(r.query, "z");
  r.setTarget("/plain");
  EXPECT_EQ(r.query, "");
  EXPECT_EQ(r.target, "/plain");
}

TEST(Glob, Patterns) {
  EXPECT_TRUE(globMatch("static/**", "static/a/b.txt"));
  EXPECT_TRUE(globMatch("static/*", "static/a.txt"));
  EXPECT_FALSE(globMatch("static/*", "static/a/b.txt"));
  EXPECT_TRUE(globMatch("**/*.png", "a/b/c.png"));
  EXPECT_TRUE(globMatch("**/*.png", "c.png"));
  EXPECT_FALSE(globMatch("**/*.png", "c.jpg"));
  EXPECT_TRUE(globMatch("a?c", "abc"));
  EXPECT_TRUE(globMatch("static/secret.txt", "static/secret.txt"));
}

// ---- The server against a native handler, over a real loopback socket. ----

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.handle_signals = false;
    o.max_header_bytes = 2048;
    o.max_body_bytes = 1024;
    o.header_timeout = std::chrono::milliseconds(300);
    o.idle_timeout = std::chrono::milliseconds(300);
    auto s = Server::create(o, [](Request& req) {
      return Response::text(200, req.method + " " + req.target + " " + req.body);
    });
    ASSERT_TRUE(s) << s.error().toString();
    server_ = std::move(*s);
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    server_->shutdown();
    thread_.join();
  }

  int connect() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(server_->port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
  }
  // Sends `data`, then reads until `responses` responses (each with Content-Length) arrived.
  static std::string exchange(int fd, const std::string& data, size_t responses) {
    EXPECT_EQ(::send(fd, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
    std::string got;
    char buf[4096];
    while (true) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, n);
      size_t seen = 0;
      for (size_t p = 0; (p = got.find("HTTP/1.1 ", p)) != std::string::npos; ++p) ++seen;
      if (seen >= responses && got.rfind("\r\n\r\n") != std::string::npos) {
        size_t head = got.rfind("HTTP/1.1 ");
        size_t cl = got.find("Content-Length: ", head);
        size_t end = got.find("\r\n\r\n", head);
        if (cl != std::string::npos && end != std::string::npos) {
          size_t len = std::stoul(got.substr(cl + 16));
          if (got.size() >= end + 4 + len) break;
        }
      }
    }
    return got;
  }

  std::unique_ptr<Server> server_;
  std::thread thread_;
};

TEST_F(ServerTest, KeepAliveAndPipelining) {
  int fd = connect();
  std::string got = exchange(fd, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", 1);
  EXPECT_NE(got.find("HTTP/1.1 200 OK"), std::string::npos) << got;
  EXPECT_NE(got.find("GET /a "), std::string::npos);
  got = exchange(fd,
                 "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"
                 "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
                 2);
  size_t b = got.find("GET /b ");
  size_t c = got.find("POST /c abcde");
  EXPECT_NE(b, std::string::npos) << got;
  EXPECT_NE(c, std::string::npos) << got;
  EXPECT_LT(b, c);
  close(fd);
}

TEST_F(ServerTest, Limits) {
  int fd = connect();
  std::string big(4096, 'x');
  std::string got = exchange(fd, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n", 1);
  EXPECT_NE(got.find("HTTP/1.1 431"), std::string::npos) << got;
  close(fd);
  fd = connect();
  got = exchange(fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", 1);
  EXPECT_NE(got.find("HTTP/1.1 413"), std::string::npos) << got;
  close(fd);
}

TEST_F(ServerTest, HeaderAndIdleTimeouts) {
  int fd = connect();
  auto start = std::chrono::steady_clock::now();
  std::string got = exchange(fd, "GET / HTTP/1.1\r\nHost: x\r\n", 1);  // header never ends
  EXPECT_EQ(got, "");  // closed by the header timeout
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  close(fd);
  fd = connect();
  got = exchange(fd, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", 1);
  EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos) << got;
  char c;
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0);  // the idle keep-alive connection is closed
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  close(fd);
}

TEST_F(ServerTest, ShutdownClosesIdleConnections) {
  int fd = connect();
  std::string got = exchange(fd, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", 1);
  EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos);
  server_->shutdown();
  thread_.join();
  char c;
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0);
  close(fd);
  thread_ = std::thread([] {});  // TearDown joins it
}

}  // namespace
}  // namespace tern::http
