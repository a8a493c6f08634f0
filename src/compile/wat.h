// Text format support: `.wat` files are converted to binary with wabt before compiling.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace tern::compile {

// True when `bytes` starts with the Wasm binary magic.
bool isWasmBinary(std::span<const uint8_t> bytes);

// Parses WebAssembly text and returns the binary encoding; kMalformed with line:column on error.
Result<std::vector<uint8_t>> watToWasm(std::string_view filename, std::span<const uint8_t> text);

}  // namespace tern::compile
