// ModuleInfo: everything about a decoded module except function bodies, in Tern's own types.
//
// Built by the wabt front end from a validated module; serialised into the artifact cache so a
// cached module loads without re-decoding. Plain data, immutable once built, safe to share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace tern::compile {

enum class ValType : uint8_t { kI32, kI64, kF32, kF64, kV128, kFuncRef, kExternRef };
enum class ExternKind : uint8_t { kFunc, kTable, kMemory, kGlobal };

const char* valTypeName(ValType type);
const char* externKindName(ExternKind kind);
inline bool isRef(ValType t) { return t == ValType::kFuncRef || t == ValType::kExternRef; }

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
  std::string toString() const;  // "(i32, i64) -> (f32)"
};

struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;
  bool operator==(const Limits&) const = default;
};

struct TableType {
  ValType element = ValType::kFuncRef;
  Limits limits;
};

struct GlobalType {
  ValType type = ValType::kI32;
  bool is_mutable = false;
};

// A constant expression (2.0): one value-producing instruction.
struct ConstExpr {
  enum class Kind : uint8_t { kValue, kRefNull, kRefFunc, kGlobalGet };
  Kind kind = Kind::kValue;
  ValType type = ValType::kI32;
  uint8_t bytes[16] = {};  // little-endian value for kValue
  uint32_t index = 0;      // function for kRefFunc, global for kGlobalGet
};

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  uint32_t index = 0;  // index in its own space (function, table, memory, global)
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  uint32_t index = 0;
};

enum class SegmentMode : uint8_t { kActive, kPassive, kDeclared };

struct ElemSegment {
  SegmentMode mode = SegmentMode::kActive;
  ValType type = ValType::kFuncRef;
  uint32_t table = 0;
  ConstExpr offset;
  std::vector<ConstExpr> items;
};

struct DataSegment {
  SegmentMode mode = SegmentMode::kActive;
  uint32_t memory = 0;
  ConstExpr offset;
  std::vector<uint8_t> bytes;
};

struct ModuleInfo {
  std::vector<FuncType> types;
  std::vector<Import> imports;
  std::vector<Export> exports;
  // Index spaces, imports first.
  std::vector<uint32_t> func_types;  // type index of every function
  std::vector<TableType> tables;
  std::vector<Limits> memories;
  std::vector<GlobalType> globals;
  std::vector<ConstExpr> global_inits;  // for defined globals only (index - num_imported_globals)
  uint32_t num_imported_funcs = 0;
  uint32_t num_imported_tables = 0;
  uint32_t num_imported_memories = 0;
  uint32_t num_imported_globals = 0;
  std::optional<uint32_t> start;
  std::vector<ElemSegment> elems;
  std::vector<DataSegment> datas;
  std::vector<std::string> func_names;  // from the name section; empty string when absent

  uint32_t numDefinedFuncs() const {
    return static_cast<uint32_t>(func_types.size()) - num_imported_funcs;
  }
  const FuncType& funcType(uint32_t func) const { return types[func_types[func]]; }
  const Export* findExport(std::string_view name) const;
};

// Byte serialisation for the artifact cache. Deserialising checks every length against the
// remaining input; a short or inconsistent buffer is an error (kCache), never a crash.
std::vector<uint8_t> serialize(const ModuleInfo& info);
Result<ModuleInfo> deserializeModuleInfo(const uint8_t* data, size_t size);

}  // namespace tern::compile
