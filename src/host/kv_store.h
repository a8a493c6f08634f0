// The key-value store interface every backend implements (SQLite file, Redis), independent of the
// component model so that synchronous (WASI 0.2) and async (WASI 0.3) bindings share backends.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace tern::host {

using KeyValue = std::pair<std::string, std::string>;

// One named store ("default", "user_data"). Thread-safe: server threads call it concurrently.
// Every mutating call is durable (SQLite: committed and synced; Redis: acknowledged) when it
// returns. Keys and values are arbitrary bytes within limits::kMaxKvKeyBytes/kMaxKvValueBytes;
// callers check sizes with checkKey()/checkValue() first (backends check again).
// Errors: kHostLimit for a size over a limit, kInvalidArgument for a non-integer counter, kIo for a backend
// failure; the message is fit to hand to the guest.
class KvStore {
 public:
  virtual ~KvStore() = default;
  virtual Result<std::optional<std::string>> get(std::string_view key) = 0;
  virtual Result<void> set(std::string_view key, std::string_view value) = 0;
  virtual Result<void> remove(std::string_view key) = 0;  // absent key: success
  virtual Result<bool> exists(std::string_view key) = 0;
  // Keys in ascending byte order strictly after `after` (empty: from the first), at most `limit`.
  virtual Result<std::vector<std::string>> keys(std::string_view after, size_t limit) = 0;
  // Atomically adds `delta` to the counter at `key` (absent: 0) and returns the new value.
  // Counters are stored as decimal text ("42"), as Redis INCRBY does; a value that is not a
  // decimal s64, or an overflow, is kInvalidArgument.
  virtual Result<int64_t> increment(std::string_view key, int64_t delta) = 0;
  // Atomically sets `key` to `value` if its current value equals `expected` (nullopt: absent).
  // Returns false, changing nothing, when it did not.
  virtual Result<bool> compareAndSwap(std::string_view key,
                                      const std::optional<std::string>& expected,
                                      std::string_view value) = 0;
  // Batches (at most limits::kMaxKvBatchKeys entries); each is atomic on the SQLite backend.
  virtual Result<std::vector<std::optional<std::string>>> getMany(
      std::span<const std::string> keys) = 0;
  virtual Result<void> setMany(std::span<const KeyValue> entries) = 0;
  virtual Result<void> removeMany(std::span<const std::string> keys) = 0;
};

// kHostLimit naming the limit when `key`/`value`/a batch is too large.
Result<void> checkKey(std::string_view key);
Result<void> checkValue(std::string_view value);
Result<void> checkBatch(size_t count);

// Parses a stored counter ("-12"); kInvalidArgument when it is not a decimal s64.
Result<int64_t> parseCounter(std::string_view text);
// `current + delta`, kInvalidArgument on overflow.
Result<int64_t> addCounter(int64_t current, int64_t delta);

// A SQLite-file backend holding every store of one file in Spin's table layout
// (`spin_key_value(store, key, value)`), WAL mode, synchronous=FULL. The file and its folder are
// created when missing. Errors: kIo naming the path.
Result<std::shared_ptr<KvStore>> makeSqliteKvStore(const std::string& path, std::string store);

// A Redis backend: `url` is redis://[[user]:password@]host[:port][/db]. Connects lazily per
// pooled connection; a broken connection is dropped and reopened on the next call.
// Errors: kHostConfig for a malformed URL; later calls give kIo when Redis is unreachable.
Result<std::shared_ptr<KvStore>> makeRedisKvStore(const std::string& url);

}  // namespace tern::host
