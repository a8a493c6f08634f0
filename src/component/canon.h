// The canonical ABI (component-model spec, CanonicalABI.md): flattening, and lifting/lowering
// WIT values to and from core Wasm values and linear memory.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/result.h"
#include "component/val.h"
#include "instance/engine.h"

namespace tern::component {

enum class StringEncoding : uint8_t { kUtf8, kUtf16, kLatin1Utf16 };

// The `canonopt`s of one canon lift/lower. memory/realloc may be null when the signature needs
// none (validation guarantees they are present otherwise).
struct CanonOptions {
  StringEncoding encoding = StringEncoding::kUtf8;
  instance::Memory* memory = nullptr;
  instance::Func* realloc = nullptr;      // (old_ptr, old_size, align, new_size) -> ptr
  instance::Func* post_return = nullptr;  // lift only
};

// Resource handle conversions, provided by the instance whose handle table is involved.
// Errors trap the caller (unknown handle, wrong type, own handle still lent out, ...).
class HandleOps {
 public:
  virtual ~HandleOps() = default;
  // Guest handle -> rep. liftOwn removes the handle from the table (ownership moves out);
  // liftBorrow leaves it in place.
  virtual Result<uint32_t> liftOwn(const ResourceType* type, uint32_t handle) = 0;
  virtual Result<uint32_t> liftBorrow(const ResourceType* type, uint32_t handle) = 0;
  // Rep -> new guest handle. lowerBorrow handles are dropped when the call that received them
  // returns (the instance tracks them per call).
  virtual Result<uint32_t> lowerOwn(const ResourceType* type, uint32_t rep) = 0;
  virtual Result<uint32_t> lowerBorrow(const ResourceType* type, uint32_t rep) = 0;
};

struct CanonContext {
  instance::Store& store;
  const CanonOptions& options;
  HandleOps& handles;
};

// Spec limits: at most 16 flat params and 1 flat result, else passed through memory.
constexpr size_t kMaxFlatParams = 16;
constexpr size_t kMaxFlatResults = 1;

// Appends the flattened core types of `type` (spec: flatten_type).
void flattenType(const ValType& type, std::vector<compile::ValType>& out);

// The core signature of a function (spec: flatten_functype). `lower`: the signature of a
// `canon lower`ed import (results spilled to a caller-provided pointer param); otherwise of the
// core function a `canon lift` wraps (results spilled to a returned pointer).
struct FlatSig {
  std::vector<compile::ValType> params;
  std::vector<compile::ValType> results;
  bool params_in_memory = false;   // one i32 pointer param instead of the flat params
  bool results_in_memory = false;  // lower: a trailing i32 out-pointer param; lift: an i32 result
};
FlatSig flattenFunc(const FuncSig& sig, bool lower);
compile::FuncType coreFuncType(const FlatSig& flat);

// Size and alignment in linear memory (spec: elem_size, alignment).
uint32_t sizeOf(const ValType& type);
uint32_t alignOf(const ValType& type);

// Reads one value of `type` stored at `ptr` (spec: load). Misaligned or out-of-bounds pointers,
// invalid UTF-8/16, invalid char, discriminant out of range, and lifted values taking more
// host memory than the guest memory's size + limits::kMaxCanonLiftBytes -> kTrap error. Any
// non-zero bool byte is true; flags bits beyond the last label are ignored (spec:
// unpack_flags_from_int); NaNs come out canonical.
Result<Val> load(CanonContext& cx, const ValType& type, uint32_t ptr);
// Writes `val` at `ptr` (spec: store); strings and lists are copied into memory obtained with
// realloc, whose results are checked (alignment, bounds). `val` must match `type` (kind, integer
// range, case and payload, field count, known flags, valid UTF-8, Unicode scalar), else kTrap
// naming both. NaNs are stored canonical.
Result<void> store(CanonContext& cx, const ValType& type, const Val& val, uint32_t ptr);

// Lifts the values of `types` from flat core values (spec: lift_flat_values with the
// MAX_FLAT limit `max_flat`: when exceeded, flat holds a single i32 pointer to a tuple in memory).
// Flat values of the wrong number or core type -> kTrap; otherwise the traps of load().
Result<std::vector<Val>> liftFlatValues(CanonContext& cx, std::span<const ValType* const> types,
                                        std::span<const instance::Value> flat, size_t max_flat);
// Lowers `vals` to flat core values (spec: lower_flat_values), replacing the contents of `flat`
// (its capacity is reused: no allocation when it is large enough). When the flat count exceeds
// `max_flat`: if `out_ptr` is given, the tuple is stored there (lowered-import results) and
// `flat` stays empty; otherwise memory is allocated with realloc and its pointer is the one flat
// value (lifted-export params).
Result<void> lowerFlatValues(CanonContext& cx, std::span<const ValType* const> types,
                             std::span<const Val> vals, size_t max_flat,
                             std::vector<instance::Value>& flat,
                             const uint32_t* out_ptr = nullptr);

}  // namespace tern::component
