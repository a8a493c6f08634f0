// Tests of canonical ABI flat lifting/lowering: scalars in core values, variant payload joins with
// i64/f32/f64 mixes, flags words, handles, and the MAX_FLAT spills to memory.
#include <gtest/gtest.h>

#include <bit>

#include "component/canon.h"
#include "component/canon_test_util.h"

namespace tern::component::testing {
namespace {

class CanonFlatTest : public CanonTest {
 protected:
  std::vector<Value> lower(std::vector<const ValType*> types, std::vector<Val> vals,
                           size_t max_flat = kMaxFlatParams) {
    auto c = cx();
    std::vector<Value> flat;
    auto r = lowerFlatValues(c, types, vals, max_flat, flat);
    EXPECT_TRUE(r) << r.error().message;
    return flat;
  }
  std::vector<Val> lift(std::vector<const ValType*> types, std::vector<Value> flat,
                        size_t max_flat = kMaxFlatParams) {
    auto c = cx();
    auto r = liftFlatValues(c, types, flat, max_flat);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : std::vector<Val>{};
  }
  Error liftError(std::vector<const ValType*> types, std::vector<Value> flat,
                  size_t max_flat = kMaxFlatParams) {
    auto c = cx();
    auto r = liftFlatValues(c, types, flat, max_flat);
    EXPECT_FALSE(r);
    return r ? Error{} : r.error();
  }
  // Lowers `v`, checks the flat values read `expected`, lifts them back and compares.
  void roundTrip(const ValType* t, const Val& v, const std::string& expected) {
    SCOPED_TRACE(typeName(*t) + " = " + show(*t, v));
    auto flat = lower({t}, {v});
    EXPECT_EQ(render(flat), expected);
    auto back = lift({t}, flat);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(show(*t, back[0]), show(*t, v));
  }
  static std::string render(const std::vector<Value>& flat) {
    std::string out;
    for (const Value& v : flat) {
      out += out.empty() ? "" : " ";
      out += std::string(compile::valTypeName(v.type)) + ":" +
             (v.type == Core::kI32 || v.type == Core::kF32
                  ? std::to_string(static_cast<uint32_t>(v.asI32()))
                  : std::to_string(static_cast<uint64_t>(v.asI64())));
    }
    return out;
  }
};

constexpr uint32_t kOnePointFive = 0x3fc00000;  // 1.5f

TEST_F(CanonFlatTest, ScalarsLowerToTheirCoreTypes) {
  auto& t = types_;
  roundTrip(t.prim(TypeKind::kBool), Val::boolean(true), "i32:1");
  roundTrip(t.prim(TypeKind::kS8), Val::sint(TypeKind::kS8, -1), "i32:4294967295");
  roundTrip(t.prim(TypeKind::kU16), Val::u16(65535), "i32:65535");
  roundTrip(t.prim(TypeKind::kS64), Val::s64(-2), "i64:18446744073709551614");
  roundTrip(t.prim(TypeKind::kF32), Val::float32(1.5f), "f32:" + std::to_string(kOnePointFive));
  roundTrip(t.prim(TypeKind::kF64), Val::float64(-0.25),
            "f64:" + std::to_string(std::bit_cast<uint64_t>(-0.25)));
  // NaN payloads are not passed on: lowering writes the canonical NaN.
  EXPECT_EQ(render(lower({t.prim(TypeKind::kF64)},
                         {Val::float64(std::bit_cast<double>(0x7ff0000000000002ull))})),
            "f64:" + std::to_string(0x7ff8000000000000ull));
  roundTrip(t.prim(TypeKind::kChar), Val::character(U'😀'), "i32:128512");
}

TEST_F(CanonFlatTest, NarrowIntegersIgnoreHighBitsAndBoolAnyNonZero) {
  auto& t = types_;
  auto vals = lift({t.prim(TypeKind::kU8), t.prim(TypeKind::kS8), t.prim(TypeKind::kU16),
                    t.prim(TypeKind::kS16), t.prim(TypeKind::kBool), t.prim(TypeKind::kF32)},
                   {Value::i32(0x1ff), Value::i32(0x180), Value::i32(0x12345678),
                    Value::i32(0xffff8000), Value::i32(0x100), Value::f32Bits(0xffc00001u)});
  ASSERT_EQ(vals.size(), 6u);
  EXPECT_EQ(vals[0].u, 255u);
  EXPECT_EQ(vals[1].i, -128);
  EXPECT_EQ(vals[2].u, 0x5678u);
  EXPECT_EQ(vals[3].i, -32768);
  EXPECT_TRUE(vals[4].b);
  EXPECT_EQ(std::bit_cast<uint32_t>(vals[5].f32), 0x7fc00000u);
}

TEST_F(CanonFlatTest, VariantPayloadsAreCoercedToTheJoinedTypes) {
  auto& t = types_;
  auto f32 = t.prim(TypeKind::kF32), f64 = t.prim(TypeKind::kF64);
  auto u32 = t.prim(TypeKind::kU32), u64 = t.prim(TypeKind::kU64), u8 = t.prim(TypeKind::kU8);
  auto r = t.result(f32, u64);  // [i32, i64]: f32 bits zero-extended
  roundTrip(r, Val::ok(Val::float32(1.5f)), "i32:0 i64:" + std::to_string(kOnePointFive));
  roundTrip(r, Val::err(Val::u64(UINT64_MAX)), "i32:1 i64:18446744073709551615");
  auto v = t.variant({u32, f32, t.tuple({u8, f64}), nullptr});  // [i32, i32, f64]
  roundTrip(v, Val::variant(0, Val::u32(7)), "i32:0 i32:7 f64:0");
  roundTrip(v, Val::variant(1, Val::float32(1.5f)),
            "i32:1 i32:" + std::to_string(kOnePointFive) + " f64:0");
  roundTrip(v, Val::variant(2, Val::tuple({Val::u8(9), Val::float64(2.0)})),
            "i32:2 i32:9 f64:" + std::to_string(std::bit_cast<uint64_t>(2.0)));
  roundTrip(v, Val::variant(3), "i32:3 i32:0 f64:0");
  auto mix = t.variant({f64, f32, u32});  // [i32, i64]
  roundTrip(mix, Val::variant(0, Val::float64(-2.5)),
            "i32:0 i64:" + std::to_string(std::bit_cast<uint64_t>(-2.5)));
  roundTrip(mix, Val::variant(1, Val::float32(1.5f)), "i32:1 i64:" + std::to_string(kOnePointFive));
  roundTrip(mix, Val::variant(2, Val::u32(0xffffffff)), "i32:2 i64:4294967295");
  roundTrip(t.option(f64), Val::none(), "i32:0 f64:0");
  // Nested: option<result<f32, u64>> flattens to [i32, i32, i64].
  auto nested = t.option(r);
  roundTrip(nested, Val::some(Val::ok(Val::float32(1.5f))),
            "i32:1 i32:0 i64:" + std::to_string(kOnePointFive));
  roundTrip(nested, Val::none(), "i32:0 i32:0 i64:0");
  roundTrip(t.option(t.option(f32)), Val::some(Val::some(Val::float32(1.5f))),
            "i32:1 i32:1 f32:" + std::to_string(kOnePointFive));
}

TEST_F(CanonFlatTest, A32BitPayloadInAnI64SlotIsWrapped) {
  auto r = types_.result(types_.prim(TypeKind::kU32), types_.prim(TypeKind::kU64));
  auto vals = lift({r}, {Value::i32(0), Value::i64(0x100000005ll)});
  ASSERT_EQ(vals.size(), 1u);
  EXPECT_EQ(vals[0].payload().u, 5u);
  auto f = types_.result(types_.prim(TypeKind::kF32), types_.prim(TypeKind::kF64));
  vals = lift({f}, {Value::i32(0), Value::i64(0xabcd00000000ll | kOnePointFive)});
  EXPECT_EQ(vals[0].payload().f32, 1.5f);
}

TEST_F(CanonFlatTest, BadFlatValuesTrap) {
  auto opt = types_.option(types_.prim(TypeKind::kU8));
  Error e = liftError({opt}, {Value::i32(2), Value::i32(0)});
  EXPECT_EQ(e.code, ErrorCode::kTrap);
  EXPECT_NE(e.message.find("discriminant 2 out of range"), std::string::npos) << e.message;
  e = liftError({types_.prim(TypeKind::kChar)}, {Value::i32(0xD800)});
  EXPECT_NE(e.message.find("invalid char"), std::string::npos) << e.message;
  e = liftError({types_.prim(TypeKind::kU32)}, {Value::i64(1)});
  EXPECT_NE(e.message.find("expected i32"), std::string::npos) << e.message;
  e = liftError({types_.prim(TypeKind::kU32)}, {});
  EXPECT_NE(e.message.find("expected 1 flat values, got 0"), std::string::npos) << e.message;
  auto c = cx();
  std::vector<Value> flat;
  Val v = Val::u32(1);
  auto r = lowerFlatValues(c, std::vector<const ValType*>{types_.prim(TypeKind::kU64)},
                           std::span(&v, 1), kMaxFlatParams, flat);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("expected u64, found u32"), std::string::npos)
      << r.error().message;
}

TEST_F(CanonFlatTest, FlagsAreI32WordsWithUnknownBitsMasked) {
  auto flags = types_.flags(40);
  Val f;
  f.kind = TypeKind::kFlags;
  f.flags = {0xffffffff, 0xff};
  roundTrip(flags, f, "i32:4294967295 i32:255");
  auto vals = lift({flags}, {Value::i32(1), Value::i32(-1)});
  EXPECT_EQ(vals[0].flags, (std::vector<uint32_t>{1, 0xff}));
  f.flags = {1};  // missing words are zero
  EXPECT_EQ(render(lower({flags}, {f})), "i32:1 i32:0");
}

TEST_F(CanonFlatTest, StringsListsAndHandlesUseMemoryAndHandleOps) {
  auto str = types_.prim(TypeKind::kString);
  auto own = types_.own(&resource_);
  auto flat =
      lower({str, own, types_.list(str)},
            {Val::string("hi"), Val::own(9), Val::list({Val::string("a"), Val::string("bc")})});
  ASSERT_EQ(flat.size(), 5u);
  EXPECT_EQ(peekBytes(flat[0].asI32(), 2), "hi");
  EXPECT_EQ(flat[1].asI32(), 2);
  EXPECT_EQ(flat[2].asI32(), 1);  // the first handle RecordingHandles hands out
  EXPECT_EQ(flat[4].asI32(), 2);
  // realloc order: "hi", the list's element array, then each element string.
  ASSERT_EQ(reallocs_.size(), 4u);
  EXPECT_EQ(reallocs_[1].new_size, 16u);
  EXPECT_EQ(reallocs_[1].align, 4u);
  EXPECT_EQ(reallocs_[3].new_size, 2u);
  auto back = lift({str, own, types_.list(str)}, flat);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].bytes, "hi");
  EXPECT_EQ(back[1].rep(), 101u);
  EXPECT_EQ(show(*types_.list(str), back[2]), "[\"a\", \"bc\"]");
  EXPECT_EQ(handles_.log,
            (std::vector<std::string>{"lowerOwn test:res/r 9", "liftOwn test:res/r 1"}));
}

TEST_F(CanonFlatTest, SixteenParamsStayFlatSeventeenSpillThroughRealloc) {
  auto u32 = types_.prim(TypeKind::kU32);
  std::vector<const ValType*> types(16, u32);
  std::vector<Val> vals;
  for (uint32_t i = 0; i < 16; ++i) vals.push_back(Val::u32(i * 11));
  EXPECT_EQ(lower(types, vals).size(), 16u);
  EXPECT_TRUE(reallocs_.empty());

  types.push_back(types_.prim(TypeKind::kU64));
  vals.push_back(Val::u64(1ull << 50));
  auto flat = lower(types, vals);
  ASSERT_EQ(flat.size(), 1u);
  ASSERT_EQ(reallocs_.size(), 1u);
  EXPECT_EQ(reallocs_[0], (ReallocCall{0, 0, 8, 72, static_cast<uint32_t>(flat[0].asI32())}));
  uint32_t ptr = flat[0].asI32();
  EXPECT_EQ(peek<uint32_t>(ptr + 4 * 15), 165u);
  EXPECT_EQ(peek<uint64_t>(ptr + 64), 1ull << 50);
  auto back = lift(types, flat);
  ASSERT_EQ(back.size(), 17u);
  EXPECT_EQ(back[15].u, 165u);
  EXPECT_EQ(back[16].u, 1ull << 50);
}

TEST_F(CanonFlatTest, ResultsSpillToTheCallersOutPointer) {
  auto str = types_.prim(TypeKind::kString);
  auto c = cx();
  std::vector<Value> flat{Value::i32(99)};  // cleared by the call
  Val v = Val::string("result");
  uint32_t out = 2048;
  ASSERT_TRUE(lowerFlatValues(c, std::vector<const ValType*>{str}, std::span(&v, 1),
                              kMaxFlatResults, flat, &out));
  EXPECT_TRUE(flat.empty());
  EXPECT_EQ(peekBytes(peek<uint32_t>(2048), peek<uint32_t>(2052)), "result");
  // Without an out-pointer the tuple is allocated and its pointer is the one flat result.
  ASSERT_TRUE(lowerFlatValues(c, std::vector<const ValType*>{str}, std::span(&v, 1),
                              kMaxFlatResults, flat));
  ASSERT_EQ(flat.size(), 1u);
  auto back = lift({str}, flat, kMaxFlatResults);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].bytes, "result");
  // A bad out-pointer traps before anything is written.
  reallocs_.clear();
  uint32_t misaligned = 2050;
  auto r = lowerFlatValues(c, std::vector<const ValType*>{str}, std::span(&v, 1), kMaxFlatResults,
                           flat, &misaligned);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not aligned to 4"), std::string::npos) << r.error().message;
  EXPECT_TRUE(reallocs_.empty());
}

TEST_F(CanonFlatTest, SpilledValuesPointerIsChecked) {
  auto str = types_.prim(TypeKind::kString);
  Error e = liftError({str}, {Value::i32(2)}, kMaxFlatResults);
  EXPECT_NE(e.message.find("not aligned to 4"), std::string::npos) << e.message;
  e = liftError({str}, {Value::i32(128 * 1024 - 4)}, kMaxFlatResults);
  EXPECT_NE(e.message.find("out of bounds"), std::string::npos) << e.message;
  e = liftError({str}, {Value::i32(0), Value::i32(0)}, kMaxFlatResults);
  EXPECT_NE(e.message.find("expected one i32 pointer"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace tern::component::testing
