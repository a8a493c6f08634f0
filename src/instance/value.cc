// Printing of Values: integers in signed decimal, floats in shortest round-trip form.
#include "instance/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace tern::instance {

namespace {
template <class F>
std::string floatText(F v, uint64_t bits, int mantissa_bits) {
  if (std::isnan(v)) {
    uint64_t payload = bits & ((uint64_t{1} << mantissa_bits) - 1);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%snan:0x%llx", std::signbit(v) ? "-" : "",
                  static_cast<unsigned long long>(payload));
    return buf;
  }
  if (std::isinf(v)) return std::signbit(v) ? "-inf" : "inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}
}  // namespace

std::string Value::toString() const {
  switch (type) {
    case ValType::kI32: return std::to_string(asI32());
    case ValType::kI64: return std::to_string(asI64());
    case ValType::kF32: return floatText(asF32(), asF32Bits(), 23);
    case ValType::kF64: return floatText(asF64(), asF64Bits(), 52);
    case ValType::kV128: {
      std::string s = "v128 i32x4";
      for (int i = 0; i < 4; ++i) {
        uint32_t lane;
        std::memcpy(&lane, raw.bytes + 4 * i, 4);
        char buf[16];
        std::snprintf(buf, sizeof buf, " 0x%08x", lane);
        s += buf;
      }
      return s;
    }
    case ValType::kFuncRef:
    case ValType::kExternRef: {
      std::string s = compile::valTypeName(type);
      if (asRef() == 0) return s + " null";
      char buf[32];
      std::snprintf(buf, sizeof buf, " 0x%llx", static_cast<unsigned long long>(asRef()));
      return s + buf;
    }
  }
  return "?";
}

}  // namespace tern::instance
