// Nested components (testdata/nested.wat): instantiated twice with separate state, instance
// imports matched by interface version, exported instances, and a lifted function lowered again.
#include <gtest/gtest.h>

#include "component/component.h"
#include "component/component_test_util.h"

namespace tern::component {
namespace {

TEST(ComponentNested, TwoInstancesAndAnAdapter) {
  auto engine = instance::Engine::create({}).value();
  auto bytes = testing::readFile(testing::testdata("nested.wasm"));
  if (bytes.empty()) GTEST_SKIP() << "nested.wasm not built (jco missing)";
  auto comp = Component::compile(*engine, bytes);
  ASSERT_TRUE(comp) << comp.error().toString();
  ASSERT_EQ((*comp)->imports().size(), 1u);
  EXPECT_EQ((*comp)->imports()[0].name, "test:nest/log");
  EXPECT_EQ((*comp)->imports()[0].funcs, std::vector<std::string>{"log"});
  ASSERT_NE((*comp)->findExport("test:nest/api@1.0.0"), nullptr);
  EXPECT_EQ((*comp)->findExport("test:nest/api@1.0.0")->funcs.size(), 4u);

  ComponentLinker linker;
  std::vector<std::string> logged;
  linker.defineFunc("test:nest/log", "log", [&](HostCall&, std::span<Val> args, std::span<Val>) -> Result<void> {
    logged.push_back(args[0].bytes);
    return {};
  });
  Session session(*engine, {}, nullptr);
  auto inst = session.instantiate(linker, *comp);
  ASSERT_TRUE(inst) << inst.error().toString();
  auto call = [&](std::string_view name, std::vector<Val> args) {
    const ExportFunc* f = (*inst)->exportFunc("test:nest/api@1.2.0", name);
    EXPECT_NE(f, nullptr) << name;
    auto r = (*inst)->call(f, args);
    EXPECT_TRUE(r) << r.error().toString();
    return r && !r->empty() ? (*r)[0].u : ~uint64_t(0);
  };
  EXPECT_EQ(call("double", {Val::u32(5)}), 10u);
  EXPECT_EQ(call("quad", {Val::u32(3)}), 12u);  // the adapter calls double twice
  EXPECT_EQ(logged, (std::vector<std::string>{"inner", "inner", "inner"}));
  EXPECT_EQ(call("calls1", {}), 3u);
  EXPECT_EQ(call("calls2", {}), 0u);  // the second instance has its own state
  // Semver-compatible lookups: 1.x matches, 2.x does not.
  EXPECT_NE((*inst)->exportFunc("test:nest/api@1.0.0", "double"), nullptr);
  EXPECT_EQ((*inst)->exportFunc("test:nest/api@2.0.0", "double"), nullptr);
}

}  // namespace
}  // namespace tern::component
