// W3C Trace Context (traceparent/tracestate), span ids, the OTel samplers, and finished spans.
//
//   auto parent = parseTraceparent(req.header("traceparent"));   // nullopt when absent/invalid
//   TraceContext ctx = childOf(parent, sampler);                 // new span id, same trace id
//   std::string header = formatTraceparent(ctx);                 // "00-<32 hex>-<16 hex>-01"
//
// Parsing follows W3C Trace Context level 1, section 3.2: version 00 exactly 55 characters;
// later versions at least that long with a '-' after the flags; version ff, all-zero ids, upper
// case or non-hex digits are invalid (the request then starts a new trace).
//
// Thread safety: all functions are safe from any thread (ids come from a per-thread generator).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tern::observe {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

struct TraceContext {
  TraceId trace_id{};
  SpanId span_id{};
  bool sampled = false;
  std::string tracestate;  // passed on unchanged
};

std::optional<TraceContext> parseTraceparent(std::string_view header);
std::string formatTraceparent(const TraceContext& ctx);
std::string hex(const uint8_t* bytes, size_t n);
template <size_t N>
std::string hex(const std::array<uint8_t, N>& id) {
  return hex(id.data(), N);
}
// tracestate is kept only when it fits the spec's bounds (512 characters, 32 members).
bool validTracestate(std::string_view value);

TraceId newTraceId();
SpanId newSpanId();

// OTEL_TRACES_SAMPLER (+ _ARG): always_on, always_off, traceidratio, parentbased_always_on
// (the default), parentbased_always_off, parentbased_traceidratio.
struct Sampler {
  enum class Root : uint8_t { kAlwaysOn, kAlwaysOff, kRatio };
  Root root = Root::kAlwaysOn;
  bool parent_based = true;
  double ratio = 1.0;

  // Errors are reported in `error` (and the default kept) rather than failing start-up.
  static Sampler fromEnv(const char* name, const char* arg, std::string* error);
  bool sample(const std::optional<TraceContext>& parent, const TraceId& trace_id) const;
};

// The context of a new span: the parent's trace (or a new one), a new span id, the sampling
// decision, and the parent's tracestate.
TraceContext childOf(const std::optional<TraceContext>& parent, const Sampler& sampler);
// A child of a local span: same trace and decision, new span id.
TraceContext localChild(const TraceContext& parent);

enum class SpanKind : uint8_t { kInternal = 1, kServer = 2, kClient = 3 };

using AttributeValue = std::variant<std::string, int64_t>;

// A finished span, ready for export.
struct SpanData {
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_span_id{};  // all zero: a root span
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  uint64_t start_unix_ns = 0;
  uint64_t end_unix_ns = 0;
  bool error = false;
  std::string status_message;
  std::vector<std::pair<std::string, AttributeValue>> attributes;
};

// Nanoseconds since the Unix epoch (system clock).
uint64_t unixNanos();

}  // namespace tern::observe
