// Guest backtraces for trap errors: return addresses recorded at the trap become lines naming the
// Wasm function, its code offset and, when the module has DWARF, the source line.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tern::instance {

// Frames kept per trap (innermost first); deeper ones are only counted.
inline constexpr uint32_t kMaxTrapFrames = 32;

struct TrapFrame {
  uint32_t func_index = 0;
  std::string func_name;                // from the name section (demangled); empty when absent
  std::optional<uint32_t> wasm_offset;  // module-relative byte offset of the instruction
  std::optional<std::string> file;      // from the module's DWARF
  uint32_t line = 0;
  std::string toString() const;  // "handle (src/main.c:42) [func 7 @0x1a3]"
};

// Symbolises guest code addresses: `pcs[0]` is the faulting instruction when `first_is_fault`,
// every other entry a return address. Addresses outside Wasm functions (entry trampolines, host
// adapters, unloaded code) are dropped. Call only while the code is loaded.
std::vector<TrapFrame> symbolize(std::span<const uintptr_t> pcs, bool first_is_fault);

// "\n  0: handle (src/main.c:42) [func 7 @0x1a3]\n  1: ..." (empty when there are no frames),
// with a last line "  ... N more frames" when `more_frames` is not zero.
std::string formatBacktrace(std::span<const uintptr_t> pcs, bool first_is_fault,
                            uint32_t more_frames);

// `text` (an Error's toString()) with a backtrace's line breaks turned into " | ", for logs that
// keep one line per event.
std::string oneLine(std::string text);

}  // namespace tern::instance
