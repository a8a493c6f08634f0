// Durations ("500ms", "30s"), byte sizes ("64MB", "1GiB") and Spin's instance-reuse ranges ("8",
// "1..8", "1s", "100ms..2s") as written in spin.toml and on the CLI.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tern::manifest {

// "500ms", "30s", "2m"/"2min", "1h"; a bare number is seconds. nullopt when malformed or negative.
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text);
// "65536", "64KB"/"64MB"/"1GB" (powers of 1000), "64KiB"/"64MiB"/"1GiB" (powers of 1024); units
// are case-insensitive. nullopt when malformed or when the value overflows 64 bits.
std::optional<uint64_t> parseSize(std::string_view text);

// Spin's instance-reuse settings (`spin up --max-instance-reuse-count 1..8`): one value, or a
// range A..B from which a value is drawn uniformly in [A, B) for each new instance.
struct CountRange {
  uint32_t low = 1;
  uint32_t high = 1;  // == low: the one value; else exclusive
  bool operator==(const CountRange&) const = default;
};
struct DurationRange {
  std::chrono::milliseconds low{0};
  std::chrono::milliseconds high{0};  // == low: the one value; else exclusive
  bool operator==(const DurationRange&) const = default;
};
// "N" or "A..B" with 1 <= N, 1 <= A < B <= 1000000000. nullopt when malformed or out of range.
std::optional<CountRange> parseCountRange(std::string_view text);
// "D" or "A..B" (A < B), each a parseDuration() text or an integer with Spin's `us`/`μs`/`ns`
// suffixes (rounded down to whole milliseconds). nullopt when malformed.
std::optional<DurationRange> parseDurationRange(std::string_view text);
// One draw from `r` (the value itself when it is one value). Thread-safe.
uint32_t pick(const CountRange& r);
std::chrono::milliseconds pick(const DurationRange& r);

}  // namespace tern::manifest
