// Canonical ABI strings (spec CanonicalABI.md load_string_from_range / store_string_into_range):
// UTF-8, UTF-16 and latin1+utf16 in guest memory, always UTF-8 on the host side.
#include <string>

#include "component/canon.h"
#include "component/canon_impl.h"

namespace tern::component::canon_detail {

namespace {

// Decodes one UTF-8 scalar at p (advancing it); false for any ill-formed sequence (overlong,
// surrogate, above U+10FFFF, truncated, stray continuation byte).
bool decodeUtf8(const uint8_t*& p, const uint8_t* end, uint32_t& cp) {
  uint8_t b0 = *p;
  cp = 0;
  if (b0 < 0x80) {
    cp = b0;
    ++p;
    return true;
  }
  int len = 0;
  uint32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (end - p < len) return false;
  for (int i = 1; i < len; ++i) {
    if ((p[i] & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if (cp < min || !isScalar(cp)) return false;
  p += len;
  return true;
}

bool validUtf8(const uint8_t* p, size_t n) {
  const uint8_t* end = p + n;
  while (p < end) {
    if (end - p >= 8) {  // ASCII runs, 8 bytes at a time
      uint64_t w;
      std::memcpy(&w, p, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        p += 8;
        continue;
      }
    }
    uint32_t cp = 0;
    if (!decodeUtf8(p, end, cp)) return false;
  }
  return true;
}

char* appendUtf8(char* out, uint32_t cp) {
  if (cp < 0x80) {
    *out++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out++ = static_cast<char>(0xC0 | (cp >> 6));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out++ = static_cast<char>(0xE0 | (cp >> 12));
    *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out++ = static_cast<char>(0xF0 | (cp >> 18));
    *out++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

size_t utf8Length(uint32_t cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

uint16_t unitAt(const uint8_t* p, size_t i) {
  uint16_t u;
  std::memcpy(&u, p + 2 * i, 2);
  return u;
}

// Decodes the UTF-16 scalar starting at unit i (advancing i); false for an unpaired surrogate.
bool decodeUtf16(const uint8_t* p, size_t units, size_t& i, uint32_t& cp) {
  uint32_t u = unitAt(p, i++);
  if (u < 0xD800 || u > 0xDFFF) {
    cp = u;
    return true;
  }
  if (u > 0xDBFF || i == units) return false;
  uint32_t lo = unitAt(p, i);
  if (lo < 0xDC00 || lo > 0xDFFF) return false;
  ++i;
  cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
  return true;
}

// Two passes over guest memory (validate and measure, then encode): one exact allocation.
Result<void> loadUtf16(Lifter& l, uint32_t ptr, uint32_t units, Val& out) {
  TERN_TRY(checkRange(l.cx, ptr, uint64_t{units} * 2, 2, "string"));
  const uint8_t* src = l.cx.options.memory->data() + ptr;
  size_t length = 0;
  for (size_t i = 0; i < units;) {
    uint32_t cp = 0;
    if (!decodeUtf16(src, units, i, cp)) {
      return abiTrap("invalid UTF-16 in string at ", std::to_string(ptr),
                     ": unpaired surrogate at unit ", std::to_string(i - 1));
    }
    length += utf8Length(cp);
  }
  TERN_TRY(l.charge(length));
  out.bytes.resize(length);
  char* dst = out.bytes.data();
  for (size_t i = 0; i < units;) {
    uint32_t cp = 0;
    decodeUtf16(src, units, i, cp);
    dst = appendUtf8(dst, cp);
  }
  return {};
}

Result<void> loadLatin1(Lifter& l, uint32_t ptr, uint32_t bytes, Val& out) {
  TERN_TRY(checkRange(l.cx, ptr, bytes, 2, "string"));
  const uint8_t* src = l.cx.options.memory->data() + ptr;
  size_t length = bytes;
  for (uint32_t i = 0; i < bytes; ++i) length += src[i] >> 7;
  TERN_TRY(l.charge(length));
  out.bytes.resize(length);
  char* dst = out.bytes.data();
  for (uint32_t i = 0; i < bytes; ++i) dst = appendUtf8(dst, src[i]);
  return {};
}

Result<void> checkLength(uint64_t bytes) {
  if (bytes > kMaxStringByteLength) {
    return abiTrap("string of ", std::to_string(bytes), " bytes exceeds the ",
                   std::to_string(kMaxStringByteLength), "-byte limit");
  }
  return {};
}

// Spec: store_string_copy from UTF-8.
Result<Range> storeUtf8(CanonContext& cx, const std::string& src) {
  TERN_TRY(checkLength(src.size()));
  auto n = static_cast<uint32_t>(src.size());
  auto ptr = callRealloc(cx, 0, 0, 1, n);
  if (!ptr) return fail(std::move(ptr).error());
  if (n) std::memcpy(cx.options.memory->data() + *ptr, src.data(), n);
  return Range{*ptr, n};
}

// Writes the UTF-16 encoding of [p, end) at dst; returns the number of code units written.
uint32_t encodeUtf16(const uint8_t* p, const uint8_t* end, uint8_t* dst) {
  uint32_t units = 0;
  while (p < end) {
    uint32_t cp = 0;
    decodeUtf8(p, end, cp);  // the source was validated
    if (cp >= 0x10000) {
      cp -= 0x10000;
      uint16_t pair[2] = {static_cast<uint16_t>(0xD800 + (cp >> 10)),
                          static_cast<uint16_t>(0xDC00 + (cp & 0x3FF))};
      std::memcpy(dst + 2 * units, pair, 4);
      units += 2;
    } else {
      auto u = static_cast<uint16_t>(cp);
      std::memcpy(dst + 2 * units, &u, 2);
      units += 1;
    }
  }
  return units;
}

// Spec: store_utf8_to_utf16 (worst case 2 bytes per UTF-8 byte, then shrink).
Result<Range> storeUtf8ToUtf16(CanonContext& cx, const std::string& src) {
  uint64_t worst = 2 * uint64_t{src.size()};
  TERN_TRY(checkLength(worst));
  auto ptr = callRealloc(cx, 0, 0, 2, static_cast<uint32_t>(worst));
  if (!ptr) return fail(std::move(ptr).error());
  auto* begin = reinterpret_cast<const uint8_t*>(src.data());
  uint32_t units = encodeUtf16(begin, begin + src.size(), cx.options.memory->data() + *ptr);
  if (2 * uint64_t{units} < worst) {
    ptr = callRealloc(cx, *ptr, static_cast<uint32_t>(worst), 2, 2 * units);
    if (!ptr) return fail(std::move(ptr).error());
  }
  return Range{*ptr, units};
}

// Spec: store_string_to_latin1_or_utf16. Optimistically Latin-1; at the first code point above
// U+00FF, grows to the UTF-16 worst case, inflates the Latin-1 prefix in place and goes on in
// UTF-16.
Result<Range> storeUtf8ToLatin1OrUtf16(CanonContext& cx, const std::string& src) {
  auto n = static_cast<uint32_t>(src.size());
  TERN_TRY(checkLength(n));
  auto ptr = callRealloc(cx, 0, 0, 2, n);
  if (!ptr) return fail(std::move(ptr).error());
  auto* p = reinterpret_cast<const uint8_t*>(src.data());
  const uint8_t* end = p + n;
  uint32_t latin1 = 0;
  while (p < end) {
    const uint8_t* at = p;
    uint32_t cp = 0;
    decodeUtf8(p, end, cp);
    if (cp < 0x100) {
      cx.options.memory->data()[*ptr + latin1++] = static_cast<uint8_t>(cp);
      continue;
    }
    uint64_t worst = 2 * uint64_t{n};
    TERN_TRY(checkLength(worst));
    ptr = callRealloc(cx, *ptr, n, 2, static_cast<uint32_t>(worst));
    if (!ptr) return fail(std::move(ptr).error());
    uint8_t* dst = cx.options.memory->data() + *ptr;
    for (uint32_t j = latin1; j-- > 0;) {
      dst[2 * j] = dst[j];
      dst[2 * j + 1] = 0;
    }
    uint32_t units = latin1 + encodeUtf16(at, end, dst + 2 * latin1);
    if (worst > 2 * uint64_t{units}) {
      ptr = callRealloc(cx, *ptr, static_cast<uint32_t>(worst), 2, 2 * units);
      if (!ptr) return fail(std::move(ptr).error());
    }
    return Range{*ptr, units | kUtf16Tag};
  }
  if (latin1 < n) {
    ptr = callRealloc(cx, *ptr, n, 2, latin1);
    if (!ptr) return fail(std::move(ptr).error());
  }
  return Range{*ptr, latin1};
}

}  // namespace

Result<void> loadString(Lifter& l, uint32_t ptr, uint32_t tagged_units, Val& out) {
  out.kind = TypeKind::kString;
  switch (l.cx.options.encoding) {
    case StringEncoding::kUtf8: {
      TERN_TRY(checkRange(l.cx, ptr, tagged_units, 1, "string"));
      const uint8_t* src = l.cx.options.memory->data() + ptr;
      if (!validUtf8(src, tagged_units)) {
        return abiTrap("invalid UTF-8 in string at ", std::to_string(ptr), " (",
                       std::to_string(tagged_units), " bytes)");
      }
      TERN_TRY(l.charge(tagged_units));
      out.bytes.assign(reinterpret_cast<const char*>(src), tagged_units);
      return {};
    }
    case StringEncoding::kUtf16: return loadUtf16(l, ptr, tagged_units, out);
    case StringEncoding::kLatin1Utf16:
      if (tagged_units & kUtf16Tag) return loadUtf16(l, ptr, tagged_units ^ kUtf16Tag, out);
      return loadLatin1(l, ptr, tagged_units, out);
  }
  return abiTrap("unknown string encoding");
}

Result<Range> storeString(CanonContext& cx, const ValType& t, const Val& v) {
  TERN_TRY(checkKind(t, v));
  if (!validUtf8(reinterpret_cast<const uint8_t*>(v.bytes.data()), v.bytes.size())) {
    return mismatch(t, v, "invalid UTF-8");
  }
  TERN_TRY(memoryOf(cx));
  switch (cx.options.encoding) {
    case StringEncoding::kUtf8: return storeUtf8(cx, v.bytes);
    case StringEncoding::kUtf16: return storeUtf8ToUtf16(cx, v.bytes);
    case StringEncoding::kLatin1Utf16: return storeUtf8ToLatin1OrUtf16(cx, v.bytes);
  }
  return abiTrap("unknown string encoding");
}

}  // namespace tern::component::canon_detail
