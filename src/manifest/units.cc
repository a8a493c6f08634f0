// Parsing of durations and byte sizes shared by the manifest and the `tern up` flags.
#include "manifest/units.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <mutex>
#include <random>
#include <string>
#include <utility>

namespace tern::manifest {

std::optional<std::chrono::milliseconds> parseDuration(std::string_view text) {
  double value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || value < 0 || !std::isfinite(value)) return std::nullopt;
  std::string_view unit(p, text.data() + text.size() - p);
  double ms;
  if (unit == "ms")
    ms = value;
  else if (unit == "s" || unit.empty())
    ms = value * 1000;
  else if (unit == "m" || unit == "min")
    ms = value * 60'000;
  else if (unit == "h")
    ms = value * 3'600'000;
  else
    return std::nullopt;
  if (ms > 1e15) return std::nullopt;  // far beyond any sensible deadline; keeps the cast defined
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

std::optional<uint64_t> parseSize(std::string_view text) {
  uint64_t value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc()) return std::nullopt;
  std::string unit(p, text.data() + text.size() - p);
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::pair<const char*, uint64_t> kUnits[] = {{"", 1},
                                                            {"b", 1},
                                                            {"k", 1000},
                                                            {"kb", 1000},
                                                            {"kib", 1ull << 10},
                                                            {"m", 1000000},
                                                            {"mb", 1000000},
                                                            {"mib", 1ull << 20},
                                                            {"g", 1000000000},
                                                            {"gb", 1000000000},
                                                            {"gib", 1ull << 30}};
  for (const auto& [name, mult] : kUnits) {
    if (unit == name) {
      if (value > UINT64_MAX / mult) return std::nullopt;
      return value * mult;
    }
  }
  return std::nullopt;
}

namespace {

// Splits "A..B" into its bounds; nullopt when there is no "..".
std::optional<std::pair<std::string_view, std::string_view>> splitRange(std::string_view text) {
  size_t dots = text.find("..");
  if (dots == std::string_view::npos) return std::nullopt;
  return std::pair{text.substr(0, dots), text.substr(dots + 2)};
}

std::optional<uint32_t> parseCount(std::string_view text) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v == 0 || v > 1'000'000'000) {
    return std::nullopt;
  }
  return static_cast<uint32_t>(v);
}

// parseDuration(), or Spin's sub-millisecond suffixes on an integer.
std::optional<std::chrono::milliseconds> parseSpinDuration(std::string_view text) {
  if (auto d = parseDuration(text)) return d;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc()) return std::nullopt;
  std::string_view unit(p, text.data() + text.size() - p);
  if (unit == "us" || unit == "\u03bcs") return std::chrono::milliseconds(v / 1000);
  if (unit == "ns") return std::chrono::milliseconds(v / 1'000'000);
  return std::nullopt;
}

// Draws are rare (one per new instance, only with a range), so one locked generator will do.
template <class Dist>
auto draw(Dist dist) {
  static std::mutex mutex;
  static std::minstd_rand rng{std::random_device{}()};
  std::lock_guard lock(mutex);
  return dist(rng);
}

}  // namespace

std::optional<CountRange> parseCountRange(std::string_view text) {
  if (auto r = splitRange(text)) {
    auto a = parseCount(r->first), b = parseCount(r->second);
    if (!a || !b || *a >= *b) return std::nullopt;
    return CountRange{*a, *b};
  }
  auto v = parseCount(text);
  if (!v) return std::nullopt;
  return CountRange{*v, *v};
}

std::optional<DurationRange> parseDurationRange(std::string_view text) {
  if (auto r = splitRange(text)) {
    auto a = parseSpinDuration(r->first), b = parseSpinDuration(r->second);
    if (!a || !b || *a >= *b) return std::nullopt;
    return DurationRange{*a, *b};
  }
  auto v = parseSpinDuration(text);
  if (!v) return std::nullopt;
  return DurationRange{*v, *v};
}

uint32_t pick(const CountRange& r) {
  if (r.high <= r.low) return r.low;
  return draw(std::uniform_int_distribution<uint32_t>(r.low, r.high - 1));
}

std::chrono::milliseconds pick(const DurationRange& r) {
  if (r.high <= r.low) return r.low;
  return std::chrono::milliseconds(
      draw(std::uniform_int_distribution<int64_t>(r.low.count(), r.high.count() - 1)));
}

}  // namespace tern::manifest
