// Front end: decode and validate a Wasm binary with libwabt, producing ModuleInfo plus the wabt
// IR that code generation walks.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

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
};

// Decodes and validates. Errors: kMalformed (binary decoding failed) or kInvalid (validation
// failed), each with "at 0x<offset>: <reason>"; kUnsupported for post-2.0 features. Never throws
// or aborts on any input.
Result<DecodedModule> decodeModule(std::span<const uint8_t> wasm);

}  // namespace tern::compile
