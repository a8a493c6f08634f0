// The contract between generated machine code and the runtime: struct layouts and signatures.
//
// Generated code reads these structs at fixed offsets (static_asserts below pin them), so any
// change here must be mirrored in codegen (see kOff* constants) and bumps kEngineAbiVersion, which
// is part of every artifact's cache key.
//
// Calling convention of every Wasm function (defined or imported), C ABI:
//   Ret fn(VMContext* callee, VMContext* caller, Params...)
// where Ret is void, the single result, or a struct of the results. For host functions `callee`
// is really a HostFuncContext*; generated host adapters know this.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tern::vm {

// 2: generated code carries per-site trap calls and a code map (trap backtraces).
inline constexpr uint32_t kEngineAbiVersion = 2;

struct VMContext;

// One 16-byte slot per value when values cross the host boundary (fits v128).
struct alignas(16) RawValue {
  uint8_t bytes[16];
};

// A function reference: what tables hold and what `call_indirect` calls through.
struct VMFuncRef {
  void* code;          // native code with the Wasm calling convention above
  uint32_t type_id;    // engine-wide canonical signature id
  uint32_t pad;
  VMContext* context;  // passed as `callee`
};

struct VMMemory {
  uint8_t* base;        // start of the reservation; never moves
  uint64_t size_bytes;  // current accessible size (pages * 64 KiB)
};

// Tables hold references: VMFuncRef* for funcref, an opaque host word for externref (0 = null).
struct VMTable {
  void** elements;
  uint32_t size;
  uint32_t max;
};

struct alignas(16) VMGlobal {
  RawValue value;
};

// Per-store limits, shared by every instance of a store, read by generated code.
struct VMLimits {
  uintptr_t stack_limit;         // trap when the native stack pointer goes below this
  const uint64_t* epoch;         // engine-wide epoch counter, ticks every millisecond
  uint64_t deadline_epoch;       // trap (kDeadline) when *epoch >= deadline_epoch
};

// Runtime entry points that generated code calls indirectly through VMContext::helpers, so that
// compiled objects carry no external symbol references and load without symbol resolution.
struct VMHelpers {
  // Never returns ([[noreturn]] cannot apply to a pointer; clang rejects it).
  void (*trap)(VMContext* ctx, uint32_t kind);
  uint32_t (*memory_grow)(VMContext* ctx, uint32_t memory, uint32_t delta_pages);
  void (*memory_fill)(VMContext* ctx, uint32_t memory, uint32_t dst, uint32_t value, uint32_t n);
  void (*memory_copy)(VMContext* ctx, uint32_t dst_mem, uint32_t src_mem, uint32_t dst,
                      uint32_t src, uint32_t n);
  void (*memory_init)(VMContext* ctx, uint32_t memory, uint32_t segment, uint32_t dst,
                      uint32_t src, uint32_t n);
  void (*data_drop)(VMContext* ctx, uint32_t segment);
  uint32_t (*table_grow)(VMContext* ctx, uint32_t table, void* init, uint32_t delta);
  void (*table_fill)(VMContext* ctx, uint32_t table, uint32_t dst, void* value, uint32_t n);
  void (*table_copy)(VMContext* ctx, uint32_t dst_table, uint32_t src_table, uint32_t dst,
                     uint32_t src, uint32_t n);
  void (*table_init)(VMContext* ctx, uint32_t table, uint32_t segment, uint32_t dst, uint32_t src,
                     uint32_t n);
  void (*elem_drop)(VMContext* ctx, uint32_t segment);
  void (*deadline)(VMContext* ctx);  // called when the epoch check fires; traps or returns
};

// Per-instance context. Arrays are owned by the instance; pointers never change after
// instantiation except the contents of tables, globals and memories.
struct VMContext {
  uint8_t* memory0_base;          // base of memory 0 (fixed for the memory's lifetime) or null
  VMLimits* limits;               // the store's limits
  const VMHelpers* helpers;
  VMMemory** memories;            // [num memories]
  VMTable** tables;               // [num tables]
  VMGlobal** globals;             // [num globals]
  VMFuncRef* funcs;               // [num funcs]: imports resolved, then defined functions
  const uint32_t* type_ids;       // [num types]: canonical id of each module type
  void* instance;                 // the owning runtime Instance (opaque to generated code)
};

// Offsets generated code uses.
inline constexpr uint32_t kOffMemory0Base = offsetof(VMContext, memory0_base);
inline constexpr uint32_t kOffLimits = offsetof(VMContext, limits);
inline constexpr uint32_t kOffHelpers = offsetof(VMContext, helpers);
inline constexpr uint32_t kOffMemories = offsetof(VMContext, memories);
inline constexpr uint32_t kOffTables = offsetof(VMContext, tables);
inline constexpr uint32_t kOffGlobals = offsetof(VMContext, globals);
inline constexpr uint32_t kOffFuncs = offsetof(VMContext, funcs);
inline constexpr uint32_t kOffTypeIds = offsetof(VMContext, type_ids);
static_assert(kOffMemory0Base == 0 && kOffLimits == 8 && kOffHelpers == 16 && kOffMemories == 24 &&
              kOffTables == 32 && kOffGlobals == 40 && kOffFuncs == 48 && kOffTypeIds == 56);
static_assert(sizeof(VMFuncRef) == 24 && offsetof(VMFuncRef, type_id) == 8 &&
              offsetof(VMFuncRef, context) == 16);
static_assert(offsetof(VMMemory, size_bytes) == 8);
static_assert(offsetof(VMTable, size) == 8);
static_assert(offsetof(VMLimits, epoch) == 8 && offsetof(VMLimits, deadline_epoch) == 16);

// Host function context: `callee` for host functions. The generated adapter for a signature
// spills the arguments into RawValue slots, calls `dispatch`, and reads the results back from the
// same slots (results overwrite arguments from slot 0).
struct HostFuncContext {
  void (*dispatch)(HostFuncContext* self, VMContext* caller, RawValue* slots);
};

// Generated per module type: call `code` (Wasm convention) with arguments from `slots`, then
// store the results into `slots` from slot 0. Entered from the host through the trap boundary.
using EntryTrampoline = void (*)(void* code, VMContext* callee, VMContext* caller, RawValue* slots);

// Trap kinds, shared by generated code and the runtime.
enum class TrapKind : uint32_t {
  kUnreachable = 1,
  kMemoryOutOfBounds,
  kTableOutOfBounds,
  kIndirectCallNull,
  kIndirectCallSignature,
  kIntegerDivideByZero,
  kIntegerOverflow,
  kInvalidConversion,
  kStackExhausted,
  kDeadline,
  kNullReference,  // reserved
  kHost,           // a host function trapped; the message is kept by the runtime
  kExit,           // the guest called proc_exit; the status is kept by the runtime
};

const char* trapMessage(TrapKind kind);

}  // namespace tern::vm
