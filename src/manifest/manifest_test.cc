// Unit tests for the Spin manifest v2 parser and the route syntax.
#include "manifest/manifest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "manifest/units.h"

namespace tern::manifest {
namespace {

namespace fs = std::filesystem;

// A temporary application folder with an app.wasm file in it.
class ManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tern-manifest-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / "static");
    std::ofstream(dir_ / "app.wasm") << "\0asm";
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result<Manifest> parse(const std::string& text, LoadOptions options = {}) {
    return parseManifest(text, (dir_ / "spin.toml").string(), options);
  }
  fs::path dir_;
};

constexpr const char* kGood = R"(spin_manifest_version = 2

[application]
name = "hello"
version = "1.0.0"
authors = ["a@example.com"]

[application.trigger.http]
base = "/"

[variables]
greeting = { default = "hi" }
token = { required = true, secret = true }

[[trigger.http]]
route = "/hello/..."
component = "hello"
executor = { type = "wagi", argv = "${SCRIPT_NAME} x ${ARGS}" }

[[trigger.http]]
id = "inline"
route = "/users/:id"
component = { source = "app.wasm" }

[[trigger.http]]
route = { private = true }
component = "hello"

[[trigger.http]]
route = "/static"
static_response = { status_code = 201, headers = { x-a = "b" }, body = "made" }

[component.hello]
source = "app.wasm"
files = ["static/**", { source = "static", destination = "/assets" }]
exclude_files = ["static/secret.txt"]
environment = { GREETING = "hello", MODE = "test" }
variables = { message = "{{ greeting }} there" }
allowed_outbound_hosts = ["https://example.com"]
key_value_stores = ["default", "my-store"]
sqlite_databases = ["default"]
[component.hello.build]
command = "make"
workdir = "."
)";

TEST_F(ManifestTest, ParsesEveryKnownSection) {
  auto m = parse(kGood);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->application.name, "hello");
  EXPECT_EQ(m->application.version, "1.0.0");
  ASSERT_EQ(m->variables.size(), 2u);
  EXPECT_EQ(m->variables[0].default_value, "hi");
  EXPECT_TRUE(m->variables[1].required);
  ASSERT_EQ(m->http_triggers.size(), 4u);
  const auto& t0 = m->http_triggers[0];
  EXPECT_EQ(t0.route.raw, "/hello/...");
  EXPECT_TRUE(t0.route.trailing_wildcard);
  EXPECT_EQ(t0.executor.kind, ExecutorKind::kWagi);
  EXPECT_EQ(t0.executor.argv, "${SCRIPT_NAME} x ${ARGS}");
  EXPECT_EQ(m->http_triggers[1].component, "inline");
  EXPECT_EQ(m->http_triggers[1].executor.kind, ExecutorKind::kHttp);
  EXPECT_TRUE(m->http_triggers[2].route.is_private);
  ASSERT_TRUE(m->http_triggers[3].static_response);
  EXPECT_EQ(m->http_triggers[3].static_response->status_code, 201);
  EXPECT_EQ(m->http_triggers[3].static_response->body, "made");

  const Component* c = m->component("hello");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->source, (dir_ / "app.wasm").string());
  ASSERT_EQ(c->files.size(), 2u);
  EXPECT_EQ(c->files[0].kind, FilesMount::Kind::kPattern);
  EXPECT_EQ(c->files[1].destination, "/assets");
  EXPECT_EQ(c->files[1].source, (dir_ / "static").string());
  ASSERT_EQ(c->environment.size(), 2u);
  EXPECT_EQ(c->environment[0].first, "GREETING");
  EXPECT_EQ(c->key_value_stores.size(), 2u);
  EXPECT_EQ(c->allowed_outbound_hosts[0], "https://example.com");
  ASSERT_TRUE(c->build);
  EXPECT_EQ(c->build->commands, std::vector<std::string>{"make"});
  EXPECT_EQ(c->build->workdir, dir_.string());
  ASSERT_NE(m->component("inline"), nullptr);
}

TEST_F(ManifestTest, CollectsAllErrorsWithPositions) {
  auto m = parse(R"(spin_manifest_version = 2
[application]
name = "x"
colour = "red"

[[trigger.http]]
route = "/a/.../b"
component = "nope"

[component.hello]
source = "missing.wasm"
enviroment = { A = "b" }
)");
  ASSERT_FALSE(m);
  const std::string& msg = m.error().message;
  EXPECT_NE(msg.find("spin.toml:4:1: unknown key `colour` in [application]"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find(":7:9: invalid route"), std::string::npos) << msg;
  EXPECT_NE(msg.find(":8:13: trigger refers to component `nope`"), std::string::npos) << msg;
  EXPECT_NE(msg.find(":11:10: component `hello` source 'missing.wasm' does not exist"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find(":12:1: unknown key `enviroment`"), std::string::npos) << msg;
  // Sorted by line.
  EXPECT_LT(msg.find(":4:1:"), msg.find(":12:1:"));
}

TEST_F(ManifestTest, SyntaxErrorHasPosition) {
  auto m = parse("spin_manifest_version = 2\n[application\nname = 1\n");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("spin.toml:2:"), std::string::npos) << m.error().message;
  EXPECT_NE(m.error().message.find("TOML syntax error"), std::string::npos);
  EXPECT_EQ(m.error().code, ErrorCode::kManifest);
  EXPECT_TRUE(m.error().toString().starts_with("manifest: invalid manifest: "));
}

TEST_F(ManifestTest, RequiresVersionTwo) {
  auto m = parse(
      "spin_manifest_version = 1\n[application]\nname = \"x\"\n"
      "[[trigger.http]]\nroute = \"/\"\ncomponent = { source = \"app.wasm\" }\n");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("spin_manifest_version"), std::string::npos);
}

TEST_F(ManifestTest, WrongTypesAndBadIds) {
  auto m = parse(R"(spin_manifest_version = 2
[application]
name = 3
[variables]
BadName = { default = "x", required = true }
[[trigger.http]]
route = { private = false }
component = "Hello_World"
executor = { type = "cgi" }
[component.Hello_World]
source = "app.wasm"
environment = { A = 1 }
variables = { v = "{{ nothere }}" }
)");
  ASSERT_FALSE(m);
  const std::string& msg = m.error().message;
  for (const char* want :
       {":3:8: `name` in [application] must be a string", ":5:1: variable `BadName`",
        "cannot be both `required`", ":7:9: route must be a string pattern",
        "unknown executor type 'cgi'", "component id `Hello_World` must be kebab-case",
        "value of `A` in `environment`", "names no variable"}) {
    EXPECT_NE(msg.find(want), std::string::npos) << "missing '" << want << "' in\n" << msg;
  }
}

TEST_F(ManifestTest, SkipsFileChecksWhenAsked) {
  std::string text = R"(spin_manifest_version = 2
[application]
name = "x"
[[trigger.http]]
route = "/"
component = "c"
[component.c]
source = "target/not-built-yet.wasm"
[component.c.build]
command = ["make a", "make b"]
)";
  EXPECT_FALSE(parse(text));
  auto m = parse(text, LoadOptions{.check_files = false});
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->components[0].build->commands.size(), 2u);
}

TEST_F(ManifestTest, ReadsTernLimits) {
  auto m = parse(R"(spin_manifest_version = 2
[application]
name = "x"
[[trigger.http]]
route = "/"
component = "c"
[component.c]
source = "app.wasm"
[component.c.tern]
request_timeout = "250ms"
max_instance_memory = "16MiB"
max_output = 65536
max_request_body = "1KB"
max_concurrent = 3
)");
  ASSERT_TRUE(m) << m.error().message;
  const ComponentLimits& l = m->components[0].limits;
  EXPECT_EQ(l.request_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(l.max_instance_memory, 16u << 20);
  EXPECT_EQ(l.max_output, 65536u);
  EXPECT_EQ(l.max_request_body, 1000u);
  EXPECT_EQ(l.max_concurrent, 3u);
}

TEST_F(ManifestTest, RejectsBadTernLimits) {
  auto m = parse(R"(spin_manifest_version = 2
[application]
name = "x"
[[trigger.http]]
route = "/"
component = "c"
[component.c]
source = "app.wasm"
[component.c.tern]
request_timeout = "soon"
max_instance_memory = 0
max_output = "lots"
max_concurrent = 0
max_instances = 4
)");
  ASSERT_FALSE(m);
  const std::string& msg = m.error().message;
  for (const char* want :
       {":10:19: `request_timeout` in [component.c.tern] must be a duration",
        ":11:23: `max_instance_memory` in [component.c.tern] must be a size",
        ":12:14: `max_output`", ":13:18: `max_concurrent` in [component.c.tern] must be between",
        ":14:1: unknown key `max_instances` in [component.c.tern]"}) {
    EXPECT_NE(msg.find(want), std::string::npos) << "missing '" << want << "' in\n" << msg;
  }
}

// A Spin 1 app as Spin 0.9-era templates wrote it.
TEST_F(ManifestTest, UpgradesSpinVersionOneManifests) {
  auto m = parse(R"(spin_manifest_version = "1"
authors = ["Fermyon Engineering <engineering@fermyon.com>"]
description = "A simple application that returns hello."
name = "spin-hello-world"
trigger = { type = "http", base = "/test" }
version = "1.0.0"

[variables]
object = { default = "teapot" }

[[component]]
id = "hello"
source = "app.wasm"
allowed_http_hosts = ["example.com:8080", "self"]
files = ["static/**"]
[component.trigger]
route = "/hello/..."
[component.config]
message = "I'm a {{object}}"

[[component]]
id = "Wagi_Thing"
source = "app.wasm"
environment = { A = "1" }
[component.trigger]
route = "/wagi"
executor = { type = "wagi" }
[component.build]
command = "make"
)");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->application.name, "spin-hello-world");
  EXPECT_EQ(m->application.version, "1.0.0");
  EXPECT_EQ(m->application.http_base, "/test");
  ASSERT_EQ(m->components.size(), 2u);
  EXPECT_EQ(m->components[1].id, "wagi-thing");
  ASSERT_EQ(m->http_triggers.size(), 2u);
  EXPECT_EQ(m->http_triggers[0].id, "trigger-hello");
  EXPECT_EQ(m->http_triggers[0].component, "hello");
  EXPECT_EQ(m->http_triggers[1].executor.kind, ExecutorKind::kWagi);
  const Component* hello = m->component("hello");
  ASSERT_NE(hello, nullptr);
  ASSERT_EQ(hello->variables.size(), 1u);
  EXPECT_EQ(hello->variables[0].first, "message");
  EXPECT_EQ(hello->allowed_outbound_hosts,
            (std::vector<std::string>{"http://example.com:8080", "https://example.com:8080",
                                      "http://self"}));
  EXPECT_TRUE(m->components[1].build.has_value());
}

TEST_F(ManifestTest, VersionOneErrorsNameTheirLines) {
  auto m = parse(R"(spin_version = "1"
name = "bad"
trigger = { type = "http" }
[[component]]
id = "a"
source = "missing.wasm"
[component.trigger]
route = "/a"
[[component]]
id = "b"
source = "app.wasm"
)");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find(":6:"), std::string::npos) << m.error().message;
  EXPECT_NE(m.error().message.find("has no [component.trigger]"), std::string::npos)
      << m.error().message;
  auto redis = parse("spin_manifest_version = \"1\"\nname = \"r\"\n"
                     "trigger = { type = \"redis\", address = \"redis://x\" }\n");
  EXPECT_FALSE(redis);
}

TEST(Units, ParsesDurationsAndSizes) {
  EXPECT_EQ(parseDuration("500ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(parseDuration("2"), std::chrono::milliseconds(2000));
  EXPECT_EQ(parseDuration("1.5m"), std::chrono::milliseconds(90'000));
  EXPECT_FALSE(parseDuration("-1s"));
  EXPECT_FALSE(parseDuration("3 days"));
  EXPECT_EQ(parseSize("64KiB"), 65536u);
  EXPECT_EQ(parseSize("1GB"), 1'000'000'000u);
  EXPECT_FALSE(parseSize("99999999999999999999"));
  EXPECT_FALSE(parseSize("20000000000GiB"));
  EXPECT_FALSE(parseSize("12 parsecs"));
}

TEST_F(ManifestTest, ResolvesManifestPath) {
  EXPECT_EQ(resolveManifestPath(""), "spin.toml");
  EXPECT_EQ(resolveManifestPath(dir_.string()), (dir_ / "spin.toml").string());
  EXPECT_EQ(resolveManifestPath("x/app.toml"), "x/app.toml");
}

TEST(RoutePattern, ParsesForms) {
  auto exact = parseRoute("/foo/bar");
  ASSERT_TRUE(exact);
  EXPECT_FALSE(exact->trailing_wildcard);
  EXPECT_EQ(exact->segments.size(), 2u);
  auto wild = parseRoute("/foo/...");
  ASSERT_TRUE(wild);
  EXPECT_TRUE(wild->trailing_wildcard);
  EXPECT_EQ(wild->prefix(), "/foo");
  auto all = parseRoute("/...");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->segments.empty());
  EXPECT_EQ(all->prefix(), "");
  auto param = parseRoute("/users/:id/posts/:post_id");
  ASSERT_TRUE(param);
  EXPECT_EQ(param->segments[1].kind, RouteSegment::Kind::kParam);
  EXPECT_EQ(param->segments[3].text, "post_id");
  EXPECT_TRUE(parseRoute("relative"));
  EXPECT_TRUE(parseRoute("/"));
}

TEST(RoutePattern, RejectsBadRoutes) {
  for (const char* bad : {"/a/.../b", "/a/b...", "/:", "/:a/:a", "/a b", "/a?x", "/a//b", "/*/x"}) {
    EXPECT_FALSE(parseRoute(bad)) << bad;
  }
}

TEST(RoutePattern, JoinsBase) {
  EXPECT_EQ(joinBase("/", "/foo"), "/foo");
  EXPECT_EQ(joinBase("/base/", "/foo/"), "/base/foo");
  EXPECT_EQ(joinBase("/", "/"), "");
  EXPECT_EQ(joinBase("/", "foo"), "/foo");
}

}  // namespace
}  // namespace tern::manifest
