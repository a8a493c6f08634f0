// Internal helpers shared by the canonical ABI sources (canon*.cc); not part of the public API.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "common/result.h"
#include "compile/vm_abi.h"
#include "component/canon.h"
#include "component/val.h"
#include "instance/value.h"

namespace tern::component::canon_detail {

using CoreType = compile::ValType;
using instance::Value;

// Spec: UTF16_TAG and MAX_STRING_BYTE_LENGTH (the tag bit is never part of a length).
inline constexpr uint32_t kUtf16Tag = uint32_t{1} << 31;
inline constexpr uint64_t kMaxStringByteLength = (uint64_t{1} << 31) - 1;

// A canonical ABI trap: kTrap with `kind` in Error::detail.
template <class... Parts>
std::unexpected<Error> trap(vm::TrapKind kind, Parts&&... parts) {
  auto e = fail(ErrorCode::kTrap, "canonical ABI: ", std::forward<Parts>(parts)...);
  e.error().detail = static_cast<int32_t>(kind);
  return e;
}
template <class... Parts>
std::unexpected<Error> abiTrap(Parts&&... parts) {
  return trap(vm::TrapKind::kHost, std::forward<Parts>(parts)...);
}
// typeName() for error messages, abbreviated for large types (the full name of a type can be
// far larger than the type itself when subtypes are shared).
std::string shortTypeName(const ValType& t);
// A host value that does not match its WIT type (a host bug): names both.
std::unexpected<Error> mismatch(const ValType& type, const Val& val, std::string_view why = {});

// Alignments are powers of two (1, 2, 4, 8): masks, not divisions, on the hot path.
inline uint64_t alignTo(uint64_t n, uint32_t align) {
  return (n + align - 1) & ~uint64_t{align - 1};
}

// Variant-like types (variant, enum, option, result; spec: despecialize) as cases.
inline bool isVariantLike(TypeKind k) {
  return k == TypeKind::kVariant || k == TypeKind::kEnum || k == TypeKind::kOption ||
         k == TypeKind::kResult;
}
inline size_t caseCount(const ValType& t) {
  switch (t.kind) {
    case TypeKind::kVariant: return std::max(t.labels.size(), t.elems.size());
    case TypeKind::kEnum: return t.labels.size();
    case TypeKind::kOption:
    case TypeKind::kResult: return 2;
    default: return 0;
  }
}
inline const ValType* casePayload(const ValType& t, size_t index) {
  switch (t.kind) {
    case TypeKind::kVariant:
    case TypeKind::kResult: return index < t.elems.size() ? t.elems[index] : nullptr;
    case TypeKind::kOption: return index == 1 && !t.elems.empty() ? t.elems[0] : nullptr;
    default: return nullptr;
  }
}
// Spec: size(discriminant_type(cases)).
inline uint32_t discriminantSize(size_t cases) {
  return cases <= (size_t{1} << 8) ? 1 : cases <= (size_t{1} << 16) ? 2 : 4;
}
uint32_t payloadOffset(const ValType& t);  // discriminant rounded up to max_case_alignment
uint32_t flagWords(const ValType& t);       // spec: num_i32_flags
uint32_t flagsSize(const ValType& t);       // spec: size_flags
// Known-flag mask of i32 word `word` (bits beyond the labels are clear).
uint32_t flagMask(const ValType& t, uint32_t word);
// Number of flat core values of `t`, without building the list.
size_t flatCount(const ValType& t);
// Spec: join of two flat types of variant payloads.
inline CoreType join(CoreType a, CoreType b) {
  if (a == b) return a;
  if ((a == CoreType::kI32 && b == CoreType::kF32) ||
      (a == CoreType::kF32 && b == CoreType::kI32)) {
    return CoreType::kI32;
  }
  return CoreType::kI64;
}

// A short list kept inline (flat types and values of one variant payload), spilling to the heap
// only past kInline entries: flat lifting/lowering allocates nothing for the common shapes.
template <class T, size_t kInline = kMaxFlatParams>
class SmallList {
 public:
  void push_back(const T& v) {
    if (n_ < kInline) {
      inline_[n_] = v;
    } else {
      if (heap_.empty()) heap_.assign(inline_.begin(), inline_.end());
      heap_.push_back(v);
    }
    ++n_;
  }
  size_t size() const { return n_; }
  T& operator[](size_t i) { return n_ <= kInline ? inline_[i] : heap_[i]; }
  const T& operator[](size_t i) const { return n_ <= kInline ? inline_[i] : heap_[i]; }
  const T* data() const { return n_ <= kInline ? inline_.data() : heap_.data(); }

 private:
  std::array<T, kInline> inline_{};
  std::vector<T> heap_;
  size_t n_ = 0;
};
using FlatTypes = SmallList<CoreType>;

// Spec: flatten_type into any list with push_back/size/operator[].
template <class Out>
void flattenInto(const ValType& t, Out& out);

// The joined flat types of a variant-like type's payloads (spec: flatten_variant without the
// leading discriminant).
template <class Out>
void variantPayloadTypes(const ValType& t, Out& out) {
  size_t base = out.size();
  size_t cases = caseCount(t);
  for (size_t c = 0; c < cases; ++c) {
    const ValType* p = casePayload(t, c);
    if (!p) continue;
    FlatTypes flat;
    flattenInto(*p, flat);
    for (size_t i = 0; i < flat.size(); ++i) {
      if (base + i < out.size()) {
        out[base + i] = join(out[base + i], flat[i]);
      } else {
        out.push_back(flat[i]);
      }
    }
  }
}

template <class Out>
void flattenInto(const ValType& t, Out& out) {
  switch (t.kind) {
    case TypeKind::kS64:
    case TypeKind::kU64: out.push_back(CoreType::kI64); return;
    case TypeKind::kF32: out.push_back(CoreType::kF32); return;
    case TypeKind::kF64: out.push_back(CoreType::kF64); return;
    case TypeKind::kString:
    case TypeKind::kList:
      out.push_back(CoreType::kI32);
      out.push_back(CoreType::kI32);
      return;
    case TypeKind::kRecord:
    case TypeKind::kTuple:
      for (const ValType* f : t.elems) flattenInto(*f, out);
      return;
    case TypeKind::kFlags:
      for (uint32_t i = 0; i < flagWords(t); ++i) out.push_back(CoreType::kI32);
      return;
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult:
      out.push_back(CoreType::kI32);
      variantPayloadTypes(t, out);
      return;
    default:  // bool, 8/16/32-bit integers, char, own, borrow
      out.push_back(CoreType::kI32);
      return;
  }
}

// The layout of the tuple of `types` (spec: lift_values/lower_values spill to memory).
// Sizes are 64-bit and saturate at 2^40 so that offsets never overflow: a type that large can
// never be in bounds of a 32-bit memory, so every load/store of it traps.
struct Layout {
  uint64_t size = 0;
  uint32_t align = 1;
};
Layout tupleLayout(std::span<const ValType* const> types);
// Size and alignment in one walk of the type (spec: elem_size and alignment).
Layout layoutOf(const ValType& t);
uint64_t sizeOf64(const ValType& t);  // spec: size (sizeOf clamps it to 32 bits)

// Layout of the types whose alignment and size do not depend on their children, by TypeKind
// (0: compound, computed recursively). The hot paths ask these first.
inline constexpr uint8_t kLeafAlign[] = {1, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8, 4, 4,
                                         4, 0, 0, 0, 0, 0, 0, 0, 4, 4};
inline constexpr uint8_t kLeafSize[] = {1, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8, 4, 8,
                                        8, 0, 0, 0, 0, 0, 0, 0, 4, 4};
static_assert(sizeof kLeafAlign == static_cast<size_t>(TypeKind::kBorrow) + 1);
inline uint32_t alignFast(const ValType& t) {
  uint8_t a = kLeafAlign[static_cast<size_t>(t.kind)];
  return a ? a : alignOf(t);
}
inline uint64_t sizeFast(const ValType& t) {
  uint8_t n = kLeafSize[static_cast<size_t>(t.kind)];
  return n ? n : sizeOf64(t);
}
inline Layout layoutFast(const ValType& t) {
  uint8_t a = kLeafAlign[static_cast<size_t>(t.kind)];
  return a ? Layout{kLeafSize[static_cast<size_t>(t.kind)], a} : layoutOf(t);
}

// Per-operation state of lifting (guest -> host values): the context and the budget of host
// bytes the lifted values may take (the memory's size + limits::kMaxCanonLiftBytes), so a guest
// cannot make the host build a Val tree far larger than itself (zero-sized or aliased list
// elements), while one list<u8> may still be as large as the memory holding it.
struct Lifter {
  CanonContext& cx;
  uint64_t budget;
  uint64_t initial;
  static Lifter start(CanonContext& cx);
  Result<void> charge(uint64_t bytes);
};

// Memory checks shared by load/store and flat lifting/lowering.
Result<instance::Memory*> memoryOf(CanonContext& cx);
// Traps unless [ptr, ptr+len) is inside memory and ptr is a multiple of `align`.
Result<void> checkRange(CanonContext& cx, uint64_t ptr, uint64_t len, uint32_t align,
                        const char* what);

// Calls realloc(old_ptr, old_size, align, new_size) and checks the result is aligned and that
// [result, result+new_size) is inside memory (spec: the trap_ifs after each realloc).
Result<uint32_t> callRealloc(CanonContext& cx, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                             uint32_t new_size);

template <class T>
T readAt(const CanonContext& cx, uint64_t ptr) {
  T v;
  std::memcpy(&v, cx.options.memory->data() + ptr, sizeof v);
  return v;
}
template <class T>
void writeAt(CanonContext& cx, uint64_t ptr, T v) {
  std::memcpy(cx.options.memory->data() + ptr, &v, sizeof v);
}

// Spec: canonicalize32/64 (NaNs become the one canonical NaN).
uint32_t canonicalF32(uint32_t bits);
uint64_t canonicalF64(uint64_t bits);
inline bool isScalar(uint32_t c) { return c < 0x110000 && (c < 0xD800 || c > 0xDFFF); }

// Range-checked scalars shared by store and lower_flat: the value as the little-endian bits of
// its core type (i32 for <=32-bit types, i64, f32/f64 bits). Mismatches trap naming both.
Result<uint64_t> scalarBits(const ValType& t, const Val& v);
// The reverse (load and lift_flat): `bits` already truncated to the type's width.
Result<void> scalarFromBits(const ValType& t, uint64_t bits, Val& out);

// Loads/stores at an already range-checked, aligned address (spec: load/store).
Result<void> loadAt(Lifter& l, const ValType& t, uint64_t ptr, Val& out);
Result<void> storeAt(CanonContext& cx, const ValType& t, const Val& v, uint64_t ptr);

// Strings and lists by (ptr, length) (spec: load_*_from_range / store_*_into_range).
Result<void> loadString(Lifter& l, uint32_t ptr, uint32_t tagged_units, Val& out);
Result<void> loadList(Lifter& l, const ValType& elem, uint32_t ptr, uint32_t length, Val& out);
struct Range {
  uint32_t ptr = 0;
  uint32_t length = 0;  // code units (with kUtf16Tag) for strings, elements for lists
};
Result<Range> storeString(CanonContext& cx, const ValType& t, const Val& v);
Result<Range> storeList(CanonContext& cx, const ValType& t, const Val& v);

// own/borrow through HandleOps: guest handle -> Val carrying the rep, and back.
Result<void> liftHandle(CanonContext& cx, const ValType& t, uint32_t handle, Val& out);
Result<uint32_t> lowerHandle(CanonContext& cx, const ValType& t, const Val& v);
// Traps unless the host value has the type's kind (records, lists, flags, handles).
Result<void> checkKind(const ValType& t, const Val& v);
// Case index and payload checks of a variant-like host value against its type.
Result<const ValType*> checkCase(const ValType& t, const Val& v);
// The Val kinds a lifted variant-like value gets, option/result payload layout included.
void setCase(const ValType& t, uint32_t disc, Val& out);

}  // namespace tern::component::canon_detail
