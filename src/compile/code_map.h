// CodeMap: native code offsets -> Wasm code offsets -> source lines, for readable trap backtraces.
//
// Built at compile time inside libtern_codegen.so (from the LLVM debug line table of the
// generated objects and, when the module has DWARF, from its .debug_* custom sections), stored in
// the artifact as a compact byte string and decoded only when a trap is symbolised, so loading a
// cached module never pays for it. All Wasm offsets are module-relative byte offsets (what
// wasm-objdump prints), never DWARF's code-section-relative addresses.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace tern::compile {

// Wasm byte offset 0 lies in the module header, never in code: it marks "no Wasm instruction".
inline constexpr uint32_t kNoWasmOffset = 0;

struct AddressRow {
  uint32_t native_offset;  // from the start of the function's machine code
  uint32_t wasm_offset;    // the Wasm instruction the machine code at and after it belongs to
  bool operator==(const AddressRow&) const = default;
};

struct FunctionMap {
  uint32_t func_index = 0;       // in the function index space (imports first)
  uint32_t body_offset = 0;      // Wasm offset of the function body (its locals vector)
  uint32_t body_end = 0;         // Wasm offset just past the body
  std::vector<AddressRow> rows;  // sorted by native_offset, no two consecutive rows equal
  bool operator==(const FunctionMap&) const = default;
};

// One row of the module's DWARF line table; file 0 means "no source here" (a gap).
struct SourceRow {
  uint32_t wasm_offset;
  uint32_t file;  // 1-based index into CodeMap::files
  uint32_t line;
  bool operator==(const SourceRow&) const = default;
};

struct SourceLocation {
  std::string file;
  uint32_t line = 0;
};

struct CodeMap {
  std::vector<FunctionMap> functions;  // sorted by func_index
  std::vector<std::string> files;
  std::vector<SourceRow> source;  // sorted by wasm_offset

  // The Wasm offset of the instruction whose machine code covers `native_offset` of function
  // `func_index`, or nullopt when unknown.
  std::optional<uint32_t> wasmOffset(uint32_t func_index, uint32_t native_offset) const;
  // The defined function whose body contains `wasm_offset`, or nullopt.
  std::optional<uint32_t> functionAt(uint32_t wasm_offset) const;
  // The source line of `wasm_offset` from the module's DWARF, or nullopt.
  std::optional<SourceLocation> sourceAt(uint32_t wasm_offset) const;
  bool operator==(const CodeMap&) const = default;
};

// Compact encoding (LEB128 deltas). decodeCodeMap checks every count and index against the
// input; anything inconsistent is a kCache error, never a crash.
std::vector<uint8_t> encodeCodeMap(const CodeMap& map);
Result<CodeMap> decodeCodeMap(std::span<const uint8_t> bytes);

// Rows as the line table gives them (native offset, Wasm offset; unsorted, repeats allowed)
// become the minimal sorted row list: one row per change of Wasm offset.
std::vector<AddressRow> compactRows(std::vector<AddressRow> rows);

}  // namespace tern::compile
