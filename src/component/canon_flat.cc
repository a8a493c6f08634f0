// Canonical ABI flat lifting and lowering (spec CanonicalABI.md "Flat Lifting", "Flat Lowering",
// lift_values/lower_values): WIT values to and from core Wasm values, spilled to memory past the
// MAX_FLAT limits.
#include <string>

#include "common/limits.h"
#include "component/canon.h"
#include "component/canon_impl.h"

namespace tern::component {

using namespace canon_detail;

namespace {

// Reads flat values in order, checking each has the core type the signature says.
class FlatReader {
 public:
  FlatReader(const Value* vals, size_t n) : vals_(vals), n_(n) {}
  Result<Value> next(CoreType want) {
    if (i_ == n_) return abiTrap("too few flat values");
    const Value& v = vals_[i_++];
    if (v.type != want) {
      return abiTrap("flat value ", std::to_string(i_ - 1), " is ", compile::valTypeName(v.type),
                     ", expected ", compile::valTypeName(want));
    }
    return v;
  }
  Result<uint32_t> nextI32() {
    auto v = next(CoreType::kI32);
    if (!v) return fail(std::move(v).error());
    return static_cast<uint32_t>(v->asI32());
  }

 private:
  const Value* vals_;
  size_t n_;
  size_t i_ = 0;
};

// Spec lift_flat_variant's CoerceValueIter: the joined type `have` read back as `want`.
Value coerceForLift(const Value& have, CoreType want) {
  if (have.type == want) return have;
  if (have.type == CoreType::kI32) return Value::f32Bits(static_cast<uint32_t>(have.asI32()));
  auto bits = static_cast<uint64_t>(have.asI64());  // have is i64
  switch (want) {
    case CoreType::kI32: return Value::i32(static_cast<int32_t>(static_cast<uint32_t>(bits)));
    case CoreType::kF32: return Value::f32Bits(static_cast<uint32_t>(bits));
    default: return Value::f64Bits(bits);
  }
}

// Spec lower_flat_variant: a payload value `have` widened or reinterpreted as the joined `want`.
Value coerceForLower(const Value& have, CoreType want) {
  if (have.type == want) return have;
  switch (have.type) {
    case CoreType::kF32:
      if (want == CoreType::kI32) return Value::i32(static_cast<int32_t>(have.asF32Bits()));
      return Value::i64(static_cast<int64_t>(uint64_t{have.asF32Bits()}));
    case CoreType::kI32:
      return Value::i64(static_cast<int64_t>(uint64_t{static_cast<uint32_t>(have.asI32())}));
    default: return Value::i64(static_cast<int64_t>(have.asF64Bits()));  // f64 -> i64
  }
}

Value zeroOf(CoreType t) {
  switch (t) {
    case CoreType::kI64: return Value::i64(0);
    case CoreType::kF32: return Value::f32Bits(0);
    case CoreType::kF64: return Value::f64Bits(0);
    default: return Value::i32(0);
  }
}

Result<void> liftFlat(Lifter& l, FlatReader& r, const ValType& t, Val& out);

Result<void> liftFlatVariant(Lifter& l, FlatReader& r, const ValType& t, Val& out) {
  auto disc = r.nextI32();
  if (!disc) return fail(std::move(disc).error());
  if (*disc >= caseCount(t)) {
    return abiTrap("discriminant ", std::to_string(*disc), " out of range for ", shortTypeName(t));
  }
  FlatTypes joined;
  variantPayloadTypes(t, joined);
  SmallList<Value> have;
  for (size_t k = 0; k < joined.size(); ++k) {
    auto v = r.next(joined[k]);
    if (!v) return fail(std::move(v).error());
    have.push_back(*v);
  }
  setCase(t, *disc, out);
  const ValType* payload = casePayload(t, *disc);
  if (!payload) return {};
  FlatTypes want;
  flattenInto(*payload, want);
  SmallList<Value> coerced;
  for (size_t k = 0; k < want.size(); ++k) coerced.push_back(coerceForLift(have[k], want[k]));
  FlatReader sub(coerced.data(), coerced.size());
  TERN_TRY(l.charge(sizeof(Val)));
  out.items.resize(1);
  return liftFlat(l, sub, *payload, out.items[0]);
}

Result<void> liftFlat(Lifter& l, FlatReader& r, const ValType& t, Val& out) {
  switch (t.kind) {
    case TypeKind::kString:
    case TypeKind::kList: {
      auto ptr = r.nextI32();
      if (!ptr) return fail(std::move(ptr).error());
      auto len = r.nextI32();
      if (!len) return fail(std::move(len).error());
      if (t.kind == TypeKind::kString) return loadString(l, *ptr, *len, out);
      return loadList(l, *t.elems[0], *ptr, *len, out);
    }
    case TypeKind::kRecord:
    case TypeKind::kTuple: {
      out.kind = t.kind;
      TERN_TRY(l.charge(t.elems.size() * sizeof(Val)));
      out.items.resize(t.elems.size());
      for (size_t i = 0; i < t.elems.size(); ++i) {
        TERN_TRY(liftFlat(l, r, *t.elems[i], out.items[i]));
      }
      return {};
    }
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: return liftFlatVariant(l, r, t, out);
    case TypeKind::kFlags: {
      out.kind = TypeKind::kFlags;
      out.flags.assign(flagWords(t), 0);
      for (uint32_t w = 0; w < out.flags.size(); ++w) {
        auto word = r.nextI32();
        if (!word) return fail(std::move(word).error());
        out.flags[w] = *word & flagMask(t, w);
      }
      return {};
    }
    case TypeKind::kOwn:
    case TypeKind::kBorrow: {
      auto handle = r.nextI32();
      if (!handle) return fail(std::move(handle).error());
      return liftHandle(l.cx, t, *handle, out);
    }
    case TypeKind::kS64:
    case TypeKind::kU64:
    case TypeKind::kF32:
    case TypeKind::kF64: {
      CoreType core = t.kind == TypeKind::kF32   ? CoreType::kF32
                      : t.kind == TypeKind::kF64 ? CoreType::kF64
                                                 : CoreType::kI64;
      auto v = r.next(core);
      if (!v) return fail(std::move(v).error());
      return scalarFromBits(t, core == CoreType::kF32 ? uint64_t{v->asF32Bits()} : v->asF64Bits(),
                            out);
    }
    default: {  // bool, 8/16/32-bit integers and char: the high bits of the i32 are ignored
      auto v = r.nextI32();
      if (!v) return fail(std::move(v).error());
      return scalarFromBits(t, *v, out);
    }
  }
}

Result<void> lowerFlat(CanonContext& cx, const ValType& t, const Val& v, std::vector<Value>& flat);

Result<void> lowerFlatVariant(CanonContext& cx, const ValType& t, const Val& v,
                              std::vector<Value>& flat) {
  auto payload = checkCase(t, v);
  if (!payload) return fail(std::move(payload).error());
  flat.push_back(Value::i32(static_cast<int32_t>(v.disc)));
  size_t start = flat.size();
  if (*payload) TERN_TRY(lowerFlat(cx, **payload, v.items[0], flat));
  FlatTypes joined;
  variantPayloadTypes(t, joined);
  for (size_t k = start; k < flat.size(); ++k) flat[k] = coerceForLower(flat[k], joined[k - start]);
  for (size_t k = flat.size() - start; k < joined.size(); ++k) flat.push_back(zeroOf(joined[k]));
  return {};
}

Result<void> lowerFlat(CanonContext& cx, const ValType& t, const Val& v, std::vector<Value>& flat) {
  switch (t.kind) {
    case TypeKind::kString:
    case TypeKind::kList: {
      auto range = t.kind == TypeKind::kString ? storeString(cx, t, v) : storeList(cx, t, v);
      if (!range) return fail(std::move(range).error());
      flat.push_back(Value::i32(static_cast<int32_t>(range->ptr)));
      flat.push_back(Value::i32(static_cast<int32_t>(range->length)));
      return {};
    }
    case TypeKind::kRecord:
    case TypeKind::kTuple:
      TERN_TRY(checkKind(t, v));
      if (v.items.size() != t.elems.size()) {
        return mismatch(t, v, std::to_string(v.items.size()) + " fields");
      }
      for (size_t i = 0; i < t.elems.size(); ++i) {
        TERN_TRY(lowerFlat(cx, *t.elems[i], v.items[i], flat));
      }
      return {};
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: return lowerFlatVariant(cx, t, v, flat);
    case TypeKind::kFlags: {
      TERN_TRY(checkKind(t, v));
      uint32_t words = flagWords(t);
      for (size_t w = 0; w < v.flags.size(); ++w) {
        uint32_t mask = w < words ? flagMask(t, static_cast<uint32_t>(w)) : 0;
        if (v.flags[w] & ~mask) return mismatch(t, v, "bits set beyond the last flag");
      }
      for (uint32_t w = 0; w < words; ++w) {
        flat.push_back(Value::i32(static_cast<int32_t>(w < v.flags.size() ? v.flags[w] : 0)));
      }
      return {};
    }
    case TypeKind::kOwn:
    case TypeKind::kBorrow: {
      auto handle = lowerHandle(cx, t, v);
      if (!handle) return fail(std::move(handle).error());
      flat.push_back(Value::i32(static_cast<int32_t>(*handle)));
      return {};
    }
    default: {
      auto bits = scalarBits(t, v);
      if (!bits) return fail(std::move(bits).error());
      switch (t.kind) {
        case TypeKind::kS64:
        case TypeKind::kU64: flat.push_back(Value::i64(static_cast<int64_t>(*bits))); break;
        case TypeKind::kF32: flat.push_back(Value::f32Bits(static_cast<uint32_t>(*bits))); break;
        case TypeKind::kF64: flat.push_back(Value::f64Bits(*bits)); break;
        default: flat.push_back(Value::i32(static_cast<int32_t>(static_cast<uint32_t>(*bits))));
      }
      return {};
    }
  }
}

size_t flatCountOf(std::span<const ValType* const> types) {
  size_t n = 0;
  for (const ValType* t : types) n += flatCount(*t);
  return n;
}

}  // namespace

Result<std::vector<Val>> liftFlatValues(CanonContext& cx, std::span<const ValType* const> types,
                                        std::span<const instance::Value> flat, size_t max_flat) {
  Lifter l = Lifter::start(cx);
  std::vector<Val> out(types.size());
  size_t count = flatCountOf(types);
  if (count > max_flat) {  // one i32 pointing at the tuple of all values
    if (flat.size() != 1 || flat[0].type != CoreType::kI32) {
      return abiTrap("expected one i32 pointer to ", std::to_string(types.size()),
                     " spilled values, got ", std::to_string(flat.size()), " flat values");
    }
    Layout layout = tupleLayout(types);
    auto ptr = static_cast<uint32_t>(flat[0].asI32());
    TERN_TRY(checkRange(cx, ptr, layout.size, layout.align, "spilled values"));
    uint64_t at = ptr;
    for (size_t i = 0; i < types.size(); ++i) {
      Layout f = layoutFast(*types[i]);
      at = alignTo(at, f.align);
      TERN_TRY(loadAt(l, *types[i], at, out[i]));
      at += f.size;
    }
    return out;
  }
  if (flat.size() != count) {
    return abiTrap("expected ", std::to_string(count), " flat values, got ",
                   std::to_string(flat.size()));
  }
  FlatReader r(flat.data(), flat.size());
  for (size_t i = 0; i < types.size(); ++i) TERN_TRY(liftFlat(l, r, *types[i], out[i]));
  return out;
}

Result<void> lowerFlatValues(CanonContext& cx, std::span<const ValType* const> types,
                             std::span<const Val> vals, size_t max_flat,
                             std::vector<instance::Value>& flat, const uint32_t* out_ptr) {
  flat.clear();
  if (vals.size() != types.size()) {
    return abiTrap("expected ", std::to_string(types.size()), " values, got ",
                   std::to_string(vals.size()));
  }
  size_t count = flatCountOf(types);
  if (count <= max_flat) {
    for (size_t i = 0; i < types.size(); ++i) TERN_TRY(lowerFlat(cx, *types[i], vals[i], flat));
    return {};
  }
  Layout layout = tupleLayout(types);
  uint32_t ptr = 0;
  if (out_ptr) {
    ptr = *out_ptr;
    TERN_TRY(checkRange(cx, ptr, layout.size, layout.align, "result pointer"));
  } else {
    if (layout.size > UINT32_MAX) return abiTrap("spilled values do not fit in 32-bit memory");
    auto p = callRealloc(cx, 0, 0, layout.align, static_cast<uint32_t>(layout.size));
    if (!p) return fail(std::move(p).error());
    ptr = *p;
  }
  uint64_t at = ptr;
  for (size_t i = 0; i < types.size(); ++i) {
    Layout f = layoutFast(*types[i]);
    at = alignTo(at, f.align);
    TERN_TRY(storeAt(cx, *types[i], vals[i], at));
    at += f.size;
  }
  if (!out_ptr) flat.push_back(Value::i32(static_cast<int32_t>(ptr)));
  return {};
}

}  // namespace tern::component
