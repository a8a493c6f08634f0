// The one choke point where guest traps and memory faults become Errors.
//
// callGuarded() runs generated code under a setjmp boundary; raiseTrap() (from runtime helpers
// and host adapters) and the SIGSEGV/SIGBUS handler (for faults inside a registered linear-memory
// reservation) longjmp back to it. Frames between the boundary and the trap must be generated
// code or C++ frames without live destructors.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "compile/vm_abi.h"

namespace tern::instance {

// Runs `fn(arg)` under a trap boundary on this thread; nests. Returns kTrap (detail = TrapKind)
// or kExit (detail = status) errors. A kTrap message is the trap's text (plus the host's message
// for kHost), then one line per guest frame, innermost first (trap_backtrace.h):
//   "integer divide by zero\n  0: handle (src/main.c:42) [func 7 @0x1a3]\n  1: main ..."
// Sets the store limits' stack limit for this thread.
Result<void> callGuarded(vm::VMLimits* limits, void (*fn)(void*), void* arg);

// Records the guest frames (following frame pointers, so its caller must keep one: runtime.cc is
// built with them) and unwinds to the innermost boundary. Only valid while inside callGuarded on
// this thread.
[[noreturn]] void raiseTrap(vm::TrapKind kind);
// Records the message (or exit status) for the pending trap before raiseTrap.
void setPendingTrapMessage(std::string message);
void setPendingExitStatus(int32_t status);
bool insideGuest();

// The Error a trap of `kind` produces (for traps detected outside generated code).
Error trapError(vm::TrapKind kind);

// Linear-memory reservations: faults inside them are out-of-bounds traps. Async-signal-safe
// lookup; registration is rare (pool growth).
void registerGuardedRegion(const void* start, size_t length);
void unregisterGuardedRegion(const void* start);

}  // namespace tern::instance
