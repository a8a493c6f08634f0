// Low-level decoding of the component binary format: LEB128, names, sorts, valtypes,
// externdescs and canonopts (spec: component-model Binary.md), every read bounds-checked.
#include "component/binary.h"

#include <cstdio>

#include "common/limits.h"

namespace tern::component::bin {

std::string hexOffset(size_t offset) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%zx", offset);
  return buf;
}

std::string_view sortName(Sort sort) {
  switch (sort) {
    case Sort::kCoreFunc: return "core func";
    case Sort::kCoreTable: return "core table";
    case Sort::kCoreMemory: return "core memory";
    case Sort::kCoreGlobal: return "core global";
    case Sort::kCoreType: return "core type";
    case Sort::kCoreModule: return "core module";
    case Sort::kCoreInstance: return "core instance";
    case Sort::kFunc: return "func";
    case Sort::kValue: return "value";
    case Sort::kType: return "type";
    case Sort::kComponent: return "component";
    case Sort::kInstance: return "instance";
  }
  return "?";
}

std::unexpected<Error> Reader::malformed(std::string_view msg) const {
  return fail(ErrorCode::kComponentMalformed, "malformed component at ", hexOffset(pos_), ": ", msg);
}
std::unexpected<Error> Reader::invalid(std::string_view msg) const {
  return fail(ErrorCode::kComponentInvalid, "invalid component at ", hexOffset(pos_), ": ", msg);
}
std::unexpected<Error> Reader::unsupported(std::string_view msg) const {
  return fail(ErrorCode::kComponentUnsupported, "unsupported component feature at ", hexOffset(pos_), ": ",
              msg);
}

Result<uint8_t> Reader::u8() {
  if (pos_ >= end_) return malformed("unexpected end");
  return data_[pos_++];
}

Result<uint8_t> Reader::peek() const {
  if (pos_ >= end_) return malformed("unexpected end");
  return data_[pos_];
}

Result<uint32_t> Reader::u32() {
  uint64_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    auto b = u8();
    if (!b) return fail(b.error());
    v |= uint64_t(*b & 0x7f) << shift;
    if (!(*b & 0x80)) {
      if (v > 0xffffffffu) return malformed("integer too large");
      return uint32_t(v);
    }
  }
  return malformed("integer representation too long");
}

Result<int64_t> Reader::s33() {
  int64_t v = 0;
  int shift = 0;
  uint8_t b = 0;
  do {
    if (shift >= 35) return malformed("integer representation too long");
    auto r = u8();
    if (!r) return fail(r.error());
    b = *r;
    v |= int64_t(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  if (shift < 64 && (b & 0x40)) v |= -(int64_t(1) << shift);
  return v;
}

Result<uint32_t> Reader::count(uint32_t limit, std::string_view what) {
  auto n = u32();
  if (!n) return n;
  if (*n > limit) return malformed(std::string(what) + " count exceeds limit");
  if (*n > end_ - pos_) return malformed(std::string(what) + " count larger than the input");
  return n;
}

Result<std::string_view> Reader::name() {
  auto len = u32();
  if (!len) return fail(len.error());
  if (*len > end_ - pos_) return malformed("name extends past the end");
  std::string_view s(reinterpret_cast<const char*>(data_ + pos_), *len);
  // UTF-8 validity (names are strings in the spec).
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return malformed("name is not valid UTF-8");
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<uint8_t>(s[i + k]) & 0xc0) != 0x80) return malformed("name is not valid UTF-8");
    }
    i += n;
  }
  pos_ += *len;
  return s;
}

Result<void> Reader::skip(size_t n) {
  if (n > end_ - pos_) return malformed("unexpected end");
  pos_ += n;
  return {};
}

std::optional<TypeKind> primitiveKind(uint8_t byte) {
  switch (byte) {
    case 0x7f: return TypeKind::kBool;
    case 0x7e: return TypeKind::kS8;
    case 0x7d: return TypeKind::kU8;
    case 0x7c: return TypeKind::kS16;
    case 0x7b: return TypeKind::kU16;
    case 0x7a: return TypeKind::kS32;
    case 0x79: return TypeKind::kU32;
    case 0x78: return TypeKind::kS64;
    case 0x77: return TypeKind::kU64;
    case 0x76: return TypeKind::kF32;
    case 0x75: return TypeKind::kF64;
    case 0x74: return TypeKind::kChar;
    case 0x73: return TypeKind::kString;
    default: return std::nullopt;
  }
}

Result<ValTypeRef> readValType(Reader& r) {
  auto b = r.peek();
  if (!b) return fail(b.error());
  if (auto k = primitiveKind(*b)) {
    (void)r.u8();
    return ValTypeRef{true, *k, 0};
  }
  if (*b == 0x64) return r.unsupported("error-context type");
  auto idx = r.s33();
  if (!idx) return fail(idx.error());
  if (*idx < 0 || *idx > 0xffffffffll) return r.malformed("invalid value type");
  return ValTypeRef{false, TypeKind::kBool, uint32_t(*idx)};
}

Result<Sort> readCoreSort(Reader& r) {
  auto b = r.u8();
  if (!b) return fail(b.error());
  switch (*b) {
    case 0x00: return Sort::kCoreFunc;
    case 0x01: return Sort::kCoreTable;
    case 0x02: return Sort::kCoreMemory;
    case 0x03: return Sort::kCoreGlobal;
    case 0x04: return r.unsupported("core tag");
    case 0x10: return Sort::kCoreType;
    case 0x11: return Sort::kCoreModule;
    case 0x12: return Sort::kCoreInstance;
    default: return r.malformed("invalid core sort");
  }
}

Result<Sort> readSort(Reader& r) {
  auto b = r.u8();
  if (!b) return fail(b.error());
  switch (*b) {
    case 0x00: return readCoreSort(r);
    case 0x01: return Sort::kFunc;
    case 0x02: return Sort::kValue;
    case 0x03: return Sort::kType;
    case 0x04: return Sort::kComponent;
    case 0x05: return Sort::kInstance;
    default: return r.malformed("invalid sort");
  }
}

Result<ExternDescBin> readExternDesc(Reader& r) {
  auto b = r.u8();
  if (!b) return fail(b.error());
  ExternDescBin d;
  switch (*b) {
    case 0x00: {
      auto k = r.u8();
      if (!k) return fail(k.error());
      if (*k != 0x11) return r.malformed("invalid core extern desc");
      d.sort = Sort::kCoreModule;
      break;
    }
    case 0x01: d.sort = Sort::kFunc; break;
    case 0x02: return r.unsupported("value imports/exports");
    case 0x03: {
      d.sort = Sort::kType;
      auto bound = r.u8();
      if (!bound) return fail(bound.error());
      if (*bound == 0x01) {
        d.sub_resource = true;
        return d;
      }
      if (*bound != 0x00) return r.malformed("invalid type bound");
      break;
    }
    case 0x04: d.sort = Sort::kComponent; break;
    case 0x05: d.sort = Sort::kInstance; break;
    default: return r.malformed("invalid extern desc");
  }
  auto idx = r.u32();
  if (!idx) return fail(idx.error());
  d.index = *idx;
  return d;
}

Result<std::string_view> readExternName(Reader& r) {
  auto b = r.u8();
  if (!b) return fail(b.error());
  if (*b != 0x00 && *b != 0x01) return r.malformed("invalid import/export name prefix");
  auto n = r.name();
  if (!n) return n;
  if (n->empty()) return r.invalid("empty import/export name");
  if (*b == 0x01) {
    auto suffix = r.name();  // version suffix: informative only
    if (!suffix) return fail(suffix.error());
  }
  return n;
}

Result<CanonOptsBin> readCanonOpts(Reader& r) {
  auto n = r.count(16, "canon option");
  if (!n) return fail(n.error());
  CanonOptsBin o;
  bool have_encoding = false;
  for (uint32_t i = 0; i < *n; ++i) {
    auto b = r.u8();
    if (!b) return fail(b.error());
    auto setOnce = [&](std::optional<uint32_t>& slot, const char* what) -> Result<void> {
      if (slot) return r.invalid(std::string("duplicate ") + what + " option");
      auto idx = r.u32();
      if (!idx) return fail(idx.error());
      slot = *idx;
      return {};
    };
    switch (*b) {
      case 0x00: case 0x01: case 0x02:
        if (have_encoding) return r.invalid("more than one string encoding");
        have_encoding = true;
        o.encoding = *b == 0 ? StringEncoding::kUtf8
                     : *b == 1 ? StringEncoding::kUtf16 : StringEncoding::kLatin1Utf16;
        break;
      case 0x03: TERN_TRY(setOnce(o.memory, "memory")); break;
      case 0x04: TERN_TRY(setOnce(o.realloc, "realloc")); break;
      case 0x05: TERN_TRY(setOnce(o.post_return, "post-return")); break;
      case 0x06: case 0x07: return r.unsupported("async canon options");
      default: return r.malformed("invalid canon option");
    }
  }
  return o;
}

namespace {

bool coreValType(uint8_t b) {
  return b == 0x7f || b == 0x7e || b == 0x7d || b == 0x7c || b == 0x7b || b == 0x70 || b == 0x6f;
}

Result<void> skipLimits(Reader& r) {
  auto flags = r.u8();
  if (!flags) return fail(flags.error());
  if (*flags > 0x07) return r.malformed("invalid limits flags");
  TERN_TRY(r.u32());
  if (*flags & 1) TERN_TRY(r.u32());
  return {};
}

Result<void> skipImportDesc(Reader& r) {
  auto kind = r.u8();
  if (!kind) return fail(kind.error());
  switch (*kind) {
    case 0x00: TERN_TRY(r.u32()); return {};
    case 0x01: {
      auto t = r.u8();
      if (!t) return fail(t.error());
      if (*t != 0x70 && *t != 0x6f) return r.malformed("invalid table element type");
      return skipLimits(r);
    }
    case 0x02: return skipLimits(r);
    case 0x03: {
      auto t = r.u8();
      if (!t) return fail(t.error());
      if (!coreValType(*t)) return r.malformed("invalid global type");
      auto m = r.u8();
      if (!m) return fail(m.error());
      if (*m > 1) return r.malformed("invalid global mutability");
      return {};
    }
    default: return r.malformed("invalid core import kind");
  }
}

}  // namespace

Result<void> skipCoreFuncType(Reader& r, std::vector<uint8_t>* params,
                              std::vector<uint8_t>* results) {
  for (auto* out : {params, results}) {
    auto n = r.count(limits::kMaxParams, "core func type param/result");
    if (!n) return fail(n.error());
    for (uint32_t i = 0; i < *n; ++i) {
      auto t = r.u8();
      if (!t) return fail(t.error());
      if (!coreValType(*t)) return r.malformed("invalid core value type");
      if (out) out->push_back(*t);
    }
  }
  return {};
}

Result<void> skipCoreModuleType(Reader& r, int depth) {
  if (depth > int(limits::kMaxComponentNesting)) return r.malformed("types nested too deeply");
  auto n = r.count(limits::kMaxComponentVecItems, "module type declaration");
  if (!n) return fail(n.error());
  for (uint32_t i = 0; i < *n; ++i) {
    auto kind = r.u8();
    if (!kind) return fail(kind.error());
    switch (*kind) {
      case 0x00:  // import
        TERN_TRY(r.name());
        TERN_TRY(r.name());
        TERN_TRY(skipImportDesc(r));
        break;
      case 0x01: {  // type
        auto form = r.u8();
        if (!form) return fail(form.error());
        if (*form != 0x60) return r.unsupported("non-function type in a module type");
        TERN_TRY(skipCoreFuncType(r));
        break;
      }
      case 0x02: {  // outer alias
        TERN_TRY(readCoreSort(r));
        auto t = r.u8();
        if (!t) return fail(t.error());
        if (*t != 0x01) return r.malformed("invalid alias in a module type");
        TERN_TRY(r.u32());
        TERN_TRY(r.u32());
        break;
      }
      case 0x03:  // export
        TERN_TRY(r.name());
        TERN_TRY(skipImportDesc(r));
        break;
      default: return r.malformed("invalid module type declaration");
    }
  }
  return {};
}

}  // namespace tern::component::bin
