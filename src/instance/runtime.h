// The VMHelpers table that generated code calls for non-inline operations.
#pragma once

#include "compile/vm_abi.h"

namespace tern::instance {

// Process-wide, immutable helper table. Every entry traps via raiseTrap on guest errors.
const vm::VMHelpers& runtimeHelpers();

}  // namespace tern::instance
