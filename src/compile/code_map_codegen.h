// The LLVM half of CodeMap construction (libtern_codegen.so only): reads line tables back from
// generated objects and from a module's DWARF custom sections, and strips debug sections.
#pragma once

#include <cstdint>
#include <vector>

#include "common/result.h"
#include "compile/code_map.h"
#include "compile/frontend.h"

namespace tern::compile {

// Address rows of every tern_f<i> function in `object`, from its .debug_line (whose lines are
// Wasm offsets, see translator_location.cc). body_offset/body_end are left for the caller.
Result<std::vector<FunctionMap>> readAddressMaps(const std::vector<uint8_t>& object);

// `object` without its .debug_* sections (what the artifact stores and the loader maps).
Result<std::vector<uint8_t>> stripDebugSections(const std::vector<uint8_t>& object);

// The module's DWARF line table as CodeMap::files/source (empty when the module has no DWARF or
// it cannot be read: backtraces then show names and offsets only).
void readSourceLines(const DecodedModule& module, CodeMap& out);

}  // namespace tern::compile
