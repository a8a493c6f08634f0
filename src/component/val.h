// Component-model value types and values as the host sees them (WIT-level, not core Wasm).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::component {

// Component-model value type kinds (spec: "defvaltype"/"primvaltype").
enum class TypeKind : uint8_t {
  kBool, kS8, kU8, kS16, kU16, kS32, kU32, kS64, kU64, kF32, kF64, kChar, kString,
  kList, kRecord, kTuple, kVariant, kEnum, kOption, kResult, kFlags, kOwn, kBorrow,
};

std::string_view typeKindName(TypeKind kind);

// Identity of a resource type. Host resources are created by ComponentLinker::defineResource
// (one object per interface+name, shared by every 0.2.x version); guest-defined resources get one
// per component instance. Compared by address.
struct ResourceType {
  std::string name;  // "wasi:io/streams@0.2.output-stream" or "<component>#<local name>"
  bool host = false;
};

// A resolved value type. Immutable; owned by the Component (or test) that built it and valid for
// its lifetime. Field use by kind:
//   kList/kOption: elems[0] = element type
//   kRecord: labels = field names, elems = field types
//   kTuple: elems = item types
//   kVariant: labels = case names, elems = case payload types (nullptr = no payload)
//   kEnum/kFlags: labels = case/flag names
//   kResult: elems = {ok, err}, each nullptr when absent
//   kOwn/kBorrow: resource
struct ValType {
  TypeKind kind = TypeKind::kBool;
  std::vector<std::string> labels;
  std::vector<const ValType*> elems;
  const ResourceType* resource = nullptr;
};

// A component function's signature.
struct FuncSig {
  std::vector<std::pair<std::string, const ValType*>> params;
  std::vector<const ValType*> results;  // 0 or 1 (named multi-results are not in WASI 0.2)
};

// A WIT-level value. Which members are used depends on `kind`:
//   kBool: b; kS8..kS64: i; kU8..kU64: u; kF32: f32; kF64: f64; kChar: ch (a Unicode scalar)
//   kString: bytes (UTF-8, always valid)
//   kList: list<u8> in bytes (fast path for buffers), any other element type in items
//   kRecord/kTuple: items, one per field
//   kVariant: disc = case index, items = {payload} or {}
//   kEnum: disc; kOption: disc 0 = none, 1 = some (items = {value})
//   kResult: disc 0 = ok, 1 = err (items = {payload} or {})
//   kFlags: flags, bit i of word i/32 = flag i
//   kOwn/kBorrow: u = the resource's rep (for host resources: the HostResources key)
struct Val {
  TypeKind kind = TypeKind::kBool;
  uint32_t disc = 0;
  union {
    bool b;
    int64_t i;
    uint64_t u = 0;
    float f32;
    double f64;
    char32_t ch;
  };
  std::string bytes;
  std::vector<Val> items;
  std::vector<uint32_t> flags;

  static Val boolean(bool v) { Val x; x.kind = TypeKind::kBool; x.b = v; return x; }
  static Val s32(int32_t v) { return sint(TypeKind::kS32, v); }
  static Val s64(int64_t v) { return sint(TypeKind::kS64, v); }
  static Val u8(uint8_t v) { return uint(TypeKind::kU8, v); }
  static Val u16(uint16_t v) { return uint(TypeKind::kU16, v); }
  static Val u32(uint32_t v) { return uint(TypeKind::kU32, v); }
  static Val u64(uint64_t v) { return uint(TypeKind::kU64, v); }
  static Val sint(TypeKind k, int64_t v) { Val x; x.kind = k; x.i = v; return x; }
  static Val uint(TypeKind k, uint64_t v) { Val x; x.kind = k; x.u = v; return x; }
  static Val float32(float v) { Val x; x.kind = TypeKind::kF32; x.f32 = v; return x; }
  static Val float64(double v) { Val x; x.kind = TypeKind::kF64; x.f64 = v; return x; }
  static Val character(char32_t v) { Val x; x.kind = TypeKind::kChar; x.ch = v; return x; }
  static Val string(std::string s) { Val x; x.kind = TypeKind::kString; x.bytes = std::move(s); return x; }
  static Val byteList(std::string data) { Val x; x.kind = TypeKind::kList; x.bytes = std::move(data); return x; }
  static Val list(std::vector<Val> items) { Val x; x.kind = TypeKind::kList; x.items = std::move(items); return x; }
  static Val record(std::vector<Val> fields) { Val x; x.kind = TypeKind::kRecord; x.items = std::move(fields); return x; }
  static Val tuple(std::vector<Val> items) { Val x; x.kind = TypeKind::kTuple; x.items = std::move(items); return x; }
  static Val variant(uint32_t c) { Val x; x.kind = TypeKind::kVariant; x.disc = c; return x; }
  static Val variant(uint32_t c, Val payload) { Val x = variant(c); x.items.push_back(std::move(payload)); return x; }
  static Val enumCase(uint32_t c) { Val x; x.kind = TypeKind::kEnum; x.disc = c; return x; }
  static Val none() { Val x; x.kind = TypeKind::kOption; return x; }
  static Val some(Val v) { Val x; x.kind = TypeKind::kOption; x.disc = 1; x.items.push_back(std::move(v)); return x; }
  static Val ok() { Val x; x.kind = TypeKind::kResult; return x; }
  static Val ok(Val v) { Val x = ok(); x.items.push_back(std::move(v)); return x; }
  static Val err() { Val x; x.kind = TypeKind::kResult; x.disc = 1; return x; }
  static Val err(Val v) { Val x = err(); x.items.push_back(std::move(v)); return x; }
  static Val own(uint32_t rep) { return uint(TypeKind::kOwn, rep); }
  static Val borrow(uint32_t rep) { return uint(TypeKind::kBorrow, rep); }

  bool isSome() const { return disc == 1; }
  bool isOk() const { return disc == 0; }
  const Val& payload() const { return items.at(0); }
  uint32_t rep() const { return static_cast<uint32_t>(u); }
};

// "u32", "list<u8>", "result<own<fields>, error-code>": for error messages.
std::string typeName(const ValType& type);

}  // namespace tern::component
