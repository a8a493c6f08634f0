// Tern's one error type: a code from a table grouped by stage, plus a human-readable message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tern {

// Grouped by the stage that produces them; logs read "<stage>: <message>".
enum class ErrorCode : uint16_t {
  // common
  kIo,
  kInvalidArgument,
  kResourceExhausted,
  // compile
  kMalformed,    // the bytes are not a Wasm binary (decode error)
  kInvalid,      // decodes but fails validation
  kUnsupported,  // valid Wasm that uses a feature the engine does not implement
  kCodegen,      // LLVM failed; an engine bug
  kCache,        // artifact cache problem (the caller recompiles)
  // instance
  kUnlinkable,     // import missing or of the wrong type
  kUninstantiable, // a start function or segment initialisation trapped
  kTrap,           // the guest trapped; see TrapKind in instance/trap.h
  kExit,           // the guest asked to exit (WASI proc_exit); Error::detail holds the status
};

std::string_view stageOf(ErrorCode code);
std::string_view nameOf(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;
  // Code-specific payload: the TrapKind for kTrap, the exit status for kExit.
  int32_t detail = 0;

  // "compile: invalid module at 0x1f: type mismatch" style text.
  std::string toString() const;
};

}  // namespace tern
