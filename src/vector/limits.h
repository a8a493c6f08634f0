// Named limits of the vector stage: what one guest call may ask for.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tern::vector::limits {

inline constexpr uint32_t kMaxDimensions = 4096;
inline constexpr size_t kMaxIdBytes = 512;
inline constexpr size_t kMaxBatchItems = 10'000;   // items in one upsert
inline constexpr uint32_t kMaxQueryK = 1000;        // results of one query (larger k is capped)
inline constexpr size_t kMaxIvfLists = 65'536;
inline constexpr uint64_t kCompactLogBytes = 64u << 20;  // log size that triggers a snapshot
inline constexpr size_t kMaxIndexesPerApp = 256;

}  // namespace tern::vector::limits
