// Argument checks and counter arithmetic shared by every key-value backend.
#include "host/kv_store.h"

#include <charconv>

#include "common/limits.h"

namespace tern::host {

Result<void> checkKey(std::string_view key) {
  if (key.size() > limits::kMaxKvKeyBytes) {
    return fail(ErrorCode::kHostLimit, "key of ", std::to_string(key.size()),
                " bytes exceeds the limit of ", std::to_string(limits::kMaxKvKeyBytes));
  }
  return {};
}

Result<void> checkValue(std::string_view value) {
  if (value.size() > limits::kMaxKvValueBytes) {
    return fail(ErrorCode::kHostLimit, "value of ", std::to_string(value.size()),
                " bytes exceeds the limit of ", std::to_string(limits::kMaxKvValueBytes));
  }
  return {};
}

Result<void> checkBatch(size_t count) {
  if (count > limits::kMaxKvBatchKeys) {
    return fail(ErrorCode::kHostLimit, "batch of ", std::to_string(count),
                " keys exceeds the limit of ", std::to_string(limits::kMaxKvBatchKeys));
  }
  return {};
}

Result<int64_t> parseCounter(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return fail(ErrorCode::kInvalidArgument, "value is not an integer counter");
  }
  return v;
}

Result<int64_t> addCounter(int64_t current, int64_t delta) {
  int64_t out = 0;
  if (__builtin_add_overflow(current, delta, &out)) {
    return fail(ErrorCode::kInvalidArgument, "counter overflow");
  }
  return out;
}

}  // namespace tern::host
