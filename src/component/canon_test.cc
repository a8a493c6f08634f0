// Tests of the canonical ABI's static part (size, alignment, flattening, core signatures) and
// the shared test fixture (real Store, Memory and realloc host function).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>

#include "component/canon.h"
#include "component/canon_test_util.h"

namespace tern::component::testing {

void CanonTest::SetUp() {
  engine_ = instance::Engine::create({}).value();
  store_ = std::make_unique<instance::Store>(*engine_);
  memory_ = store_->createMemory({2, 2}).value();  // 128 KiB
  compile::FuncType type{{Core::kI32, Core::kI32, Core::kI32, Core::kI32}, {Core::kI32}};
  realloc_ = store_->createHostFunc(
      type,
      [this](instance::Caller&, std::span<const Value> args,
             std::span<Value> results) -> Result<void> {
        ReallocCall call{
            static_cast<uint32_t>(args[0].asI32()), static_cast<uint32_t>(args[1].asI32()),
            static_cast<uint32_t>(args[2].asI32()), static_cast<uint32_t>(args[3].asI32()), 0};
        if (realloc_override_) {
          call.result = realloc_override_(call);
        } else {  // bump allocation; the old contents move like a real realloc
          next_ = (next_ + call.align - 1) / call.align * call.align;
          call.result = next_;
          if (call.old_ptr) {
            std::memmove(mem() + next_, mem() + call.old_ptr,
                         std::min(call.old_size, call.new_size));
          }
          next_ += call.new_size;
        }
        reallocs_.push_back(call);
        results[0] = Value::i32(static_cast<int32_t>(call.result));
        return {};
      });
  options_.memory = memory_;
  options_.realloc = realloc_;
}

namespace {

std::string showFields(const std::vector<const ValType*>& types, const Val& v) {
  std::string out;
  for (size_t i = 0; i < v.items.size(); ++i) {
    out += i ? ", " : "";
    out += i < types.size() && types[i] ? show(*types[i], v.items[i]) : "?";
  }
  return out;
}

}  // namespace

std::string show(const ValType& t, const Val& v) {
  std::string kind(typeKindName(v.kind));
  if (v.kind != t.kind) return "<" + kind + " for " + typeName(t) + ">";
  switch (t.kind) {
    case TypeKind::kBool: return v.b ? "true" : "false";
    case TypeKind::kS8:
    case TypeKind::kS16:
    case TypeKind::kS32:
    case TypeKind::kS64: return std::to_string(v.i);
    case TypeKind::kF32: return "f32:" + std::to_string(std::bit_cast<uint32_t>(v.f32));
    case TypeKind::kF64: return "f64:" + std::to_string(std::bit_cast<uint64_t>(v.f64));
    case TypeKind::kChar: return "U+" + std::to_string(static_cast<uint32_t>(v.ch));
    case TypeKind::kString: return "\"" + v.bytes + "\"";
    case TypeKind::kList:
      if (!v.bytes.empty() || (v.items.empty() && t.elems[0]->kind == TypeKind::kU8)) {
        return "bytes[" + v.bytes + "]";
      }
      return "[" + showFields(std::vector<const ValType*>(v.items.size(), t.elems[0]), v) + "]";
    case TypeKind::kRecord:
    case TypeKind::kTuple: return "(" + showFields(t.elems, v) + ")";
    case TypeKind::kFlags: {
      std::string out = "flags";
      for (uint32_t w : v.flags) out += " " + std::to_string(w);
      return out;
    }
    case TypeKind::kOwn:
    case TypeKind::kBorrow: return kind + " " + std::to_string(v.u);
    case TypeKind::kEnum:
    case TypeKind::kVariant:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      std::string out = kind + "#" + std::to_string(v.disc);
      const ValType* p = nullptr;
      if (t.kind == TypeKind::kOption) p = v.disc == 1 ? t.elems[0] : nullptr;
      if (t.kind == TypeKind::kVariant || t.kind == TypeKind::kResult) {
        p = v.disc < t.elems.size() ? t.elems[v.disc] : nullptr;
      }
      if (!v.items.empty()) out += "(" + (p ? show(*p, v.items[0]) : std::string("?")) + ")";
      return out;
    }
    default: return std::to_string(v.u);
  }
}

namespace {

std::string flatNames(const std::vector<Core>& flat) {
  std::string out;
  for (Core c : flat) out += (out.empty() ? "" : " ") + std::string(compile::valTypeName(c));
  return out;
}

struct LayoutCase {
  const ValType* type;
  uint32_t size;
  uint32_t align;
  std::string flat;
};

class CanonLayoutTest : public CanonTest {};

TEST_F(CanonLayoutTest, SizeAlignmentAndFlatTypesOfEveryType) {
  Types& t = types_;
  auto u8 = t.prim(TypeKind::kU8), u16 = t.prim(TypeKind::kU16), u32 = t.prim(TypeKind::kU32);
  auto u64 = t.prim(TypeKind::kU64), f32 = t.prim(TypeKind::kF32), f64 = t.prim(TypeKind::kF64);
  auto str = t.prim(TypeKind::kString);
  std::vector<LayoutCase> cases = {
      {t.prim(TypeKind::kBool), 1, 1, "i32"},
      {t.prim(TypeKind::kS8), 1, 1, "i32"},
      {u8, 1, 1, "i32"},
      {t.prim(TypeKind::kS16), 2, 2, "i32"},
      {u16, 2, 2, "i32"},
      {t.prim(TypeKind::kS32), 4, 4, "i32"},
      {u32, 4, 4, "i32"},
      {t.prim(TypeKind::kS64), 8, 8, "i64"},
      {u64, 8, 8, "i64"},
      {f32, 4, 4, "f32"},
      {f64, 8, 8, "f64"},
      {t.prim(TypeKind::kChar), 4, 4, "i32"},
      {str, 8, 4, "i32 i32"},
      {t.list(u8), 8, 4, "i32 i32"},
      {t.list(t.tuple({u64, f64})), 8, 4, "i32 i32"},
      {t.record({u8, u32}), 8, 4, "i32 i32"},
      {t.record({u8, u16, u8}), 6, 2, "i32 i32 i32"},
      {t.tuple({}), 0, 1, ""},
      {t.tuple({u64, u8}), 16, 8, "i64 i32"},
      {t.enumType(3), 1, 1, "i32"},
      {t.enumType(256), 1, 1, "i32"},
      {t.enumType(257), 2, 2, "i32"},
      {t.enumType(65537), 4, 4, "i32"},
      {t.option(u8), 2, 1, "i32 i32"},
      {t.option(u64), 16, 8, "i32 i64"},
      {t.result(nullptr, nullptr), 1, 1, "i32"},
      {t.result(u32, f32), 8, 4, "i32 i32"},
      {t.result(f32, f32), 8, 4, "i32 f32"},
      {t.result(f64, u32), 16, 8, "i32 i64"},
      {t.result(f32, u64), 16, 8, "i32 i64"},
      {t.result(str, t.list(u16)), 12, 4, "i32 i32 i32"},
      {t.variant({u8, f32, u64}), 16, 8, "i32 i64"},
      {t.variant({t.tuple({f32, u32}), t.tuple({u32, f32})}), 12, 4, "i32 i32 i32"},
      {t.variant({f64, f32}), 16, 8, "i32 i64"},
      {t.variant({nullptr, u16, nullptr}), 4, 2, "i32 i32"},
      {t.variant({u32, f32, t.tuple({u8, f64})}), 24, 8, "i32 i32 f64"},
      {t.option(t.option(f32)), 12, 4, "i32 i32 f32"},
      {t.option(t.result(f32, u64)), 24, 8, "i32 i32 i64"},
      {t.flags(0), 0, 1, ""},
      {t.flags(8), 1, 1, "i32"},
      {t.flags(9), 2, 2, "i32"},
      {t.flags(16), 2, 2, "i32"},
      {t.flags(17), 4, 4, "i32"},
      {t.flags(32), 4, 4, "i32"},
      {t.flags(33), 8, 4, "i32 i32"},
      {t.own(&resource_), 4, 4, "i32"},
      {t.borrow(&resource_), 4, 4, "i32"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(typeName(*c.type));
    EXPECT_EQ(sizeOf(*c.type), c.size);
    EXPECT_EQ(alignOf(*c.type), c.align);
    std::vector<Core> flat;
    flattenType(*c.type, flat);
    EXPECT_EQ(flatNames(flat), c.flat);
  }
}

TEST_F(CanonLayoutTest, FlattenTypeAppends) {
  std::vector<Core> flat{Core::kF64};
  flattenType(*types_.prim(TypeKind::kString), flat);
  EXPECT_EQ(flatNames(flat), "f64 i32 i32");
}

TEST_F(CanonLayoutTest, HugeTypesSaturateInsteadOfOverflowing) {
  // 40,000 flags of 2^20 labels (128 KiB each): over 5 GB, past any 32-bit memory.
  const ValType* big = types_.flags(size_t{1} << 20);
  const ValType* t = types_.tuple(std::vector<const ValType*>(40'000, big));
  EXPECT_EQ(sizeOf(*big), 128u * 1024);
  EXPECT_EQ(sizeOf(*t), UINT32_MAX);
  auto c = cx();
  auto r = load(c, *t, 0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTrap);
  EXPECT_NE(r.error().message.find("out of bounds"), std::string::npos) << r.error().message;
}

FuncSig sigOf(std::vector<const ValType*> params, std::vector<const ValType*> results) {
  FuncSig sig;
  for (size_t i = 0; i < params.size(); ++i) {
    sig.params.emplace_back("p" + std::to_string(i), params[i]);
  }
  sig.results = std::move(results);
  return sig;
}

TEST_F(CanonLayoutTest, FlatSignaturesKeepSixteenParamsAndOneResultInRegisters) {
  auto u32 = types_.prim(TypeKind::kU32);
  auto u64 = types_.prim(TypeKind::kU64);
  FlatSig sixteen = flattenFunc(sigOf(std::vector<const ValType*>(16, u32), {u64}), false);
  EXPECT_FALSE(sixteen.params_in_memory);
  EXPECT_FALSE(sixteen.results_in_memory);
  EXPECT_EQ(sixteen.params.size(), 16u);
  EXPECT_EQ(flatNames(sixteen.results), "i64");

  FlatSig seventeen = flattenFunc(sigOf(std::vector<const ValType*>(17, u32), {}), false);
  EXPECT_TRUE(seventeen.params_in_memory);
  EXPECT_EQ(flatNames(seventeen.params), "i32");
  EXPECT_EQ(flatNames(seventeen.results), "");
  // Eight strings are 16 flat values; one more u8 spills.
  auto str = types_.prim(TypeKind::kString);
  EXPECT_FALSE(flattenFunc(sigOf(std::vector<const ValType*>(8, str), {}), true).params_in_memory);
  std::vector<const ValType*> nine(8, str);
  nine.push_back(types_.prim(TypeKind::kU8));
  EXPECT_TRUE(flattenFunc(sigOf(nine, {}), true).params_in_memory);
}

TEST_F(CanonLayoutTest, MultiValueResultsSpillDifferentlyForLiftAndLower) {
  auto str = types_.prim(TypeKind::kString);
  auto f32 = types_.prim(TypeKind::kF32);
  FuncSig sig = sigOf({f32, str}, {str});
  FlatSig lift = flattenFunc(sig, false);
  EXPECT_EQ(flatNames(lift.params), "f32 i32 i32");
  EXPECT_EQ(flatNames(lift.results), "i32");  // returns a pointer to (ptr, len)
  EXPECT_TRUE(lift.results_in_memory);
  FlatSig lower = flattenFunc(sig, true);
  EXPECT_EQ(flatNames(lower.params), "f32 i32 i32 i32");  // trailing out-pointer
  EXPECT_EQ(flatNames(lower.results), "");
  EXPECT_TRUE(lower.results_in_memory);
  compile::FuncType core = coreFuncType(lower);
  EXPECT_EQ(core.params, lower.params);
  EXPECT_TRUE(core.results.empty());

  // result<_, _> is a single i32 and stays flat.
  FlatSig small = flattenFunc(sigOf({}, {types_.result(nullptr, nullptr)}), true);
  EXPECT_FALSE(small.results_in_memory);
  EXPECT_EQ(flatNames(small.results), "i32");
}

}  // namespace
}  // namespace tern::component::testing
