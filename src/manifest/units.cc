// Parsing of durations and byte sizes shared by the manifest and the `tern up` flags.
#include "manifest/units.h"

#include <cctype>
#include <charconv>
#include <cmath>
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

}  // namespace tern::manifest
