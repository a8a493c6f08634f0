// Unit tests for selective deployment (--component-id), --env overrides and the one-file manifest
// of `tern serve`.
#include "manifest/adjust.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace tern::manifest {
namespace {

namespace fs = std::filesystem;

class AdjustTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tern-adjust-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / "static");
    std::ofstream(dir_ / "My App_v2.wasm") << "\0asm";
  }
  void TearDown() override { fs::remove_all(dir_); }

  Manifest parse(const std::string& body) {
    std::string text = "spin_manifest_version = 2\n[application]\nname = \"t\"\n" + body;
    auto m = parseManifest(text, (dir_ / "spin.toml").string(), {.check_files = false});
    EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().message);
    return m ? *m : Manifest{};
  }
  fs::path dir_;
};

constexpr const char* kThree = R"(
[variables]
host = { default = "c" }
[[trigger.http]]
route = "/a/..."
component = "a"
[[trigger.http]]
route = "/b"
component = "b"
[[trigger.http]]
route = "/static"
static_response = { body = "hi" }
[[trigger.http]]
route = "/c"
component = "c"
[component.a]
source = "a.wasm"
environment = { MODE = "manifest", KEEP = "yes" }
[component.b]
source = "b.wasm"
allowed_outbound_hosts = ["http://c.spin.internal", "https://{{ host }}.spin.internal"]
[component.c]
source = "c.wasm"
allowed_outbound_hosts = ["http://*.spin.internal"]
)";

TEST_F(AdjustTest, RetainKeepsOnlySelectedComponentsAndTheirTriggers) {
  Manifest m = parse(kThree);
  ASSERT_TRUE(retainComponents(m, {"a"}).has_value());
  ASSERT_EQ(m.components.size(), 1u);
  EXPECT_EQ(m.components[0].id, "a");
  ASSERT_EQ(m.http_triggers.size(), 1u);  // the static response runs no component: dropped
  EXPECT_EQ(m.http_triggers[0].component, "a");
}

TEST_F(AdjustTest, RetainRejectsUnknownIdsAndBrokenChaining) {
  Manifest m = parse(kThree);
  auto unknown = retainComponents(m, {"a", "nope"});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("no component `nope`"), std::string::npos)
      << unknown.error().message;
  EXPECT_NE(unknown.error().message.find("a, b, c"), std::string::npos);
  EXPECT_EQ(m.components.size(), 3u);  // unchanged on error

  auto chain = retainComponents(m, {"b"});
  ASSERT_FALSE(chain.has_value());
  EXPECT_NE(chain.error().message.find("unselected component `c`"), std::string::npos)
      << chain.error().message;
  auto wildcard = retainComponents(m, {"c", "a", "b"});
  ASSERT_FALSE(wildcard.has_value());
  EXPECT_NE(wildcard.error().message.find("wildcard"), std::string::npos);
  // b's chaining to c is satisfied once c is kept; the templated entry is not checked.
  Manifest m2 = parse(kThree);
  m2.components[2].allowed_outbound_hosts.clear();
  ASSERT_TRUE(retainComponents(m2, {"b", "c"}).has_value());
  EXPECT_EQ(m2.http_triggers.size(), 2u);
}

TEST_F(AdjustTest, EnvironmentFromTheCommandLineWins) {
  Manifest m = parse(kThree);
  overrideEnvironment(m, {{"MODE", "cli"}, {"NEW", "1"}});
  const Component* a = m.component("a");
  std::vector<std::pair<std::string, std::string>> want{
      {"KEEP", "yes"}, {"MODE", "cli"}, {"NEW", "1"}};
  EXPECT_EQ(a->environment, want);
  EXPECT_EQ(m.component("b")->environment.size(), 2u);
}

TEST_F(AdjustTest, WasmManifestServesOneComponentOnEveryPath) {
  auto m = wasmManifest((dir_ / "My App_v2.wasm").string(), ExecutorKind::kWagi,
                        {{(dir_ / "static").string(), "/assets"}});
  ASSERT_TRUE(m.has_value()) << m.error().message;
  ASSERT_EQ(m->components.size(), 1u);
  EXPECT_EQ(m->components[0].id, "my-app-v2");
  EXPECT_EQ(m->components[0].source, (dir_ / "My App_v2.wasm").string());
  ASSERT_EQ(m->components[0].files.size(), 1u);
  EXPECT_EQ(m->components[0].files[0].kind, FilesMount::Kind::kPlacement);
  EXPECT_EQ(m->components[0].files[0].destination, "/assets");
  ASSERT_EQ(m->http_triggers.size(), 1u);
  EXPECT_TRUE(m->http_triggers[0].route.trailing_wildcard);
  EXPECT_TRUE(m->http_triggers[0].route.segments.empty());
  EXPECT_EQ(m->http_triggers[0].executor.kind, ExecutorKind::kWagi);
  EXPECT_NE(m->component("my-app-v2"), nullptr);

  EXPECT_EQ(wasmManifest((dir_ / "none.wasm").string(), ExecutorKind::kHttp, {}).error().code,
            ErrorCode::kIo);
  EXPECT_FALSE(wasmManifest((dir_ / "My App_v2.wasm").string(), ExecutorKind::kHttp,
                            {{(dir_ / "missing").string(), "/x"}})
                   .has_value());
  EXPECT_FALSE(wasmManifest((dir_ / "My App_v2.wasm").string(), ExecutorKind::kHttp,
                            {{(dir_ / "static").string(), "relative"}})
                   .has_value());
}

TEST_F(AdjustTest, DirMountSyntax) {
  auto d = parseDirMount("./public::/www");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->host, "./public");
  EXPECT_EQ(d->guest, "/www");
  EXPECT_EQ(parseDirMount("/data").value().guest, "/data");
  EXPECT_FALSE(parseDirMount("::/x").has_value());
  EXPECT_FALSE(parseDirMount("/x::").has_value());
}

}  // namespace
}  // namespace tern::manifest
