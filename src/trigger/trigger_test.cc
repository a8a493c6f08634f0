// Unit tests for the trigger: Spin's router precedence, admission gates, file globs.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "trigger/admission.h"
#include "trigger/files_stage.h"
#include "trigger/router.h"

namespace tern::trigger {
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

}  // namespace
}  // namespace tern::trigger
