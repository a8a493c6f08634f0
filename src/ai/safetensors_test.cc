// Safetensors parsing: valid headers, every kind of malformed header, F16/BF16 conversion, shards.
#include "ai/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "ai/test_models.h"

namespace tern::ai {
namespace {

std::vector<std::byte> file(const std::string& header, size_t dataBytes) {
  std::vector<std::byte> out(8 + header.size() + dataBytes);
  uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  std::memcpy(out.data() + 8, header.data(), header.size());
  return out;
}

TEST(Safetensors, ParsesTensorsAndMetadata) {
  auto f = file(R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F16","shape":[4],"data_offsets":[24,32]}})", 32);
  auto t = parseSafetensors(f);
  ASSERT_TRUE(t) << t.error().toString();
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ(t->at("a").elements(), 6);
  EXPECT_EQ(t->at("b").dtype, DType::kF16);
  EXPECT_EQ(t->at("b").bytes.data(), f.data() + 8 + (f.size() - 8 - 32) + 24);
}

TEST(Safetensors, RejectsMalformedHeaders) {
  const char* bad[] = {
      R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})",   // size mismatch
      R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,48]}})",   // beyond the file
      R"({"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}})",       // unknown dtype
      R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",     // negative dim
      R"({"a":{"dtype":"F32","shape":[1]}})",                           // no offsets
      R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})",  // overflow
      R"([1,2,3])", R"({"a":)",
  };
  for (const char* h : bad) {
    auto f = file(h, 24);
    auto t = parseSafetensors(f);
    EXPECT_FALSE(t) << h;
    if (!t) {
      EXPECT_EQ(t.error().code, ErrorCode::kMalformed) << h;
    }
  }
  std::vector<std::byte> tiny(4);
  EXPECT_FALSE(parseSafetensors(tiny));
  auto huge = file("{}", 0);
  uint64_t n = uint64_t{1} << 40;
  std::memcpy(huge.data(), &n, 8);
  EXPECT_FALSE(parseSafetensors(huge));
}

TEST(Safetensors, HalfAndBf16Conversion) {
  EXPECT_EQ(halfToFloat(0x3C00), 1.0f);
  EXPECT_EQ(halfToFloat(0xC000), -2.0f);
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_TRUE(std::isinf(halfToFloat(0x7C00)));
  EXPECT_EQ(bf16ToFloat(0x3F80), 1.0f);
  EXPECT_EQ(bf16ToFloat(0xC0A0), -5.0f);
}

TEST(Safetensors, ShardedF16EqualsSingleF32) {
  auto one = WeightSet::open(test::modelsDir() / "llama/tiny-llama");
  auto sharded = WeightSet::open(test::modelsDir() / "llama/tiny-llama-f16-sharded");
  ASSERT_TRUE(one) << one.error().toString();
  ASSERT_TRUE(sharded) << sharded.error().toString();
  EXPECT_EQ(one->get()->names().size(), sharded->get()->names().size());
  const TensorInfo* info = one->get()->find("model.norm.weight");
  ASSERT_NE(info, nullptr);
  auto a = one->get()->f32("model.norm.weight", info->shape);
  auto b = sharded->get()->f32("model.norm.weight", info->shape);
  ASSERT_TRUE(a && b);
  // F32 tensors are the mapping itself; F16 ones converted once and reused.
  EXPECT_EQ(reinterpret_cast<const std::byte*>(*a), info->bytes.data());
  EXPECT_EQ(*b, *sharded->get()->f32("model.norm.weight", info->shape));
  for (int64_t i = 0; i < info->elements(); ++i) EXPECT_NEAR((*a)[i], (*b)[i], 2e-3);
  EXPECT_FALSE(one->get()->f32("model.norm.weight", {1, 2}));
  EXPECT_FALSE(one->get()->f32("no.such.tensor", {1}));
}

TEST(Safetensors, ShardIndexErrors) {
  auto dir = std::filesystem::temp_directory_path() / ("tern_st_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "model.safetensors.index.json") << R"({"weight_map":{"a":"../etc/passwd"}})";
  auto r = WeightSet::open(dir);
  EXPECT_FALSE(r);
  std::ofstream(dir / "model.safetensors.index.json") << R"({"weight_map":{"a":"missing.safetensors"}})";
  r = WeightSet::open(dir);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(WeightSet::open(dir));
}

}  // namespace
}  // namespace tern::ai
