// Durations ("500ms", "30s") and byte sizes ("64MB", "1GiB") as written in spin.toml and on the
// CLI.
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

}  // namespace tern::manifest
