// The canonical ABI's static part (spec CanonicalABI.md: alignment, size, flattening) and the
// helpers its load/store and lift/lower code share (memory checks, realloc, scalars).
#include <algorithm>
#include <bit>
#include <string>

#include "common/limits.h"
#include "component/canon.h"
#include "component/canon_impl.h"

namespace tern::component {

using namespace canon_detail;

namespace {

// Sizes are computed in 64 bits and saturate here: a type this large can never be in bounds of
// a 32-bit memory, so every load/store of it traps instead of overflowing an offset.
constexpr uint64_t kSizeCap = uint64_t{1} << 40;

uint64_t capped(uint64_t n) { return std::min(n, kSizeCap); }

uint32_t maxCaseAlignment(const ValType& t) {
  uint32_t a = 1;
  for (size_t c = 0; c < caseCount(t); ++c) {
    if (const ValType* p = casePayload(t, c)) a = std::max(a, alignFast(*p));
  }
  return a;
}

}  // namespace

namespace canon_detail {

namespace {

// True when `t` has at most `budget` nodes and labels (stops counting once over).
bool smallType(const ValType& t, int& budget) {
  budget -= 1 + static_cast<int>(std::min<size_t>(t.labels.size(), 1000));
  for (const ValType* e : t.elems) {
    if (budget < 0) return false;
    if (e && !smallType(*e, budget)) return false;
  }
  return budget >= 0;
}

}  // namespace

std::string shortTypeName(const ValType& t) {
  int budget = 64;
  if (smallType(t, budget)) return typeName(t);
  return std::string(typeKindName(t.kind)) + "<...>";
}

std::unexpected<Error> mismatch(const ValType& type, const Val& val, std::string_view why) {
  std::string found(typeKindName(val.kind));
  if (!why.empty()) found.append(" (").append(why).append(")");
  return abiTrap("host value does not match its type: expected ", shortTypeName(type), ", found ",
                 found);
}

uint32_t payloadOffset(const ValType& t) {
  return static_cast<uint32_t>(alignTo(discriminantSize(caseCount(t)), maxCaseAlignment(t)));
}

uint32_t flagWords(const ValType& t) { return static_cast<uint32_t>((t.labels.size() + 31) / 32); }

uint32_t flagsSize(const ValType& t) {
  size_t n = t.labels.size();
  if (n == 0) return 0;
  if (n <= 8) return 1;
  if (n <= 16) return 2;
  return 4 * flagWords(t);
}

uint32_t flagMask(const ValType& t, uint32_t word) {
  size_t n = t.labels.size();
  size_t first = size_t{word} * 32;
  if (n <= first) return 0;
  size_t bits = std::min<size_t>(32, n - first);
  return bits == 32 ? ~uint32_t{0} : (uint32_t{1} << bits) - 1;
}

size_t flatCount(const ValType& t) {
  switch (t.kind) {
    case TypeKind::kString:
    case TypeKind::kList: return 2;
    case TypeKind::kRecord:
    case TypeKind::kTuple: {
      size_t n = 0;
      for (const ValType* f : t.elems) n += flatCount(*f);
      return n;
    }
    case TypeKind::kFlags: return flagWords(t);
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      size_t payload = 0;
      for (size_t c = 0; c < caseCount(t); ++c) {
        if (const ValType* p = casePayload(t, c)) payload = std::max(payload, flatCount(*p));
      }
      return 1 + payload;
    }
    default: return 1;
  }
}

Layout tupleLayout(std::span<const ValType* const> types) {
  Layout out;
  for (const ValType* t : types) {
    Layout f = layoutFast(*t);
    out.size = capped(alignTo(out.size, f.align) + f.size);
    out.align = std::max(out.align, f.align);
  }
  out.size = alignTo(out.size, out.align);
  return out;
}

Layout layoutOf(const ValType& type) {
  switch (type.kind) {
    case TypeKind::kRecord:
    case TypeKind::kTuple: return tupleLayout(type.elems);
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      uint64_t payload = 0;
      uint32_t case_align = 1;
      for (size_t c = 0; c < caseCount(type); ++c) {
        if (const ValType* p = casePayload(type, c)) {
          Layout l = layoutFast(*p);
          payload = std::max(payload, l.size);
          case_align = std::max(case_align, l.align);
        }
      }
      uint32_t disc = discriminantSize(caseCount(type));
      uint32_t align = std::max(disc, case_align);
      return {alignTo(capped(alignTo(disc, case_align) + payload), align), align};
    }
    case TypeKind::kFlags: return {flagsSize(type), alignOf(type)};
    default: return {sizeFast(type), alignFast(type)};
  }
}

uint64_t sizeOf64(const ValType& type) { return layoutOf(type).size; }

Lifter Lifter::start(CanonContext& cx) {
  uint64_t budget =
      limits::kMaxCanonLiftBytes + (cx.options.memory ? cx.options.memory->sizeBytes() : 0);
  return Lifter{cx, budget, budget};
}

Result<void> Lifter::charge(uint64_t bytes) {
  if (bytes > budget) {
    return trap(vm::TrapKind::kHost, "lifted values exceed ", std::to_string(initial),
                " bytes of host memory");
  }
  budget -= bytes;
  return {};
}

Result<instance::Memory*> memoryOf(CanonContext& cx) {
  if (!cx.options.memory) {
    return abiTrap("the value needs linear memory but no memory option is set");
  }
  return cx.options.memory;
}

Result<void> checkRange(CanonContext& cx, uint64_t ptr, uint64_t len, uint32_t align,
                        const char* what) {
  auto* mem = cx.options.memory;
  if (!mem) return abiTrap("the value needs linear memory but no memory option is set");
  if ((ptr & (align - 1)) != 0) {
    return abiTrap(what, " pointer ", std::to_string(ptr), " is not aligned to ",
                   std::to_string(align));
  }
  if (!mem->span(ptr, len)) {
    return trap(vm::TrapKind::kMemoryOutOfBounds, what, " [", std::to_string(ptr), ", +",
                std::to_string(len), ") is out of bounds of ", std::to_string(mem->sizeBytes()),
                "-byte memory");
  }
  return {};
}

Result<uint32_t> callRealloc(CanonContext& cx, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                             uint32_t new_size) {
  if (!cx.options.realloc) return abiTrap("the value needs realloc but no realloc option is set");
  const Value args[4] = {Value::i32(static_cast<int32_t>(old_ptr)),
                         Value::i32(static_cast<int32_t>(old_size)),
                         Value::i32(static_cast<int32_t>(align)),
                         Value::i32(static_cast<int32_t>(new_size))};
  auto r = cx.store.call(cx.options.realloc, args);
  if (!r) return fail(std::move(r).error());
  if (r->size() != 1 || (*r)[0].type != CoreType::kI32) {
    return abiTrap("realloc must return one i32");
  }
  auto ptr = static_cast<uint32_t>((*r)[0].asI32());
  TERN_TRY(checkRange(cx, ptr, new_size, align, "realloc result"));
  return ptr;
}

uint32_t canonicalF32(uint32_t bits) {
  bool nan = (bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0;
  return nan ? 0x7fc00000u : bits;
}

uint64_t canonicalF64(uint64_t bits) {
  bool nan = (bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
             (bits & 0x000fffffffffffffull) != 0;
  return nan ? 0x7ff8000000000000ull : bits;
}

namespace {

Result<uint64_t> unsignedBits(const ValType& t, const Val& v, uint64_t max) {
  if (v.u > max) return mismatch(t, v, std::to_string(v.u) + " out of range");
  return v.u;
}

Result<uint64_t> signedBits(const ValType& t, const Val& v, int64_t min, int64_t max) {
  if (v.i < min || v.i > max) return mismatch(t, v, std::to_string(v.i) + " out of range");
  return static_cast<uint32_t>(static_cast<int32_t>(v.i));
}

}  // namespace

Result<uint64_t> scalarBits(const ValType& t, const Val& v) {
  if (v.kind != t.kind) return mismatch(t, v);
  switch (t.kind) {
    case TypeKind::kBool: return v.b ? 1 : 0;
    case TypeKind::kU8: return unsignedBits(t, v, UINT8_MAX);
    case TypeKind::kU16: return unsignedBits(t, v, UINT16_MAX);
    case TypeKind::kU32: return unsignedBits(t, v, UINT32_MAX);
    case TypeKind::kU64: return v.u;
    case TypeKind::kS8: return signedBits(t, v, INT8_MIN, INT8_MAX);
    case TypeKind::kS16: return signedBits(t, v, INT16_MIN, INT16_MAX);
    case TypeKind::kS32: return signedBits(t, v, INT32_MIN, INT32_MAX);
    case TypeKind::kS64: return static_cast<uint64_t>(v.i);
    case TypeKind::kF32: return canonicalF32(std::bit_cast<uint32_t>(v.f32));
    case TypeKind::kF64: return canonicalF64(std::bit_cast<uint64_t>(v.f64));
    case TypeKind::kChar:
      if (!isScalar(static_cast<uint32_t>(v.ch))) {
        return mismatch(t, v, "U+" + std::to_string(static_cast<uint32_t>(v.ch)) +
                                  " is not a Unicode scalar value");
      }
      return static_cast<uint32_t>(v.ch);
    default: return mismatch(t, v, "not a scalar type");
  }
}

Result<void> scalarFromBits(const ValType& t, uint64_t bits, Val& out) {
  out.kind = t.kind;
  switch (t.kind) {
    case TypeKind::kBool: out.b = bits != 0; break;
    case TypeKind::kU8: out.u = static_cast<uint8_t>(bits); break;
    case TypeKind::kU16: out.u = static_cast<uint16_t>(bits); break;
    case TypeKind::kU32: out.u = static_cast<uint32_t>(bits); break;
    case TypeKind::kU64: out.u = bits; break;
    case TypeKind::kS8: out.i = static_cast<int8_t>(bits); break;
    case TypeKind::kS16: out.i = static_cast<int16_t>(bits); break;
    case TypeKind::kS32: out.i = static_cast<int32_t>(bits); break;
    case TypeKind::kS64: out.i = static_cast<int64_t>(bits); break;
    case TypeKind::kF32:
      out.f32 = std::bit_cast<float>(canonicalF32(static_cast<uint32_t>(bits)));
      break;
    case TypeKind::kF64: out.f64 = std::bit_cast<double>(canonicalF64(bits)); break;
    case TypeKind::kChar: {
      auto c = static_cast<uint32_t>(bits);
      if (!isScalar(c)) {
        return abiTrap("invalid char ", std::to_string(c), " (not a Unicode scalar value)");
      }
      out.ch = static_cast<char32_t>(c);
      break;
    }
    default: return abiTrap("internal: ", shortTypeName(t), " is not a scalar type");
  }
  return {};
}

Result<const ValType*> checkCase(const ValType& t, const Val& v) {
  if (v.kind != t.kind) return mismatch(t, v);
  if (v.disc >= caseCount(t)) {
    return mismatch(t, v, "case " + std::to_string(v.disc) + " out of range");
  }
  const ValType* payload = casePayload(t, v.disc);
  if (payload && v.items.size() != 1) {
    return mismatch(t, v, "case " + std::to_string(v.disc) + " needs one payload value");
  }
  if (!payload && !v.items.empty()) {
    return mismatch(t, v, "case " + std::to_string(v.disc) + " has no payload");
  }
  return payload;
}

void setCase(const ValType& t, uint32_t disc, Val& out) {
  out.kind = t.kind;
  out.disc = disc;
}

}  // namespace canon_detail

// ---- Public: alignment, size, flattening ----

uint32_t alignOf(const ValType& type) {
  switch (type.kind) {
    case TypeKind::kBool:
    case TypeKind::kS8:
    case TypeKind::kU8: return 1;
    case TypeKind::kS16:
    case TypeKind::kU16: return 2;
    case TypeKind::kS64:
    case TypeKind::kU64:
    case TypeKind::kF64: return 8;
    case TypeKind::kRecord:
    case TypeKind::kTuple: {
      uint32_t a = 1;
      for (const ValType* f : type.elems) a = std::max(a, alignFast(*f));
      return a;
    }
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult:
      return std::max(discriminantSize(caseCount(type)), maxCaseAlignment(type));
    case TypeKind::kFlags: {
      size_t n = type.labels.size();
      return n <= 8 ? 1 : n <= 16 ? 2 : 4;
    }
    default: return 4;  // s32, u32, f32, char, string, list, own, borrow
  }
}

uint32_t sizeOf(const ValType& type) {
  return static_cast<uint32_t>(std::min<uint64_t>(sizeOf64(type), UINT32_MAX));
}

void flattenType(const ValType& type, std::vector<compile::ValType>& out) {
  flattenInto(type, out);
}

FlatSig flattenFunc(const FuncSig& sig, bool lower) {
  FlatSig flat;
  for (const auto& [name, type] : sig.params) flattenType(*type, flat.params);
  if (flat.params.size() > kMaxFlatParams) {
    flat.params.assign(1, CoreType::kI32);
    flat.params_in_memory = true;
  }
  for (const ValType* type : sig.results) flattenType(*type, flat.results);
  if (flat.results.size() > kMaxFlatResults) {
    flat.results_in_memory = true;
    flat.results.clear();
    if (lower) {
      flat.params.push_back(CoreType::kI32);
    } else {
      flat.results.push_back(CoreType::kI32);
    }
  }
  return flat;
}

compile::FuncType coreFuncType(const FlatSig& flat) { return {flat.params, flat.results}; }

}  // namespace tern::component
