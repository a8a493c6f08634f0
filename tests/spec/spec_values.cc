// Parsing wast2json values into engine Values and comparing results the way the spec requires.
#include "spec_values.h"

#include <bit>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

namespace tern::spec {
namespace {

unsigned laneBits(LaneKind kind) {
  switch (kind) {
    case LaneKind::kI8:
      return 8;
    case LaneKind::kI16:
      return 16;
    case LaneKind::kI32:
    case LaneKind::kF32:
      return 32;
    case LaneKind::kI64:
    case LaneKind::kF64:
      return 64;
  }
  return 32;
}

unsigned laneCount(LaneKind kind) { return 128 / laneBits(kind); }

uint64_t laneMask(LaneKind kind) {
  unsigned bits = laneBits(kind);
  return bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
}

const char* laneName(LaneKind kind) {
  switch (kind) {
    case LaneKind::kI8:
      return "i8x16";
    case LaneKind::kI16:
      return "i16x8";
    case LaneKind::kI32:
      return "i32x4";
    case LaneKind::kI64:
      return "i64x2";
    case LaneKind::kF32:
      return "f32x4";
    case LaneKind::kF64:
      return "f64x2";
  }
  return "?";
}

Result<LaneKind> parseLaneKind(const std::string& name) {
  if (name == "i8") return LaneKind::kI8;
  if (name == "i16") return LaneKind::kI16;
  if (name == "i32") return LaneKind::kI32;
  if (name == "i64") return LaneKind::kI64;
  if (name == "f32") return LaneKind::kF32;
  if (name == "f64") return LaneKind::kF64;
  return fail(ErrorCode::kInvalidArgument, "unknown lane_type '", name, "'");
}

// wast2json writes unsigned bit patterns; accept a leading '-' too (two's complement).
Result<uint64_t> parseBits(const std::string& text) {
  const char* first = text.data();
  const char* last = first + text.size();
  if (!text.empty() && text[0] == '-') {
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec == std::errc() && ptr == last) return static_cast<uint64_t>(value);
  } else {
    uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec == std::errc() && ptr == last) return value;
  }
  return fail(ErrorCode::kInvalidArgument, "bad number '", text, "'");
}

bool isFloat(LaneKind kind) { return kind == LaneKind::kF32 || kind == LaneKind::kF64; }

// One lane of an expected value: a bit pattern or, for float lanes, a NaN class.
Result<ExpectedLane> parseLane(const std::string& text, LaneKind kind) {
  if (text == "nan:canonical" || text == "nan:arithmetic") {
    if (!isFloat(kind)) return fail(ErrorCode::kInvalidArgument, text, " in an integer lane");
    return ExpectedLane{0, text == "nan:canonical" ? NanClass::kCanonical : NanClass::kArithmetic};
  }
  auto bits = parseBits(text);
  if (!bits) return fail(bits.error());
  return ExpectedLane{*bits & laneMask(kind), NanClass::kNone};
}

// Spec 4.3.3: canonical NaN = exponent all ones, payload exactly the quiet bit (sign either);
// arithmetic NaN = exponent all ones with the quiet bit set (any other payload bits).
bool inNanClass(uint64_t bits, LaneKind kind, NanClass cls) {
  uint64_t magnitude_mask = kind == LaneKind::kF32 ? 0x7fffffffull : 0x7fffffffffffffffull;
  uint64_t canonical = kind == LaneKind::kF32 ? 0x7fc00000ull : 0x7ff8000000000000ull;
  if (cls == NanClass::kCanonical) return (bits & magnitude_mask) == canonical;
  return (bits & canonical) == canonical;
}

uint64_t loadLane(const Value& value, LaneKind kind, unsigned index) {
  unsigned bytes = laneBits(kind) / 8;
  uint64_t out = 0;
  std::memcpy(&out, value.raw.bytes + index * bytes, bytes);  // little-endian host
  return out;
}

std::string laneText(uint64_t bits, LaneKind kind) {
  char buf[64];
  switch (kind) {
    case LaneKind::kF32:
      std::snprintf(buf, sizeof buf, "0x%08" PRIx64 "(%.9g)", bits,
                    static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(bits))));
      break;
    case LaneKind::kF64:
      std::snprintf(buf, sizeof buf, "0x%016" PRIx64 "(%.17g)", bits, std::bit_cast<double>(bits));
      break;
    default:
      std::snprintf(buf, sizeof buf, "%" PRIu64, bits);
      break;
  }
  return buf;
}

std::string expectedLaneText(const ExpectedLane& lane, LaneKind kind) {
  switch (lane.nan) {
    case NanClass::kCanonical:
      return "nan:canonical";
    case NanClass::kArithmetic:
      return "nan:arithmetic";
    case NanClass::kNone:
      break;
  }
  return laneText(lane.bits, kind);
}

LaneKind scalarLane(ValType type) {
  switch (type) {
    case ValType::kI64:
      return LaneKind::kI64;
    case ValType::kF32:
      return LaneKind::kF32;
    case ValType::kF64:
      return LaneKind::kF64;
    default:
      return LaneKind::kI32;
  }
}

std::string refText(ValType type, uintptr_t word) {
  if (word == 0) return "null";
  char buf[32];
  if (type == ValType::kExternRef) {
    std::snprintf(buf, sizeof buf, "%" PRIuPTR, word - 1);  // undo the N+1 encoding
  } else {
    std::snprintf(buf, sizeof buf, "%#" PRIxPTR, word);
  }
  return buf;
}

// A reference's JSON value: "null" -> 0, externref N -> N+1; funcref N is "some function".
Result<uint64_t> parseRefWord(ValType type, const std::string& text, bool* any_non_null) {
  if (text == "null") return 0;
  auto n = parseBits(text);
  if (!n) return fail(n.error());
  if (type == ValType::kFuncRef) {
    if (any_non_null == nullptr) {
      return fail(ErrorCode::kInvalidArgument, "non-null funcref argument ", text);
    }
    *any_non_null = true;
    return 0;
  }
  return *n + 1;
}

}  // namespace

Result<ValType> parseValType(const std::string& name) {
  if (name == "i32") return ValType::kI32;
  if (name == "i64") return ValType::kI64;
  if (name == "f32") return ValType::kF32;
  if (name == "f64") return ValType::kF64;
  if (name == "v128") return ValType::kV128;
  if (name == "funcref") return ValType::kFuncRef;
  if (name == "externref") return ValType::kExternRef;
  return fail(ErrorCode::kInvalidArgument, "unknown value type '", name, "'");
}

Result<Value> parseArg(const nlohmann::json& json) {
  auto type = parseValType(json.at("type").get<std::string>());
  if (!type) return fail(type.error());
  if (!json.contains("value")) return fail(ErrorCode::kInvalidArgument, "argument without value");
  const auto& value = json.at("value");
  if (*type == ValType::kV128) {
    auto lane = parseLaneKind(json.at("lane_type").get<std::string>());
    if (!lane) return fail(lane.error());
    if (!value.is_array() || value.size() != laneCount(*lane)) {
      return fail(ErrorCode::kInvalidArgument, "v128 argument with wrong lane count");
    }
    uint8_t bytes[16] = {};
    unsigned width = laneBits(*lane) / 8;
    for (unsigned i = 0; i < laneCount(*lane); ++i) {
      auto bits = parseBits(value[i].get<std::string>());
      if (!bits) return fail(bits.error());
      std::memcpy(bytes + i * width, &*bits, width);  // little-endian host
    }
    return Value::v128(bytes);
  }
  const std::string text = value.get<std::string>();
  if (isRef(*type)) {
    auto word = parseRefWord(*type, text, nullptr);
    if (!word) return fail(word.error());
    return Value::ref(*type, static_cast<uintptr_t>(*word));
  }
  auto bits = parseBits(text);
  if (!bits) return fail(bits.error());
  switch (*type) {
    case ValType::kI32:
      return Value::i32(static_cast<int32_t>(static_cast<uint32_t>(*bits)));
    case ValType::kI64:
      return Value::i64(static_cast<int64_t>(*bits));
    case ValType::kF32:
      return Value::f32Bits(static_cast<uint32_t>(*bits));
    case ValType::kF64:
      return Value::f64Bits(*bits);
    default:
      break;
  }
  return fail(ErrorCode::kInvalidArgument, "unhandled argument type");
}

Result<Expected> parseExpected(const nlohmann::json& json) {
  Expected out;
  auto type = parseValType(json.at("type").get<std::string>());
  if (!type) return fail(type.error());
  out.type = *type;
  out.lane = scalarLane(*type);
  if (*type == ValType::kV128 && json.contains("lane_type")) {
    auto lane = parseLaneKind(json.at("lane_type").get<std::string>());
    if (!lane) return fail(lane.error());
    out.lane = *lane;
  }
  if (!json.contains("value")) {
    out.any_value = true;
    return out;
  }
  const auto& value = json.at("value");
  if (*type == ValType::kV128) {
    if (!value.is_array() || value.size() != laneCount(out.lane)) {
      return fail(ErrorCode::kInvalidArgument, "v128 expected value with wrong lane count");
    }
    for (const auto& item : value) {
      auto lane = parseLane(item.get<std::string>(), out.lane);
      if (!lane) return fail(lane.error());
      out.lanes.push_back(*lane);
    }
    return out;
  }
  const std::string text = value.get<std::string>();
  if (isRef(*type)) {
    auto word = parseRefWord(*type, text, &out.any_non_null);
    if (!word) return fail(word.error());
    out.ref_word = *word;
    return out;
  }
  auto lane = parseLane(text, out.lane);
  if (!lane) return fail(lane.error());
  out.lanes.push_back(*lane);
  return out;
}

bool matches(const Expected& expected, const Value& actual) {
  if (actual.type != expected.type) return false;
  if (expected.any_value) return true;
  if (isRef(expected.type)) {
    uintptr_t word = actual.asRef();
    return expected.any_non_null ? word != 0 : word == expected.ref_word;
  }
  for (unsigned i = 0; i < expected.lanes.size(); ++i) {
    uint64_t bits = loadLane(actual, expected.lane, i);
    const ExpectedLane& lane = expected.lanes[i];
    bool ok =
        lane.nan == NanClass::kNone ? bits == lane.bits : inNanClass(bits, expected.lane, lane.nan);
    if (!ok) return false;
  }
  return true;
}

std::string describe(const Expected& expected) {
  std::string out = compile::valTypeName(expected.type);
  out += ':';
  if (expected.any_value) return out + "*";
  if (isRef(expected.type)) {
    return out + (expected.any_non_null ? "non-null" : refText(expected.type, expected.ref_word));
  }
  if (expected.type != ValType::kV128)
    return out + expectedLaneText(expected.lanes[0], expected.lane);
  out += laneName(expected.lane);
  out += '[';
  for (size_t i = 0; i < expected.lanes.size(); ++i) {
    if (i) out += ' ';
    out += expectedLaneText(expected.lanes[i], expected.lane);
  }
  return out + ']';
}

std::string describe(const Value& actual, LaneKind v128_shape) {
  std::string out = compile::valTypeName(actual.type);
  out += ':';
  if (isRef(actual.type)) return out + refText(actual.type, actual.asRef());
  if (actual.type != ValType::kV128) {
    LaneKind kind = scalarLane(actual.type);
    return out + laneText(loadLane(actual, kind, 0), kind);
  }
  out += laneName(v128_shape);
  out += '[';
  for (unsigned i = 0; i < laneCount(v128_shape); ++i) {
    if (i) out += ' ';
    out += laneText(loadLane(actual, v128_shape, i), v128_shape);
  }
  return out + ']';
}

}  // namespace tern::spec
