// The componentize-js output (StarlingMonkey, ~13 MB): parses, compiles, lists its WASI imports
// and the incoming-handler export, and instantiates against stub imports.
#include <gtest/gtest.h>

#include <filesystem>

#include "component/component.h"
#include "component/component_test_util.h"

namespace tern::component {
namespace {

std::string jsComponentPath() {
  if (const char* env = std::getenv("TERN_JS_COMPONENT")) return env;
  for (const char* p : {"tests/fixtures/js/hello.wasm", "../tests/fixtures/js/hello.wasm",
                        "/tmp/jsc/hello.wasm"}) {
    if (std::filesystem::exists(p)) return p;
  }
  return "";
}

TEST(ComponentJs, ParsesCompilesAndInstantiates) {
  std::string path = jsComponentPath();
  auto bytes = path.empty() ? std::vector<uint8_t>{} : testing::readFile(path);
  if (bytes.empty()) GTEST_SKIP() << "no JS component (set TERN_JS_COMPONENT)";
  std::filesystem::path cache = std::filesystem::temp_directory_path() / "tern-component-test-cache";
  auto engine = instance::Engine::create({.cache_dir = cache.string()}).value();
  auto comp = Component::compile(*engine, bytes);
  ASSERT_TRUE(comp) << comp.error().toString();
  const Component& c = **comp;
  bool has_streams = false;
  for (const auto& imp : c.imports()) {
    if (imp.name.starts_with("wasi:io/streams@0.2")) {
      has_streams = true;
      EXPECT_TRUE(imp.is_instance);
    }
  }
  EXPECT_TRUE(has_streams);
  const ExternDesc* handler = c.findExport("wasi:http/incoming-handler@0.2.0");
  ASSERT_NE(handler, nullptr);
  EXPECT_EQ(handler->funcs, std::vector<std::string>{"handle"});

  ComponentLinker linker;
  testing::defineStubs(linker, c);
  for (int i = 0; i < 3; ++i) {
    Session session(*engine, {}, nullptr);
    auto inst = session.instantiate(linker, *comp);
    ASSERT_TRUE(inst) << inst.error().toString();
    const ExportFunc* handle = (*inst)->exportFunc("wasi:http/incoming-handler@0.2.10", "handle");
    ASSERT_NE(handle, nullptr);
    const FuncSig& sig = (*inst)->signature(handle);
    ASSERT_EQ(sig.params.size(), 2u);
    EXPECT_EQ(sig.params[0].second->kind, TypeKind::kOwn);
    EXPECT_EQ(sig.params[1].second->kind, TypeKind::kOwn);
  }
}

}  // namespace
}  // namespace tern::component

namespace tern::component {
namespace {

// A C program componentized with `jco new --wasi-command` (the preview1 adapter inside).
TEST(ComponentCommand, AdapterComponentCompilesAndInstantiates) {
  auto bytes = testing::readFile(testing::testdata("command.wasm"));
  if (bytes.empty()) GTEST_SKIP() << "command.wasm not built (jco or clang-14 missing)";
  auto engine = instance::Engine::create({}).value();
  auto comp = Component::compile(*engine, bytes);
  ASSERT_TRUE(comp) << comp.error().toString();
  const ExternDesc* run = (*comp)->findExport("wasi:cli/run@0.2.0");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->funcs, std::vector<std::string>{"run"});
  ComponentLinker linker;
  testing::defineStubs(linker, **comp);
  Session session(*engine, {}, nullptr);
  auto inst = session.instantiate(linker, *comp);
  ASSERT_TRUE(inst) << inst.error().toString();
  const ExportFunc* f = (*inst)->exportFunc(run->name, "run");
  ASSERT_NE(f, nullptr);
  // The stubs trap: running reaches the first WASI import and fails cleanly.
  auto r = (*inst)->call(f, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("stub import"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace tern::component
