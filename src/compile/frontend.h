// Front end: decode and validate a Wasm binary with libwabt, producing ModuleInfo plus the wabt
// IR that code generation walks.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "compile/module_info.h"

namespace wabt {
struct Module;
}

namespace tern::compile {

struct DecodedModule {
  DecodedModule();
  ~DecodedModule();
  DecodedModule(DecodedModule&&) noexcept;
  DecodedModule& operator=(DecodedModule&&) noexcept;

  std::unique_ptr<wabt::Module> ir;  // function bodies for codegen; validated
  ModuleInfo info;

  // For trap backtraces (compile/code_map.h). Module-relative byte offsets.
  uint32_t code_section_offset = 0;  // start of the code section's payload (DWARF addresses' base)
  uint32_t code_section_size = 0;
  std::vector<uint32_t> first_instr_offsets;  // per function index (0 for imports)
  std::vector<uint32_t> body_ends;            // per function index: just past the body's `end`
  // The module's ".debug_*" custom sections (name with the dot, contents), when it has DWARF.
  std::vector<std::pair<std::string, std::vector<uint8_t>>> dwarf_sections;
};

// Decodes and validates. Errors: kMalformed (binary decoding failed) or kInvalid (validation
// failed), each with "at 0x<offset>: <reason>"; kUnsupported for post-2.0 features. Never throws
// or aborts on any input.
Result<DecodedModule> decodeModule(std::span<const uint8_t> wasm);

}  // namespace tern::compile
