// The canonical ABI's load and store (spec CanonicalABI.md "Loading", "Storing"): WIT values read
// from and written to linear memory, lists included.
#include <string>

#include "common/limits.h"
#include "component/canon.h"
#include "component/canon_impl.h"

namespace tern::component {

using namespace canon_detail;

namespace canon_detail {

Result<void> checkKind(const ValType& t, const Val& v) {
  if (v.kind != t.kind) return mismatch(t, v);
  return {};
}

namespace {

Result<void> loadScalar(CanonContext& cx, const ValType& t, uint64_t ptr, Val& out) {
  switch (sizeFast(t)) {
    case 1: return scalarFromBits(t, readAt<uint8_t>(cx, ptr), out);
    case 2: return scalarFromBits(t, readAt<uint16_t>(cx, ptr), out);
    case 4: return scalarFromBits(t, readAt<uint32_t>(cx, ptr), out);
    default: return scalarFromBits(t, readAt<uint64_t>(cx, ptr), out);
  }
}

Result<void> storeScalar(CanonContext& cx, const ValType& t, const Val& v, uint64_t ptr) {
  auto bits = scalarBits(t, v);
  if (!bits) return fail(std::move(bits).error());
  switch (sizeFast(t)) {
    case 1: writeAt(cx, ptr, static_cast<uint8_t>(*bits)); break;
    case 2: writeAt(cx, ptr, static_cast<uint16_t>(*bits)); break;
    case 4: writeAt(cx, ptr, static_cast<uint32_t>(*bits)); break;
    default: writeAt(cx, ptr, *bits); break;
  }
  return {};
}

Result<void> loadFields(Lifter& l, const ValType& t, uint64_t ptr, Val& out) {
  out.kind = t.kind;
  TERN_TRY(l.charge(t.elems.size() * sizeof(Val)));
  out.items.resize(t.elems.size());
  for (size_t i = 0; i < t.elems.size(); ++i) {
    Layout f = layoutFast(*t.elems[i]);
    ptr = alignTo(ptr, f.align);
    TERN_TRY(loadAt(l, *t.elems[i], ptr, out.items[i]));
    ptr += f.size;
  }
  return {};
}

Result<void> storeFields(CanonContext& cx, const ValType& t, const Val& v, uint64_t ptr) {
  TERN_TRY(checkKind(t, v));
  if (v.items.size() != t.elems.size()) {
    return mismatch(t, v, std::to_string(v.items.size()) + " fields");
  }
  for (size_t i = 0; i < t.elems.size(); ++i) {
    Layout f = layoutFast(*t.elems[i]);
    ptr = alignTo(ptr, f.align);
    TERN_TRY(storeAt(cx, *t.elems[i], v.items[i], ptr));
    ptr += f.size;
  }
  return {};
}

Result<void> loadVariant(Lifter& l, const ValType& t, uint64_t ptr, Val& out) {
  size_t cases = caseCount(t);
  uint32_t disc = 0;
  switch (discriminantSize(cases)) {
    case 1: disc = readAt<uint8_t>(l.cx, ptr); break;
    case 2: disc = readAt<uint16_t>(l.cx, ptr); break;
    default: disc = readAt<uint32_t>(l.cx, ptr); break;
  }
  if (disc >= cases) {
    return abiTrap("discriminant ", std::to_string(disc), " out of range for ", shortTypeName(t));
  }
  setCase(t, disc, out);
  const ValType* payload = casePayload(t, disc);
  if (!payload) return {};
  TERN_TRY(l.charge(sizeof(Val)));
  out.items.resize(1);
  return loadAt(l, *payload, ptr + payloadOffset(t), out.items[0]);
}

Result<void> storeVariant(CanonContext& cx, const ValType& t, const Val& v, uint64_t ptr) {
  auto payload = checkCase(t, v);
  if (!payload) return fail(std::move(payload).error());
  switch (discriminantSize(caseCount(t))) {
    case 1: writeAt(cx, ptr, static_cast<uint8_t>(v.disc)); break;
    case 2: writeAt(cx, ptr, static_cast<uint16_t>(v.disc)); break;
    default: writeAt(cx, ptr, v.disc); break;
  }
  if (!*payload) return {};
  return storeAt(cx, **payload, v.items[0], ptr + payloadOffset(t));
}

// Bits beyond the labels are ignored (spec: unpack_flags_from_int keeps only labelled bits).
void loadFlags(CanonContext& cx, const ValType& t, uint64_t ptr, Val& out) {
  out.kind = TypeKind::kFlags;
  uint32_t words = flagWords(t);
  out.flags.assign(words, 0);
  switch (flagsSize(t)) {
    case 0: return;
    case 1: out.flags[0] = readAt<uint8_t>(cx, ptr); break;
    case 2: out.flags[0] = readAt<uint16_t>(cx, ptr); break;
    default:
      for (uint32_t w = 0; w < words; ++w) out.flags[w] = readAt<uint32_t>(cx, ptr + 4 * w);
  }
  for (uint32_t w = 0; w < words; ++w) out.flags[w] &= flagMask(t, w);
}

Result<void> storeFlags(CanonContext& cx, const ValType& t, const Val& v, uint64_t ptr) {
  TERN_TRY(checkKind(t, v));
  uint32_t words = flagWords(t);
  for (size_t w = 0; w < v.flags.size(); ++w) {
    uint32_t mask = w < words ? flagMask(t, static_cast<uint32_t>(w)) : 0;
    if (v.flags[w] & ~mask) return mismatch(t, v, "bits set beyond the last flag");
  }
  auto word = [&](uint32_t w) { return w < v.flags.size() ? v.flags[w] : 0; };
  switch (flagsSize(t)) {
    case 0: break;
    case 1: writeAt(cx, ptr, static_cast<uint8_t>(word(0))); break;
    case 2: writeAt(cx, ptr, static_cast<uint16_t>(word(0))); break;
    default:
      for (uint32_t w = 0; w < words; ++w) writeAt(cx, ptr + 4 * w, word(w));
  }
  return {};
}

}  // namespace

Result<void> liftHandle(CanonContext& cx, const ValType& t, uint32_t handle, Val& out) {
  auto rep = t.kind == TypeKind::kOwn ? cx.handles.liftOwn(t.resource, handle)
                                      : cx.handles.liftBorrow(t.resource, handle);
  if (!rep) return fail(std::move(rep).error());
  out.kind = t.kind;
  out.u = *rep;
  return {};
}

Result<uint32_t> lowerHandle(CanonContext& cx, const ValType& t, const Val& v) {
  TERN_TRY(checkKind(t, v));
  return t.kind == TypeKind::kOwn ? cx.handles.lowerOwn(t.resource, v.rep())
                                  : cx.handles.lowerBorrow(t.resource, v.rep());
}

Result<void> loadAt(Lifter& l, const ValType& t, uint64_t ptr, Val& out) {
  CanonContext& cx = l.cx;
  switch (t.kind) {
    case TypeKind::kString:
      return loadString(l, readAt<uint32_t>(cx, ptr), readAt<uint32_t>(cx, ptr + 4), out);
    case TypeKind::kList:
      return loadList(l, *t.elems[0], readAt<uint32_t>(cx, ptr), readAt<uint32_t>(cx, ptr + 4),
                      out);
    case TypeKind::kRecord:
    case TypeKind::kTuple: return loadFields(l, t, ptr, out);
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: return loadVariant(l, t, ptr, out);
    case TypeKind::kFlags: loadFlags(cx, t, ptr, out); return {};
    case TypeKind::kOwn:
    case TypeKind::kBorrow: return liftHandle(cx, t, readAt<uint32_t>(cx, ptr), out);
    default: return loadScalar(cx, t, ptr, out);
  }
}

Result<void> storeAt(CanonContext& cx, const ValType& t, const Val& v, uint64_t ptr) {
  switch (t.kind) {
    case TypeKind::kString:
    case TypeKind::kList: {
      auto range = t.kind == TypeKind::kString ? storeString(cx, t, v) : storeList(cx, t, v);
      if (!range) return fail(std::move(range).error());
      writeAt(cx, ptr, range->ptr);
      writeAt(cx, ptr + 4, range->length);
      return {};
    }
    case TypeKind::kRecord:
    case TypeKind::kTuple: return storeFields(cx, t, v, ptr);
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: return storeVariant(cx, t, v, ptr);
    case TypeKind::kFlags: return storeFlags(cx, t, v, ptr);
    case TypeKind::kOwn:
    case TypeKind::kBorrow: {
      auto handle = lowerHandle(cx, t, v);
      if (!handle) return fail(std::move(handle).error());
      writeAt(cx, ptr, *handle);
      return {};
    }
    default: return storeScalar(cx, t, v, ptr);
  }
}

Result<void> loadList(Lifter& l, const ValType& elem, uint32_t ptr, uint32_t length, Val& out) {
  Layout layout = layoutFast(elem);
  uint64_t size = layout.size;
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(size, uint64_t{length}, &bytes)) bytes = UINT64_MAX;
  TERN_TRY(checkRange(l.cx, ptr, bytes, layout.align, "list"));
  out.kind = TypeKind::kList;
  if (elem.kind == TypeKind::kU8) {  // list<u8> fast path: one copy into Val::bytes
    TERN_TRY(l.charge(length));
    out.bytes.assign(reinterpret_cast<const char*>(l.cx.options.memory->data() + ptr), length);
    return {};
  }
  TERN_TRY(l.charge(uint64_t{length} * sizeof(Val)));
  out.items.resize(length);
  for (uint32_t i = 0; i < length; ++i) TERN_TRY(loadAt(l, elem, ptr + i * size, out.items[i]));
  return {};
}

Result<Range> storeList(CanonContext& cx, const ValType& t, const Val& v) {
  const ValType& elem = *t.elems[0];
  TERN_TRY(checkKind(t, v));
  bool byte_form = elem.kind == TypeKind::kU8 && v.items.empty();
  if (!byte_form && !v.bytes.empty()) {
    return mismatch(t, v, elem.kind == TypeKind::kU8 ? "both bytes and items set" : "bytes set");
  }
  uint64_t count = byte_form ? v.bytes.size() : v.items.size();
  Layout layout = layoutFast(elem);
  uint64_t size = layout.size;
  uint64_t bytes = 0;
  if (count > UINT32_MAX || __builtin_mul_overflow(size, count, &bytes) || bytes > UINT32_MAX) {
    return abiTrap("list of ", std::to_string(count), " ", shortTypeName(elem),
                   " does not fit in 32-bit memory");
  }
  auto ptr = callRealloc(cx, 0, 0, layout.align, static_cast<uint32_t>(bytes));
  if (!ptr) return fail(std::move(ptr).error());
  if (byte_form) {
    if (count) std::memcpy(cx.options.memory->data() + *ptr, v.bytes.data(), count);
  } else {
    for (uint64_t i = 0; i < count; ++i) TERN_TRY(storeAt(cx, elem, v.items[i], *ptr + i * size));
  }
  return Range{*ptr, static_cast<uint32_t>(count)};
}

}  // namespace canon_detail

namespace {

// The top-level range check of load/store; the type is named only when it fails.
Result<void> checkValueRange(CanonContext& cx, const ValType& type, uint32_t ptr) {
  Layout layout = layoutFast(type);
  auto r = checkRange(cx, ptr, layout.size, layout.align, "value");
  if (!r) r.error().message += " (" + shortTypeName(type) + ")";
  return r;
}

}  // namespace

Result<Val> load(CanonContext& cx, const ValType& type, uint32_t ptr) {
  TERN_TRY(checkValueRange(cx, type, ptr));
  Lifter l = Lifter::start(cx);
  Val out;
  TERN_TRY(loadAt(l, type, ptr, out));
  return out;
}

Result<void> store(CanonContext& cx, const ValType& type, const Val& val, uint32_t ptr) {
  TERN_TRY(checkValueRange(cx, type, ptr));
  return storeAt(cx, type, val, ptr);
}

}  // namespace tern::component
