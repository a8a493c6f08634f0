// W3C traceparent parsing/formatting, random ids, and the OTel samplers.
#include "observe/trace.h"

#include <chrono>
#include <cstdlib>
#include <random>

namespace tern::observe {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // W3C Trace Context 3.2.2: lowercase hex only
}

// Decodes exactly out.size()*2 hex digits; false on a bad digit.
template <size_t N>
bool unhex(std::string_view s, std::array<uint8_t, N>& out) {
  for (size_t i = 0; i < N; ++i) {
    int hi = hexValue(s[2 * i]), lo = hexValue(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

template <size_t N>
bool allZero(const std::array<uint8_t, N>& a) {
  for (uint8_t b : a) {
    if (b) return false;
  }
  return true;
}

// Per-thread id generator, seeded once from the OS: ids must be unique, not secret.
std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen([] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }());
  return gen;
}

template <size_t N>
void fill(std::array<uint8_t, N>& out) {
  do {
    for (size_t i = 0; i < N; i += 8) {
      uint64_t v = rng()();
      for (size_t j = 0; j < 8 && i + j < N; ++j) out[i + j] = static_cast<uint8_t>(v >> (8 * j));
    }
  } while (allZero(out));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<TraceContext> parseTraceparent(std::string_view header) {
  header = trim(header);
  if (header.size() < 55) return std::nullopt;
  std::array<uint8_t, 1> version{}, flags{};
  if (!unhex(header.substr(0, 2), version) || version[0] == 0xff) return std::nullopt;
  if (version[0] == 0 && header.size() != 55) return std::nullopt;
  if (header.size() > 55 && header[55] != '-') return std::nullopt;
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  TraceContext ctx;
  if (!unhex(header.substr(3, 32), ctx.trace_id) || allZero(ctx.trace_id)) return std::nullopt;
  if (!unhex(header.substr(36, 16), ctx.span_id) || allZero(ctx.span_id)) return std::nullopt;
  if (!unhex(header.substr(53, 2), flags)) return std::nullopt;
  ctx.sampled = flags[0] & 1;
  return ctx;
}

std::string hex(const uint8_t* bytes, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}

std::string formatTraceparent(const TraceContext& ctx) {
  return "00-" + hex(ctx.trace_id) + "-" + hex(ctx.span_id) + (ctx.sampled ? "-01" : "-00");
}

bool validTracestate(std::string_view value) {
  if (value.size() > 512) return false;
  size_t members = 1;
  for (char c : value) {
    if (c == ',') ++members;
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return false;
  }
  return members <= 32;
}

TraceId newTraceId() {
  TraceId id;
  fill(id);
  return id;
}

SpanId newSpanId() {
  SpanId id;
  fill(id);
  return id;
}

Sampler Sampler::fromEnv(const char* name, const char* arg, std::string* error) {
  Sampler s;
  std::string n = name ? name : "parentbased_always_on";
  if (n == "always_on" || n == "always_off" || n == "traceidratio") s.parent_based = false;
  if (n.starts_with("parentbased_")) n = n.substr(12);
  if (n == "always_on") {
    s.root = Root::kAlwaysOn;
  } else if (n == "always_off") {
    s.root = Root::kAlwaysOff;
  } else if (n == "traceidratio") {
    s.root = Root::kRatio;
    if (arg) {
      char* end = nullptr;
      double r = std::strtod(arg, &end);
      if (end == arg || *end || !(r >= 0 && r <= 1)) {
        if (error) *error = std::string("OTEL_TRACES_SAMPLER_ARG '") + arg +
                            "' is not a ratio in [0, 1]; using 1.0";
      } else {
        s.ratio = r;
      }
    }
  } else {
    if (error) *error = "OTEL_TRACES_SAMPLER '" + std::string(name) +
                        "' is not supported; using parentbased_always_on";
    return Sampler{};
  }
  return s;
}

bool Sampler::sample(const std::optional<TraceContext>& parent, const TraceId& trace_id) const {
  if (parent_based && parent) return parent->sampled;
  switch (root) {
    case Root::kAlwaysOn: return true;
    case Root::kAlwaysOff: return false;
    case Root::kRatio: {
      if (ratio >= 1) return true;
      uint64_t low = 0;
      for (size_t i = 8; i < 16; ++i) low = low << 8 | trace_id[i];
      return static_cast<double>(low) < ratio * 18446744073709551616.0;
    }
  }
  return true;
}

TraceContext childOf(const std::optional<TraceContext>& parent, const Sampler& sampler) {
  TraceContext ctx;
  ctx.trace_id = parent ? parent->trace_id : newTraceId();
  ctx.span_id = newSpanId();
  ctx.sampled = sampler.sample(parent, ctx.trace_id);
  if (parent) ctx.tracestate = parent->tracestate;
  return ctx;
}

TraceContext localChild(const TraceContext& parent) {
  TraceContext ctx;
  ctx.trace_id = parent.trace_id;
  ctx.span_id = newSpanId();
  ctx.sampled = parent.sampled;
  ctx.tracestate = parent.tracestate;
  return ctx;
}

uint64_t unixNanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace tern::observe
