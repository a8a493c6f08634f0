// Value: a typed Wasm value as the host sees it (arguments, results, globals).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "compile/module_info.h"
#include "compile/vm_abi.h"

namespace tern::instance {

using compile::ValType;

struct Value {
  ValType type = ValType::kI32;
  vm::RawValue raw{};  // little-endian payload; refs hold a pointer-sized word (0 = null)

  static Value i32(int32_t v) { return make(ValType::kI32, &v, 4); }
  static Value i64(int64_t v) { return make(ValType::kI64, &v, 8); }
  static Value f32(float v) { return make(ValType::kF32, &v, 4); }
  static Value f64(double v) { return make(ValType::kF64, &v, 8); }
  static Value f32Bits(uint32_t bits) { return make(ValType::kF32, &bits, 4); }
  static Value f64Bits(uint64_t bits) { return make(ValType::kF64, &bits, 8); }
  static Value v128(const uint8_t bytes[16]) { return make(ValType::kV128, bytes, 16); }
  // funcref: a vm::VMFuncRef* (null allowed); externref: an opaque host word (0 = null).
  static Value ref(ValType type, uintptr_t word) { return make(type, &word, sizeof word); }

  int32_t asI32() const { return load<int32_t>(); }
  int64_t asI64() const { return load<int64_t>(); }
  uint32_t asF32Bits() const { return load<uint32_t>(); }
  uint64_t asF64Bits() const { return load<uint64_t>(); }
  float asF32() const { return load<float>(); }
  double asF64() const { return load<double>(); }
  uintptr_t asRef() const { return load<uintptr_t>(); }

  // "42", "-1.5", "nan:0x400000", "v128 i32x4 0x1 0x2 0x3 0x4", "funcref null".
  std::string toString() const;

 private:
  static Value make(ValType t, const void* p, size_t n) {
    Value v;
    v.type = t;
    std::memcpy(v.raw.bytes, p, n);
    return v;
  }
  template <class T>
  T load() const {
    T out;
    std::memcpy(&out, raw.bytes, sizeof out);
    return out;
  }
};

}  // namespace tern::instance
