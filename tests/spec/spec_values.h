// Spec-test values: wast2json argument/expected JSON to engine Values, and spec-exact comparison.
//
// wast2json writes every number as the decimal string of its unsigned bit pattern (floats too),
// v128 as a lane type plus one such string per lane, and references as "null" or a decimal host
// number. Expected floats may instead be "nan:canonical" or "nan:arithmetic" (spec 4.3.3 NaN
// classes), per scalar or per v128 lane.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "instance/value.h"

namespace tern::spec {

using instance::ValType;
using instance::Value;

enum class NanClass : uint8_t { kNone, kCanonical, kArithmetic };

// How a v128 (or a scalar, as a single lane) is split into lanes.
enum class LaneKind : uint8_t { kI8, kI16, kI32, kI64, kF32, kF64 };

struct ExpectedLane {
  uint64_t bits = 0;  // exact bit pattern when nan == kNone
  NanClass nan = NanClass::kNone;
};

// One expected result of an assert_return.
struct Expected {
  ValType type = ValType::kI32;
  LaneKind lane = LaneKind::kI32;   // scalars: their own kind; v128: the JSON lane_type
  bool any_value = false;           // JSON had no "value" (only the type is checked)
  bool any_non_null = false;        // funcref expected non-null: any non-null reference matches
  uint64_t ref_word = 0;            // references: the exact word (0 = null) unless any_non_null
  std::vector<ExpectedLane> lanes;  // numbers and v128; one lane for scalars
};

// Parses a type name as wast2json writes it ("i32", "v128", "funcref", "externref", ...).
Result<ValType> parseValType(const std::string& name);

// An argument value. Externref N becomes Value::ref(kExternRef, N + 1) so that 0 stays null; a
// funcref argument can only be null (the script has no way to name a function).
Result<Value> parseArg(const nlohmann::json& json);

// An expected result; NaN classes are allowed here, not in arguments.
Result<Expected> parseExpected(const nlohmann::json& json);

// True when `actual` has the expected type and matches bit for bit, or is in the NaN class.
bool matches(const Expected& expected, const Value& actual);

// Human-readable text for failure reports: "i32:42", "f32:nan:canonical",
// "v128:f32x4[0x3f800000 nan:arithmetic ...]". `actual` is shown in the expected lane shape.
std::string describe(const Expected& expected);
std::string describe(const Value& actual, LaneKind v128_shape = LaneKind::kI32);

}  // namespace tern::spec
