// Malformed and invalid component binaries give clear errors (kComponentMalformed/kComponentInvalid with the byte
// offset), never a crash: truncations, bad sections, out-of-range indices, type mismatches.
#include <gtest/gtest.h>

#include <filesystem>

#include "component/component.h"
#include "component/component_test_util.h"

namespace tern::component {
namespace {

class ComponentBinary : public ::testing::Test {
 protected:
  // A cache: the truncation test compiles the same core modules many times.
  void SetUp() override {
    auto dir = std::filesystem::temp_directory_path() / "tern-component-binary-test-cache";
    engine_ = instance::Engine::create({.cache_dir = dir.string()}).value();
  }
  Result<std::shared_ptr<const Component>> compile(const std::vector<uint8_t>& bytes) {
    return Component::compile(*engine_, bytes);
  }
  static std::vector<uint8_t> preamble() { return {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00}; }
  std::unique_ptr<instance::Engine> engine_;
};

TEST_F(ComponentBinary, EmptyComponentIsValid) {
  auto c = compile(preamble());
  ASSERT_TRUE(c) << c.error().toString();
  EXPECT_TRUE((*c)->imports().empty());
  EXPECT_TRUE((*c)->exports().empty());
}

TEST_F(ComponentBinary, CoreModuleIsNotAComponent) {
  std::vector<uint8_t> module = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  EXPECT_FALSE(Component::isComponent(module));
  EXPECT_TRUE(Component::isComponent(preamble()));
  auto c = compile(module);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kComponentMalformed);
  EXPECT_NE(c.error().message.find("not a component"), std::string::npos);
  // The component stage's own group: a log line tells it from a core module's compile error.
  EXPECT_TRUE(c.error().toString().starts_with("component: malformed component: "))
      << c.error().toString();
}

TEST_F(ComponentBinary, UnknownSectionId) {
  auto bytes = preamble();
  bytes.insert(bytes.end(), {0x2a, 0x00});
  auto c = compile(bytes);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kComponentMalformed);
  EXPECT_NE(c.error().message.find("unknown section id 42"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("at 0x"), std::string::npos);
}

TEST_F(ComponentBinary, SectionPastTheEnd) {
  auto bytes = preamble();
  bytes.insert(bytes.end(), {0x07, 0x10, 0x01});
  auto c = compile(bytes);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kComponentMalformed);
}

TEST_F(ComponentBinary, HugeCountIsRefusedBeforeAllocating) {
  auto bytes = preamble();
  bytes.insert(bytes.end(), {0x07, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f});
  auto c = compile(bytes);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kComponentMalformed);
}

TEST_F(ComponentBinary, OutOfRangeTypeIndex) {
  // type section: one list type whose element is type index 5 (undefined).
  auto bytes = preamble();
  bytes.insert(bytes.end(), {0x07, 0x03, 0x01, 0x70, 0x05});
  auto c = compile(bytes);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kComponentInvalid);
  EXPECT_NE(c.error().message.find("type index out of range"), std::string::npos) << c.error().message;
}

TEST_F(ComponentBinary, OutOfRangeExportIndex) {
  // export section: export "f" = func 3 (no functions exist).
  auto bytes = preamble();
  bytes.insert(bytes.end(), {0x0b, 0x06, 0x01, 0x00, 0x01, 'f', 0x01, 0x03});
  auto c = compile(bytes);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kComponentInvalid);
  EXPECT_NE(c.error().message.find("func index 3 out of range"), std::string::npos) << c.error().message;
}

TEST_F(ComponentBinary, OwnOfNonResource) {
  auto bytes = preamble();
  bytes.insert(bytes.end(), {0x07, 0x04, 0x02, 0x79, 0x69, 0x00});
  auto c = compile(bytes);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kComponentInvalid);
  EXPECT_NE(c.error().message.find("not a resource"), std::string::npos) << c.error().message;
}

TEST_F(ComponentBinary, LiftTypeMismatch) {
  auto bytes = testing::readFile(testing::testdata("bad_lift.wasm"));
  if (bytes.empty()) GTEST_SKIP() << "bad_lift.wasm not built (jco missing)";
  auto c = compile(bytes);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kComponentInvalid);
  EXPECT_NE(c.error().message.find("does not match the lifted type"), std::string::npos) << c.error().message;
}

TEST_F(ComponentBinary, CoreImportTypeMismatch) {
  auto bytes = testing::readFile(testing::testdata("bad_import.wasm"));
  if (bytes.empty()) GTEST_SKIP() << "bad_import.wasm not built (jco missing)";
  auto c = compile(bytes);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kComponentInvalid);
  EXPECT_NE(c.error().message.find("\"a\" \"g\": expected (i32) -> ()"), std::string::npos) << c.error().message;
}

// Every prefix and many single-byte corruptions of real components fail cleanly or succeed.
TEST_F(ComponentBinary, TruncationsAndCorruptionsNeverCrash) {
  int files = 0;
  for (const char* name : {"values.wasm", "resources.wasm", "nested.wasm"}) {
    auto bytes = testing::readFile(testing::testdata(name));
    if (bytes.empty()) continue;
    ++files;
    ASSERT_TRUE(compile(bytes)) << name;
    for (size_t n = 0; n < bytes.size(); n += (n < 64 ? 1 : 13)) {
      std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + n);
      auto c = compile(cut);
      if (n < 8) EXPECT_FALSE(c);
    }
    for (size_t i = 8; i < bytes.size(); i += 11) {
      auto bad = bytes;
      bad[i] ^= 0x5a;
      (void)compile(bad);
    }
  }
  if (files == 0) GTEST_SKIP() << "fixtures not built (jco missing)";
}

}  // namespace
}  // namespace tern::component
