// Compile-stage unit tests: the CodeMap (native offset -> Wasm offset -> source line) lookups
// and its artifact encoding.
#include "compile/code_map.h"

#include <gtest/gtest.h>

namespace tern::compile {
namespace {

CodeMap sample() {
  CodeMap m;
  m.functions.push_back({2, 0x100, 0x140, {{0, 0x100}, {0x10, 0x105}, {0x30, 0x112}}});
  m.functions.push_back({3, 0x140, 0x180, {{0, 0x140}, {0x8, 0}, {0x20, 0x150}}});
  m.functions.push_back({9, 0x200, 0x2f0, {{0, 0x200}, {0x400, 0x2e0}}});
  m.files = {"src/main.c", "/usr/include/stdio.h"};
  m.source = {{0x100, 1, 4}, {0x105, 1, 5}, {0x112, 2, 100}, {0x130, 0, 0}, {0x150, 1, 12}};
  return m;
}

TEST(CodeMapTest, NativeOffsetsMapToTheCoveringRow) {
  CodeMap m = sample();
  EXPECT_EQ(m.wasmOffset(2, 0), 0x100u);
  EXPECT_EQ(m.wasmOffset(2, 0xf), 0x100u);
  EXPECT_EQ(m.wasmOffset(2, 0x10), 0x105u);
  EXPECT_EQ(m.wasmOffset(2, 0x2f), 0x105u);
  EXPECT_EQ(m.wasmOffset(2, 0x1000), 0x112u);     // the last row covers the rest of the function
  EXPECT_EQ(m.wasmOffset(3, 0x8), std::nullopt);  // code without a location (line 0)
  EXPECT_EQ(m.wasmOffset(3, 0x21), 0x150u);
  EXPECT_EQ(m.wasmOffset(4, 0), std::nullopt);  // no map for this function
  EXPECT_EQ(m.wasmOffset(9, 0x3ff), 0x200u);
}

TEST(CodeMapTest, WasmOffsetsFindTheirFunction) {
  CodeMap m = sample();
  EXPECT_EQ(m.functionAt(0x100), 2u);
  EXPECT_EQ(m.functionAt(0x13f), 2u);
  EXPECT_EQ(m.functionAt(0x140), 3u);
  EXPECT_EQ(m.functionAt(0x180), std::nullopt);  // between bodies
  EXPECT_EQ(m.functionAt(0x2ef), 9u);
  EXPECT_EQ(m.functionAt(0xff), std::nullopt);
}

TEST(CodeMapTest, SourceLinesComeFromTheLastRowAtOrBefore) {
  CodeMap m = sample();
  EXPECT_EQ(m.sourceAt(0xff), std::nullopt);
  auto at = [&](uint32_t off) {
    auto s = m.sourceAt(off);
    return s ? s->file + ":" + std::to_string(s->line) : std::string("none");
  };
  EXPECT_EQ(at(0x100), "src/main.c:4");
  EXPECT_EQ(at(0x104), "src/main.c:4");
  EXPECT_EQ(at(0x105), "src/main.c:5");
  EXPECT_EQ(at(0x120), "/usr/include/stdio.h:100");
  EXPECT_EQ(at(0x130), "none");  // the end of a sequence
  EXPECT_EQ(at(0x14f), "none");
  EXPECT_EQ(at(0x151), "src/main.c:12");
}

TEST(CodeMapTest, CompactRowsSortsAndDropsRepeats) {
  auto rows = compactRows({{0x20, 7}, {0, 5}, {0x8, 5}, {0x10, 6}, {0x10, 9}, {0x18, 9}});
  std::vector<AddressRow> want = {{0, 5}, {0x10, 9}, {0x20, 7}};
  EXPECT_EQ(rows, want);
}

TEST(CodeMapTest, EncodingRoundTrips) {
  CodeMap m = sample();
  auto bytes = encodeCodeMap(m);
  auto back = decodeCodeMap(bytes);
  ASSERT_TRUE(back.has_value()) << back.error().toString();
  EXPECT_EQ(*back, m);
  auto empty = decodeCodeMap(encodeCodeMap(CodeMap{}));
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->functions.empty() && empty->source.empty());
}

TEST(CodeMapTest, EncodingIsCompact) {
  CodeMap m;
  FunctionMap f{0, 0x1000, 0x9000, {}};
  for (uint32_t i = 0; i < 10000; ++i) f.rows.push_back({i * 6, 0x1000 + i * 3});
  m.functions.push_back(f);
  EXPECT_LT(encodeCodeMap(m).size(), 2 * f.rows.size() + 32);
}

TEST(CodeMapTest, TruncatedOrCorruptInputIsAnErrorNotACrash) {
  auto bytes = encodeCodeMap(sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = decodeCodeMap(std::span(bytes.data(), n));
    ASSERT_FALSE(r.has_value()) << "prefix of " << n << " bytes";
    EXPECT_EQ(r.error().code, ErrorCode::kCache);
  }
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(decodeCodeMap(longer).has_value());
  // A file index beyond the file table.
  CodeMap bad = sample();
  bad.source[0].file = 7;
  EXPECT_FALSE(decodeCodeMap(encodeCodeMap(bad)).has_value());
  // Every single-byte corruption decodes to an error or to some map, never a crash.
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto flipped = bytes;
    flipped[i] ^= 0xff;
    (void)decodeCodeMap(flipped);
  }
  // A huge count cannot make the decoder allocate: counts are checked against the input.
  std::vector<uint8_t> huge = {0xd4, 0x86, 0xb5, 0x8a, 0x03, 0xff, 0xff, 0xff, 0xff, 0x0f};
  EXPECT_FALSE(decodeCodeMap(huge).has_value());
}

}  // namespace
}  // namespace tern::compile
