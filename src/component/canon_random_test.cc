// Randomised tests of the canonical ABI (fixed seeds, so failures reproduce): random types and
// values round-trip through memory and flat values in every string encoding, and random guest
// bytes and flat values either lift or trap, never crash.
#include <gtest/gtest.h>

#include <random>

#include "component/canon.h"
#include "component/canon_test_util.h"

namespace tern::component::testing {
namespace {

// own/borrow handles equal to their reps, so values round-trip.
class IdentityHandles : public HandleOps {
 public:
  Result<uint32_t> liftOwn(const ResourceType*, uint32_t h) override { return h; }
  Result<uint32_t> liftBorrow(const ResourceType*, uint32_t h) override { return h; }
  Result<uint32_t> lowerOwn(const ResourceType*, uint32_t rep) override { return rep; }
  Result<uint32_t> lowerBorrow(const ResourceType*, uint32_t rep) override { return rep; }
};

class CanonRandomTest : public CanonTest {
 protected:
  std::mt19937 rng_{12345};
  IdentityHandles identity_;

  uint32_t pick(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }
  uint64_t bits64() { return (uint64_t{rng_()} << 32) | rng_(); }

  const ValType* randomType(int depth) {
    static constexpr TypeKind kScalars[] = {
        TypeKind::kBool, TypeKind::kS8,  TypeKind::kU8,  TypeKind::kS16, TypeKind::kU16,
        TypeKind::kS32,  TypeKind::kU32, TypeKind::kS64, TypeKind::kU64, TypeKind::kF32,
        TypeKind::kF64,  TypeKind::kChar, TypeKind::kString};
    uint32_t choice = pick(depth <= 0 ? 16 : 25);
    if (choice < 13) return types_.prim(kScalars[choice]);
    if (choice == 13) return types_.own(&resource_);
    if (choice == 14) return types_.enumType(1 + pick(300));
    if (choice == 15) return types_.flags(pick(70));
    auto sub = [&] { return randomType(depth - 1); };
    auto maybe = [&] { return pick(3) == 0 ? nullptr : sub(); };
    switch (choice) {
      case 16: case 17: return types_.list(pick(2) ? types_.prim(TypeKind::kU8) : sub());
      case 18: case 19: {
        std::vector<const ValType*> fields;
        for (uint32_t i = pick(5); i > 0; --i) fields.push_back(sub());
        return pick(2) ? types_.record(fields) : types_.tuple(fields);
      }
      case 20: case 21: {
        std::vector<const ValType*> cases;
        for (uint32_t i = 1 + pick(5); i > 0; --i) cases.push_back(maybe());
        return types_.variant(cases);
      }
      case 22: return types_.option(sub());
      default: return types_.result(maybe(), maybe());
    }
  }

  std::string randomString() {
    static constexpr uint32_t kRanges[][2] = {
        {0x20, 0x7f}, {0x80, 0x100}, {0x100, 0xD800}, {0xE000, 0x10000}, {0x10000, 0x110000}};
    std::string out;
    for (uint32_t n = pick(12); n > 0; --n) {
      const auto& r = kRanges[pick(5)];
      uint32_t cp = r[0] + pick(r[1] - r[0]);
      if (cp < 0x80) {
        out += static_cast<char>(cp);
      } else if (cp < 0x800) {
        out += {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
      } else if (cp < 0x10000) {
        out += {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                static_cast<char>(0x80 | (cp & 0x3F))};
      } else {
        out +=
            {static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
             static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
      }
    }
    return out;
  }

  Val randomVal(const ValType& t) {
    uint64_t b = bits64();
    switch (t.kind) {
      case TypeKind::kBool: return Val::boolean(b & 1);
      case TypeKind::kS8: return Val::sint(t.kind, static_cast<int8_t>(b));
      case TypeKind::kU8: return Val::uint(t.kind, static_cast<uint8_t>(b));
      case TypeKind::kS16: return Val::sint(t.kind, static_cast<int16_t>(b));
      case TypeKind::kU16: return Val::uint(t.kind, static_cast<uint16_t>(b));
      case TypeKind::kS32: return Val::sint(t.kind, static_cast<int32_t>(b));
      case TypeKind::kU32: return Val::uint(t.kind, static_cast<uint32_t>(b));
      case TypeKind::kS64: return Val::sint(t.kind, static_cast<int64_t>(b));
      case TypeKind::kU64: return Val::uint(t.kind, b);
      case TypeKind::kF32: return Val::float32(static_cast<float>(static_cast<int32_t>(b)) / 7);
      case TypeKind::kF64: return Val::float64(static_cast<double>(static_cast<int64_t>(b)) / 3);
      case TypeKind::kChar:
        return Val::character(pick(2) ? 0x41 + pick(26) : 0xE000 + pick(0x100000));
      case TypeKind::kString: return Val::string(randomString());
      case TypeKind::kOwn: return Val::own(1 + pick(1000));
      case TypeKind::kEnum: return Val::enumCase(pick(static_cast<uint32_t>(t.labels.size())));
      case TypeKind::kFlags: {
        Val f;
        f.kind = TypeKind::kFlags;
        for (size_t i = 0; i < t.labels.size(); ++i) {
          if (i % 32 == 0) f.flags.push_back(0);
          if (pick(2)) f.flags.back() |= 1u << (i % 32);
        }
        return f;
      }
      case TypeKind::kList: {
        if (t.elems[0]->kind == TypeKind::kU8) {
          std::string bytes(pick(20), '\0');
          for (char& c : bytes) c = static_cast<char>(rng_());
          return Val::byteList(bytes);
        }
        std::vector<Val> items;
        for (uint32_t n = pick(4); n > 0; --n) items.push_back(randomVal(*t.elems[0]));
        return Val::list(std::move(items));
      }
      case TypeKind::kRecord:
      case TypeKind::kTuple: {
        Val v;
        v.kind = t.kind;
        for (const ValType* f : t.elems) v.items.push_back(randomVal(*f));
        return v;
      }
      default: {  // variant, option, result
        Val v;
        v.kind = t.kind;
        v.disc = pick(t.kind == TypeKind::kVariant ? static_cast<uint32_t>(t.elems.size()) : 2);
        const ValType* p =
            t.kind == TypeKind::kOption ? (v.disc ? t.elems[0] : nullptr) : t.elems[v.disc];
        if (p) v.items.push_back(randomVal(*p));
        return v;
      }
    }
  }
};

TEST_F(CanonRandomTest, RandomValuesRoundTripInEveryEncoding) {
  const StringEncoding encodings[] = {StringEncoding::kUtf8, StringEncoding::kUtf16,
                                      StringEncoding::kLatin1Utf16};
  CanonContext c{*store_, options_, identity_};
  size_t spilled = 0;
  for (int i = 0; i < 600; ++i) {
    options_.encoding = encodings[i % 3];
    next_ = 4096;
    const ValType* t = randomType(3);
    Val v = randomVal(*t);
    SCOPED_TRACE("iteration " + std::to_string(i) + ": " + typeName(*t) + " = " + show(*t, v));
    uint32_t at = 64 / alignOf(*t) * alignOf(*t);
    auto stored = store(c, *t, v, at);
    ASSERT_TRUE(stored) << stored.error().message;
    auto loaded = load(c, *t, at);
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(show(*t, *loaded), show(*t, v));

    // A parameter list of 1 to 16 values: often past 16 flat values, so spilled.
    std::vector<const ValType*> types = {t};
    std::vector<Val> vals = {v};
    for (uint32_t n = pick(16); n > 0; --n) {
      types.push_back(randomType(2));
      vals.push_back(randomVal(*types.back()));
    }
    for (size_t max_flat : {kMaxFlatParams, kMaxFlatResults}) {
      std::vector<Value> flat;
      auto lowered = lowerFlatValues(c, types, vals, max_flat, flat);
      ASSERT_TRUE(lowered) << lowered.error().message;
      auto lifted = liftFlatValues(c, types, flat, max_flat);
      ASSERT_TRUE(lifted) << lifted.error().message;
      ASSERT_EQ(lifted->size(), types.size());
      for (size_t k = 0; k < types.size(); ++k) {
        EXPECT_EQ(show(*types[k], (*lifted)[k]), show(*types[k], vals[k]));
      }
    }
    std::vector<Core> core;
    for (const ValType* k : types) flattenType(*k, core);
    spilled += core.size() > kMaxFlatParams;
  }
  EXPECT_GT(spilled, 100u);  // the MAX_FLAT_PARAMS spill was exercised
}

TEST_F(CanonRandomTest, RandomGuestBytesLiftOrTrap) {
  const StringEncoding encodings[] = {StringEncoding::kUtf8, StringEncoding::kUtf16,
                                      StringEncoding::kLatin1Utf16};
  CanonContext c{*store_, options_, identity_};
  size_t lifted = 0;
  for (int i = 0; i < 2000; ++i) {
    options_.encoding = encodings[i % 3];
    // Mostly small numbers (plausible pointers, lengths and discriminants) and some noise.
    for (uint32_t at = 0; at < 4096; at += 4) {
      uint32_t word = pick(4) ? pick(64) * 4 : (pick(2) ? pick(128 * 1024) : rng_());
      poke<uint32_t>(at, word);
    }
    const ValType* t = randomType(3);
    SCOPED_TRACE("iteration " + std::to_string(i) + ": " + typeName(*t));
    auto r = load(c, *t, pick(64) * 8);
    if (r) {
      ++lifted;
    } else {
      EXPECT_EQ(r.error().code, ErrorCode::kTrap) << r.error().message;
    }
    std::vector<const ValType*> types = {t};
    std::vector<Core> core;
    flattenType(*t, core);
    std::vector<Value> flat;
    for (Core k : core) {
      uint64_t b = pick(2) ? pick(300) : bits64();
      flat.push_back(k == Core::kI32 ? Value::i32(static_cast<int32_t>(b))
                     : k == Core::kI64 ? Value::i64(static_cast<int64_t>(b))
                     : k == Core::kF32 ? Value::f32Bits(static_cast<uint32_t>(b))
                                       : Value::f64Bits(b));
    }
    auto f = liftFlatValues(c, types, flat, kMaxFlatParams);
    if (!f) {
      EXPECT_EQ(f.error().code, ErrorCode::kTrap) << f.error().message;
    }
  }
  // Both outcomes happen: the data is neither all-valid nor all-garbage.
  EXPECT_GT(lifted, 100u);
  EXPECT_LT(lifted, 1900u);
}

}  // namespace
}  // namespace tern::component::testing
