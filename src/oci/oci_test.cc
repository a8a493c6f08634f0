// Unit tests for references, image manifests and the locked app <-> spin.toml mapping (no
// registry: tests/oci drives a real one).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "manifest/manifest.h"
#include "oci/pull.h"
#include "oci/reference.h"
#include "oci/spin_app.h"
#include "sign/digest.h"

namespace tern::oci {
namespace {

using nlohmann::json;

TEST(Reference, ParsesRegistryRepositoryTagDigest) {
  auto r = parseReference("127.0.0.1:5000/apps/hello:v1");
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ(r->registry, "127.0.0.1:5000");
  EXPECT_EQ(r->repository, "apps/hello");
  EXPECT_EQ(r->tag, "v1");
  EXPECT_EQ(r->repositoryName(), "127.0.0.1:5000/apps/hello");
  std::string d = sign::sha256Digest("x");
  auto p = parseReference("localhost/app@" + d);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->registry, "localhost");
  EXPECT_EQ(p->tag, "");
  EXPECT_EQ(p->manifestRef(), d);
  auto hub = parseReference("hello");
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub->str(), "docker.io/library/hello:latest");
  EXPECT_EQ(hub->apiHost(), "registry-1.docker.io");
}

TEST(Reference, RefusesBadOnes) {
  for (const char* bad : {"", "127.0.0.1:5000/Apps", "127.0.0.1:5000/a:", "x/y@sha256:12",
                          "127.0.0.1:5000/a//b", "127.0.0.1:5000/-a"}) {
    auto r = parseReference(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code, ErrorCode::kArtifact);
    }
  }
  EXPECT_TRUE(looksLikeReference("127.0.0.1:5000/apps/hello:v1"));
  EXPECT_FALSE(looksLikeReference("examples/hello"));
  EXPECT_FALSE(looksLikeReference("spin.toml"));
  EXPECT_FALSE(looksLikeReference("./app"));
  EXPECT_FALSE(looksLikeReference("../apps/x"));
}

TEST(ImageManifest, ChecksDescriptors) {
  std::string d = sign::sha256Digest("c");
  json m = {{"schemaVersion", 2},
            {"config", {{"mediaType", "x"}, {"digest", d}, {"size", 1}}},
            {"layers", json::array({{{"mediaType", "y"}, {"digest", d}, {"size", 1}}})}};
  auto ok = parseImageManifest(m.dump());
  ASSERT_TRUE(ok) << ok.error().toString();
  EXPECT_EQ(ok->layers.size(), 1u);
  json bad = m;
  bad["layers"][0]["digest"] = "sha256:zz";
  EXPECT_FALSE(parseImageManifest(bad.dump()));
  bad = m;
  bad["layers"][0]["size"] = -1;
  EXPECT_FALSE(parseImageManifest(bad.dump()));
  EXPECT_FALSE(parseImageManifest("{\"schemaVersion\":1}"));
  EXPECT_FALSE(parseImageManifest("not json"));
  json many = m;
  for (int i = 0; i < 600; ++i) many["layers"].push_back(m["layers"][0]);
  EXPECT_FALSE(parseImageManifest(many.dump()));
}

// A locked app as `spin registry push` writes it (spin_lock_version 1, inline small file,
// WAGI executor, variables), turned into a spin.toml Tern's manifest parser accepts.
TEST(LockedApp, SpinLockedAppBecomesAManifest) {
  std::string wasm = sign::sha256Digest("wasm");
  std::string file = sign::sha256Digest("file");
  json locked = {
      {"spin_lock_version", 1},
      {"must_understand", {"host_requirements"}},
      {"host_requirements", {{"local_service_chaining", "required"}}},
      {"metadata", {{"name", "hello"}, {"version", "1.0.0"}, {"trigger", {{"type", "http"}}}}},
      {"variables", {{"greeting", {{"default", "hi"}}}, {"token", {{"secret", true}}}}},
      {"triggers",
       {{{"id", "trigger-hello"},
         {"trigger_type", "http"},
         {"trigger_config",
          {{"route", "/hello/..."}, {"component", "hello"}, {"executor", {{"type", "wagi"}}}}}}}},
      {"components",
       {{{"id", "hello"},
         {"metadata", {{"allowed_outbound_hosts", {"https://example.com"}}}},
         {"source", {{"content_type", "application/wasm"}, {"digest", wasm}}},
         {"env", {{"A", "1"}}},
         {"config", {{"greeting", "{{ greeting }}"}}},
         {"files",
          {{{"digest", file}, {"path", "static/a.txt"}},
           {{"inline", sign::base64Encode("tiny")}, {"path", "b.txt"}}}}}}}};
  auto plan = planLockedApp(locked.dump());
  ASSERT_TRUE(plan) << plan.error().toString();
  ASSERT_EQ(plan->sources.size(), 1u);
  EXPECT_EQ(plan->sources[0].second, wasm);
  ASSERT_EQ(plan->files.size(), 2u);
  EXPECT_TRUE(plan->files[1].is_inline);
  EXPECT_EQ(plan->files[1].inline_bytes, "tiny");
  auto m = manifest::parseManifest(plan->toml, "/tmp/pulled/spin.toml", {.check_files = false});
  ASSERT_TRUE(m) << m.error().message << "\n" << plan->toml;
  EXPECT_EQ(m->application.name, "hello");
  ASSERT_EQ(m->http_triggers.size(), 1u);
  EXPECT_EQ(m->http_triggers[0].executor.kind, manifest::ExecutorKind::kWagi);
  EXPECT_EQ(m->components[0].source, "/tmp/pulled/components/hello.wasm");
  EXPECT_EQ(m->variables.size(), 2u);
}

TEST(LockedApp, RefusesWhatTernCannotRunSafely) {
  std::string wasm = sign::sha256Digest("wasm");
  json base = {
      {"spin_lock_version", 0},
      {"triggers", json::array()},
      {"components",
       {{{"id", "c"}, {"source", {{"content_type", "application/wasm"}, {"digest", wasm}}}}}}};
  ASSERT_TRUE(planLockedApp(base.dump()));
  auto with = [&](auto edit) {
    json j = base;
    edit(j);
    return planLockedApp(j.dump());
  };
  EXPECT_FALSE(with([](json& j) { j["spin_lock_version"] = 2; }));
  EXPECT_FALSE(with([](json& j) { j["must_understand"] = {"time_travel"}; }));
  EXPECT_FALSE(with([](json& j) { j["components"][0]["id"] = "../x"; }));
  EXPECT_FALSE(with([](json& j) {
    j["components"][0]["files"] = {
        {{"digest", j["components"][0]["source"]["digest"]}, {"path", "a/../../etc/passwd"}}};
  }));
  EXPECT_FALSE(with([](json& j) { j["components"][0]["source"]["digest"] = "md5:1"; }));
  EXPECT_FALSE(with([](json& j) {
    j["triggers"] = {{{"id", "r"}, {"trigger_type", "redis"}, {"trigger_config", json::object()}}};
  }));
  EXPECT_FALSE(with([](json& j) { j["components"][0]["dependencies"] = {{"a:b/c", {}}}; }));
  EXPECT_FALSE(with([](json& j) {
    j["components"][0]["files"] = {
        {{"inline", sign::base64Encode("x")}, {"digest", sign::sha256Digest("y")}, {"path", "f"}}};
  }));
  EXPECT_FALSE(with([](json& j) { j["components"] = {1}; }));
  EXPECT_FALSE(planLockedApp("[]"));
}

// Packing a manifest and planning its own locked app gives back the same app.
TEST(SpinApp, PackageThenPlanRoundTrips) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("tern-oci-test-" + std::to_string(::getpid()));
  fs::create_directories(dir / "static" / "sub");
  std::ofstream(dir / "a.wasm") << "\0asm-not-really";
  std::ofstream(dir / "static" / "big.txt") << std::string(1000, 'x');
  std::ofstream(dir / "static" / "sub" / "small.txt") << "small";
  std::ofstream(dir / "spin.toml") << R"(spin_manifest_version = 2
[application]
name = "round"
[[trigger.http]]
route = "/..."
component = "a"
[component.a]
source = "a.wasm"
files = ["static/**"]
[component.a.tern]
max_concurrent = 3
)";
  auto m = manifest::loadManifest((dir / "spin.toml").string());
  ASSERT_TRUE(m) << m.error().message;
  auto app = packageApp(*m);
  ASSERT_TRUE(app) << app.error().toString();
  // wasm + big.txt + locked app; small.txt is inlined.
  ASSERT_EQ(app->layers.size(), 3u);
  EXPECT_EQ(app->layers[0].media_type, kWasmLayerMediaType);
  EXPECT_EQ(app->layers[1].media_type, kDataLayerMediaType);
  EXPECT_EQ(app->layers[2].media_type, kLockedAppMediaType);
  auto again = packageApp(*m);
  EXPECT_EQ(again->digest, app->digest);  // no timestamps: same app, same digest
  json config = json::parse(app->config.bytes);
  EXPECT_EQ(config["architecture"], "wasm");
  EXPECT_EQ(config["os"], "wasip1");
  auto plan = planLockedApp(app->layers[2].bytes);
  ASSERT_TRUE(plan) << plan.error().toString();
  ASSERT_EQ(plan->files.size(), 2u);
  EXPECT_EQ(plan->files[0].path, "static/big.txt");
  EXPECT_EQ(plan->files[1].path, "static/sub/small.txt");
  EXPECT_TRUE(plan->files[1].is_inline);
  auto back = manifest::parseManifest(plan->toml, "/p/spin.toml", {.check_files = false});
  ASSERT_TRUE(back) << back.error().message << "\n" << plan->toml;
  EXPECT_EQ(*back->components[0].limits.max_concurrent, 3u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tern::oci
