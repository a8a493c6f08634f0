// Tests of canonical ABI load/store: round trips of every type, exact memory layouts, handles,
// realloc checks and the traps for bad guest data and mismatched host values.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>

#include "common/limits.h"
#include "component/canon.h"
#include "component/canon_test_util.h"

namespace tern::component::testing {
namespace {

class CanonMemoryTest : public CanonTest {
 protected:
  // Stores `v` at `at`, loads it back and checks it reads the same.
  void roundTrip(const ValType* t, const Val& v, uint32_t at = 64) {
    SCOPED_TRACE(typeName(*t) + " = " + show(*t, v));
    auto c = cx();
    auto stored = store(c, *t, v, at);
    ASSERT_TRUE(stored) << stored.error().message;
    auto loaded = load(c, *t, at);
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(show(*t, *loaded), show(*t, v));
  }
  Error loadError(const ValType* t, uint32_t at) {
    auto c = cx();
    auto r = load(c, *t, at);
    EXPECT_FALSE(r) << "loaded " << show(*t, *r);
    return r ? Error{} : r.error();
  }
  Error storeError(const ValType* t, const Val& v, uint32_t at = 64) {
    auto c = cx();
    auto r = store(c, *t, v, at);
    EXPECT_FALSE(r);
    return r ? Error{} : r.error();
  }
};

#define EXPECT_TRAP(error, text)                                                   \
  do {                                                                             \
    Error e_ = (error);                                                            \
    EXPECT_EQ(e_.code, ErrorCode::kTrap) << e_.message;                            \
    EXPECT_NE(e_.message.find(text), std::string::npos) << e_.message;             \
  } while (0)

TEST_F(CanonMemoryTest, ScalarsRoundTripAtTheirEdges) {
  auto& t = types_;
  roundTrip(t.prim(TypeKind::kBool), Val::boolean(true));
  roundTrip(t.prim(TypeKind::kBool), Val::boolean(false));
  roundTrip(t.prim(TypeKind::kS8), Val::sint(TypeKind::kS8, -128));
  roundTrip(t.prim(TypeKind::kS8), Val::sint(TypeKind::kS8, 127));
  roundTrip(t.prim(TypeKind::kU8), Val::u8(255));
  roundTrip(t.prim(TypeKind::kS16), Val::sint(TypeKind::kS16, -32768));
  roundTrip(t.prim(TypeKind::kU16), Val::u16(65535));
  roundTrip(t.prim(TypeKind::kS32), Val::s32(INT32_MIN));
  roundTrip(t.prim(TypeKind::kU32), Val::u32(UINT32_MAX));
  roundTrip(t.prim(TypeKind::kS64), Val::s64(INT64_MIN));
  roundTrip(t.prim(TypeKind::kU64), Val::u64(UINT64_MAX));
  roundTrip(t.prim(TypeKind::kF32), Val::float32(-0.0f));
  roundTrip(t.prim(TypeKind::kF32), Val::float32(3.4e38f));
  roundTrip(t.prim(TypeKind::kF64), Val::float64(-1e300));
  roundTrip(t.prim(TypeKind::kF64), Val::float64(INFINITY));
  roundTrip(t.prim(TypeKind::kChar), Val::character(0x10FFFF));
  roundTrip(t.prim(TypeKind::kChar), Val::character(U'é'));
}

TEST_F(CanonMemoryTest, CompoundValuesRoundTrip) {
  auto& t = types_;
  auto u8 = t.prim(TypeKind::kU8), u16 = t.prim(TypeKind::kU16), u64 = t.prim(TypeKind::kU64);
  auto f32 = t.prim(TypeKind::kF32), str = t.prim(TypeKind::kString);
  roundTrip(str, Val::string("héllo ☃ 😀"));
  roundTrip(str, Val::string(""));
  roundTrip(t.list(u8), Val::byteList(std::string("\0\1\xff", 3)));
  roundTrip(t.list(u16), Val::list({Val::u16(1), Val::u16(65535), Val::u16(7)}));
  roundTrip(t.list(str), Val::list({Val::string("a"), Val::string(""), Val::string("ü")}));
  roundTrip(t.list(t.list(u8)), Val::list({Val::byteList("xy"), Val::byteList("")}));
  roundTrip(t.record({u8, u64, str}), Val::record({Val::u8(1), Val::u64(2), Val::string("three")}));
  roundTrip(t.tuple({f32, u8}), Val::tuple({Val::float32(1.25f), Val::u8(9)}));
  roundTrip(t.tuple({}), Val::tuple({}));
  auto v = t.variant({nullptr, u16, str, t.tuple({u8, u64})});
  roundTrip(v, Val::variant(0));
  roundTrip(v, Val::variant(1, Val::u16(513)));
  roundTrip(v, Val::variant(2, Val::string("case two")));
  roundTrip(v, Val::variant(3, Val::tuple({Val::u8(3), Val::u64(1ull << 40)})));
  roundTrip(t.enumType(300), Val::enumCase(299));
  roundTrip(t.option(str), Val::none());
  roundTrip(t.option(str), Val::some(Val::string("some")));
  roundTrip(t.option(t.option(u8)), Val::some(Val::none()));
  roundTrip(t.result(u64, str), Val::ok(Val::u64(5)));
  roundTrip(t.result(u64, str), Val::err(Val::string("bad")));
  roundTrip(t.result(nullptr, nullptr), Val::err());
  roundTrip(t.result(nullptr, u8), Val::ok());
  Val f;
  f.kind = TypeKind::kFlags;
  f.flags = {0x5};
  roundTrip(t.flags(3), f);
  f.flags = {0x8001};
  roundTrip(t.flags(16), f);
  f.flags = {0x80000001u, 0xff};
  roundTrip(t.flags(40), f);
  f.flags = {};
  roundTrip(t.flags(0), f);
}

TEST_F(CanonMemoryTest, LayoutInMemoryFollowsTheSpec) {
  auto& t = types_;
  auto c = cx();
  auto rec = t.record({t.prim(TypeKind::kU8), t.prim(TypeKind::kU32), t.prim(TypeKind::kU16)});
  ASSERT_TRUE(
      store(c, *rec, Val::record({Val::u8(0xab), Val::u32(0x11223344), Val::u16(0x5566)}), 16));
  EXPECT_EQ(peek<uint8_t>(16), 0xab);
  EXPECT_EQ(peek<uint32_t>(20), 0x11223344u);
  EXPECT_EQ(peek<uint16_t>(24), 0x5566);
  // A 300-case enum has a u16 discriminant; option<u64> puts its payload at offset 8.
  ASSERT_TRUE(store(c, *t.enumType(300), Val::enumCase(258), 32));
  EXPECT_EQ(peek<uint16_t>(32), 258);
  ASSERT_TRUE(store(c, *t.option(t.prim(TypeKind::kU64)), Val::some(Val::u64(77)), 40));
  EXPECT_EQ(peek<uint8_t>(40), 1);
  EXPECT_EQ(peek<uint64_t>(48), 77u);
  // Strings are (ptr, len) with the bytes where realloc put them.
  ASSERT_TRUE(store(c, *t.prim(TypeKind::kString), Val::string("hey"), 56));
  ASSERT_EQ(reallocs_.size(), 1u);
  EXPECT_EQ(reallocs_[0], (ReallocCall{0, 0, 1, 3, reallocs_[0].result}));
  EXPECT_EQ(peek<uint32_t>(56), reallocs_[0].result);
  EXPECT_EQ(peek<uint32_t>(60), 3u);
  EXPECT_EQ(peekBytes(reallocs_[0].result, 3), "hey");
  // 40 flags are two i32 words.
  Val f;
  f.kind = TypeKind::kFlags;
  f.flags = {0xdeadbeef, 0x3};
  ASSERT_TRUE(store(c, *t.flags(40), f, 64));
  EXPECT_EQ(peek<uint32_t>(64), 0xdeadbeefu);
  EXPECT_EQ(peek<uint32_t>(68), 3u);
}

TEST_F(CanonMemoryTest, ListOfU8IsOneCopyInAndOut) {
  auto list = types_.list(types_.prim(TypeKind::kU8));
  std::string body(1000, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7);
  auto c = cx();
  ASSERT_TRUE(store(c, *list, Val::byteList(body), 8));
  ASSERT_EQ(reallocs_.size(), 1u);
  EXPECT_EQ(reallocs_[0].align, 1u);
  EXPECT_EQ(reallocs_[0].new_size, 1000u);
  EXPECT_EQ(peekBytes(reallocs_[0].result, 1000), body);
  auto loaded = load(c, *list, 8);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->bytes, body);
  EXPECT_TRUE(loaded->items.empty());
  // list<u8> written item by item by a host is accepted too.
  ASSERT_TRUE(store(c, *list, Val::list({Val::u8(1), Val::u8(2)}), 16));
  EXPECT_EQ(peekBytes(peek<uint32_t>(16), 2), "\1\2");
}

TEST_F(CanonMemoryTest, BoolIsTrueForAnyNonZeroByte) {
  poke<uint8_t>(8, 2);
  poke<uint8_t>(9, 0x80);
  auto c = cx();
  EXPECT_TRUE(load(c, *types_.prim(TypeKind::kBool), 8)->b);
  EXPECT_TRUE(load(c, *types_.prim(TypeKind::kBool), 9)->b);
}

TEST_F(CanonMemoryTest, NaNsAreCanonicalisedBothWays) {
  auto c = cx();
  poke<uint32_t>(8, 0xffa00001u);
  poke<uint64_t>(16, 0x7ff0000000000001ull);
  EXPECT_EQ(std::bit_cast<uint32_t>(load(c, *types_.prim(TypeKind::kF32), 8)->f32), 0x7fc00000u);
  EXPECT_EQ(std::bit_cast<uint64_t>(load(c, *types_.prim(TypeKind::kF64), 16)->f64),
            0x7ff8000000000000ull);
  ASSERT_TRUE(
      store(c, *types_.prim(TypeKind::kF32), Val::float32(std::bit_cast<float>(0x7f800123u)), 24));
  EXPECT_EQ(peek<uint32_t>(24), 0x7fc00000u);
  ASSERT_TRUE(store(c, *types_.prim(TypeKind::kF64),
                    Val::float64(std::bit_cast<double>(0xfff0000000000fffull)), 32));
  EXPECT_EQ(peek<uint64_t>(32), 0x7ff8000000000000ull);
  // Infinity is not a NaN and keeps its bits.
  poke<uint32_t>(8, 0xff800000u);
  EXPECT_EQ(std::bit_cast<uint32_t>(load(c, *types_.prim(TypeKind::kF32), 8)->f32), 0xff800000u);
}

TEST_F(CanonMemoryTest, InvalidGuestDataTraps) {
  auto chr = types_.prim(TypeKind::kChar);
  poke<uint32_t>(8, 0xD800);
  EXPECT_TRAP(loadError(chr, 8), "invalid char");
  poke<uint32_t>(8, 0x110000);
  EXPECT_TRAP(loadError(chr, 8), "invalid char");
  poke<uint8_t>(16, 2);  // option has cases 0 and 1
  EXPECT_TRAP(loadError(types_.option(types_.prim(TypeKind::kU8)), 16),
              "discriminant 2 out of range");
  poke<uint16_t>(16, 300);
  EXPECT_TRAP(loadError(types_.enumType(300), 16), "discriminant 300 out of range");
  poke<uint8_t>(16, 3);
  EXPECT_TRAP(loadError(types_.result(nullptr, nullptr), 16), "out of range");
}

TEST_F(CanonMemoryTest, UnknownFlagBitsAreIgnored) {
  poke<uint8_t>(8, 0xff);
  auto c = cx();
  auto v = load(c, *types_.flags(3), 8);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->flags, std::vector<uint32_t>{7});
  poke<uint32_t>(16, 0xffffffff);
  poke<uint32_t>(20, 0xffffffff);
  v = load(c, *types_.flags(33), 16);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->flags, (std::vector<uint32_t>{0xffffffff, 1}));
}

TEST_F(CanonMemoryTest, MisalignedAndOutOfBoundsPointersTrap) {
  auto u32 = types_.prim(TypeKind::kU32);
  EXPECT_TRAP(loadError(u32, 2), "not aligned to 4");
  Error oob = loadError(u32, 128 * 1024);
  EXPECT_TRAP(oob, "out of bounds");
  EXPECT_EQ(oob.detail, static_cast<int32_t>(vm::TrapKind::kMemoryOutOfBounds));
  EXPECT_TRAP(loadError(u32, UINT32_MAX - 3), "out of bounds");
  EXPECT_TRAP(storeError(types_.prim(TypeKind::kU64), Val::u64(1), 12), "not aligned to 8");
  // A list whose elements are misaligned or run past the end of memory.
  auto list = types_.list(u32);
  poke<uint32_t>(8, 2);
  poke<uint32_t>(12, 1);
  EXPECT_TRAP(loadError(list, 8), "list pointer 2 is not aligned to 4");
  poke<uint32_t>(8, 4);
  poke<uint32_t>(12, 0x40000000);
  EXPECT_TRAP(loadError(list, 8), "out of bounds");
  auto str = types_.prim(TypeKind::kString);
  poke<uint32_t>(8, 128 * 1024 - 1);
  poke<uint32_t>(12, 2);
  EXPECT_TRAP(loadError(str, 8), "out of bounds");
}

TEST_F(CanonMemoryTest, ReallocResultsAreChecked) {
  auto list = types_.list(types_.prim(TypeKind::kU32));
  Val v = Val::list({Val::u32(1), Val::u32(2)});
  realloc_override_ = [](const ReallocCall&) { return 4098u; };
  EXPECT_TRAP(storeError(list, v), "realloc result pointer 4098 is not aligned to 4");
  realloc_override_ = [](const ReallocCall&) { return 128u * 1024 - 4; };
  EXPECT_TRAP(storeError(list, v), "out of bounds");
  realloc_override_ = nullptr;
  options_.realloc = nullptr;
  EXPECT_TRAP(storeError(list, v), "no realloc option");
  options_.memory = nullptr;
  EXPECT_TRAP(loadError(types_.prim(TypeKind::kU8), 0), "no memory option");
}

TEST_F(CanonMemoryTest, ReallocMayGrowMemory) {
  // Each allocation is a fresh page past the old end: only valid once memory has grown.
  auto* growing = store_->createMemory({1, 8}).value();
  options_.memory = growing;
  realloc_override_ = [growing](const ReallocCall& call) {
    uint32_t old_pages = growing->grow(1).value();
    uint32_t ptr = old_pages * 65536;
    if (call.old_ptr) {
      std::memmove(growing->data() + ptr, growing->data() + call.old_ptr, call.old_size);
    }
    return ptr;
  };
  auto list = types_.list(types_.prim(TypeKind::kString));
  Val v = Val::list({Val::string("one"), Val::string("two"), Val::string("three")});
  auto c = cx();
  ASSERT_TRUE(store(c, *list, v, 8));
  EXPECT_EQ(growing->pages(), 5u);
  EXPECT_EQ(reallocs_[0].result, 65536u);
  auto back = load(c, *list, 8);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(show(*list, *back), show(*list, v));
}

TEST_F(CanonMemoryTest, AGuestTrapInReallocPropagates) {
  options_.realloc = store_->createHostFunc(
      {{Core::kI32, Core::kI32, Core::kI32, Core::kI32}, {Core::kI32}},
      [](instance::Caller&, std::span<const Value>, std::span<Value>) -> Result<void> {
        return fail(ErrorCode::kTrap, "realloc ran out of memory");
      });
  Error e = storeError(types_.prim(TypeKind::kString), Val::string("x"));
  EXPECT_NE(e.message.find("realloc ran out of memory"), std::string::npos) << e.message;
}

TEST_F(CanonMemoryTest, HostValuesThatDoNotMatchTheTypeTrapNamingBoth) {
  auto& t = types_;
  EXPECT_TRAP(storeError(t.prim(TypeKind::kU8), Val::u32(1)), "expected u8, found u32");
  EXPECT_TRAP(storeError(t.prim(TypeKind::kU8), Val::uint(TypeKind::kU8, 300)), "300 out of range");
  EXPECT_TRAP(storeError(t.prim(TypeKind::kS16), Val::sint(TypeKind::kS16, -40000)),
              "out of range");
  EXPECT_TRAP(storeError(t.prim(TypeKind::kChar), Val::character(0xDFFF)), "not a Unicode scalar");
  auto opt = t.option(t.prim(TypeKind::kU8));
  EXPECT_TRAP(storeError(opt, Val::ok()), "expected option<u8>, found result");
  Val bad = Val::some(Val::u8(1));
  bad.disc = 2;
  EXPECT_TRAP(storeError(opt, bad), "case 2 out of range");
  Val empty_some = Val::none();
  empty_some.disc = 1;
  EXPECT_TRAP(storeError(opt, empty_some), "needs one payload");
  EXPECT_TRAP(storeError(t.result(nullptr, nullptr), Val::ok(Val::u8(1))), "has no payload");
  EXPECT_TRAP(storeError(t.record({t.prim(TypeKind::kU8)}), Val::record({})), "0 fields");
  EXPECT_TRAP(storeError(t.list(t.prim(TypeKind::kU16)), Val::byteList("ab")), "bytes set");
  Val flags;
  flags.kind = TypeKind::kFlags;
  flags.flags = {0x10};
  EXPECT_TRAP(storeError(t.flags(4), flags), "bits set beyond the last flag");
  EXPECT_TRAP(storeError(t.prim(TypeKind::kString), Val::string("\xc3")), "invalid UTF-8");
  EXPECT_TRAP(storeError(t.own(&resource_), Val::borrow(1)),
              "expected own<test:res/r>, found borrow");
  // Nothing was written through realloc for the rejected values.
  EXPECT_TRUE(reallocs_.empty());
}

TEST_F(CanonMemoryTest, HandlesGoThroughHandleOps) {
  auto own = types_.own(&resource_);
  auto borrow = types_.borrow(&resource_);
  auto c = cx();
  ASSERT_TRUE(store(c, *own, Val::own(55), 8));
  ASSERT_TRUE(store(c, *borrow, Val::borrow(66), 12));
  EXPECT_EQ(peek<uint32_t>(8), 1u);
  EXPECT_EQ(peek<uint32_t>(12), 2u);
  auto o = load(c, *own, 8);
  auto b = load(c, *borrow, 12);
  ASSERT_TRUE(o && b);
  EXPECT_EQ(o->kind, TypeKind::kOwn);
  EXPECT_EQ(o->rep(), 101u);
  EXPECT_EQ(b->kind, TypeKind::kBorrow);
  EXPECT_EQ(b->rep(), 102u);
  EXPECT_EQ(handles_.log,
            (std::vector<std::string>{"lowerOwn test:res/r 55", "lowerBorrow test:res/r 66",
                                      "liftOwn test:res/r 1", "liftBorrow test:res/r 2"}));
  poke<uint32_t>(16, 500);
  EXPECT_TRAP(loadError(own, 16), "unknown handle 500");
  // A list of handles lifts each in order.
  auto list = types_.list(own);
  poke<uint32_t>(24, 3);
  poke<uint32_t>(28, 4);
  poke<uint32_t>(32, 24);
  poke<uint32_t>(36, 2);
  auto l = load(c, *list, 32);
  ASSERT_TRUE(l);
  ASSERT_EQ(l->items.size(), 2u);
  EXPECT_EQ(l->items[1].rep(), 104u);
}

TEST_F(CanonMemoryTest, LiftedValuesHaveAHostMemoryBudget) {
  // 2^32-1 zero-sized elements fit in any memory but would be ~400 GB of Vals.
  auto list = types_.list(types_.tuple({}));
  poke<uint32_t>(8, 0);
  poke<uint32_t>(12, UINT32_MAX);
  EXPECT_TRAP(loadError(list, 8), "exceed");
  // The same 64 KiB of list<u8> referenced by 5,000 list elements (320 MB) also trips it.
  auto bytes = types_.list(types_.prim(TypeKind::kU8));
  for (uint32_t i = 0; i < 5000; ++i) {
    poke<uint32_t>(1024 + 8 * i, 0);
    poke<uint32_t>(1028 + 8 * i, 64 * 1024);
  }
  poke<uint32_t>(16, 1024);
  poke<uint32_t>(20, 5000);
  EXPECT_TRAP(loadError(types_.list(bytes), 16), "exceed");
  // A smaller one within the budget loads.
  poke<uint32_t>(20, 100);
  auto c = cx();
  auto ok = load(c, *types_.list(bytes), 16);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->items.size(), 100u);
}

}  // namespace
}  // namespace tern::component::testing
