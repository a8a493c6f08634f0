// The SQLite-file key-value backend: Spin's `spin_key_value` table, one serialised connection per
// store, every mutation in its own transaction (durable at return: WAL + synchronous=FULL).
#include <mutex>

#include "host/kv_store.h"
#include "host/sqlite_util.h"

namespace tern::host {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS spin_key_value (store TEXT NOT NULL, key TEXT NOT NULL, "
    "value BLOB NOT NULL, PRIMARY KEY (store, key))";

class SqliteKvStore final : public KvStore {
 public:
  SqliteKvStore(sql::DbPtr db, std::string store) : db_(std::move(db)), store_(std::move(store)) {}

  Result<void> prepare();
  Result<std::optional<std::string>> get(std::string_view key) override;
  Result<void> set(std::string_view key, std::string_view value) override;
  Result<void> remove(std::string_view key) override;
  Result<bool> exists(std::string_view key) override;
  Result<std::vector<std::string>> keys(std::string_view after, size_t limit) override;
  Result<int64_t> increment(std::string_view key, int64_t delta) override;
  Result<bool> compareAndSwap(std::string_view key, const std::optional<std::string>& expected,
                              std::string_view value) override;
  Result<std::vector<std::optional<std::string>>> getMany(
      std::span<const std::string> keys) override;
  Result<void> setMany(std::span<const KeyValue> entries) override;
  Result<void> removeMany(std::span<const std::string> keys) override;

 private:
  // Unlocked primitives; callers hold mu_.
  Result<std::optional<std::string>> getLocked(std::string_view key);
  Result<void> setLocked(std::string_view key, std::string_view value);
  Result<void> removeLocked(std::string_view key);
  Result<int> step(sqlite3_stmt* s, std::string_view what);
  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK when it fails).
  template <class F>
  auto transaction(F&& body) -> decltype(body());

  std::mutex mu_;
  sql::DbPtr db_;
  std::string store_;
  sql::StmtPtr get_, set_, del_, keys_;
};

Result<void> SqliteKvStore::prepare() {
  TERN_TRY(sql::exec(db_.get(), kSchema));
  auto get = sql::prepareOne(db_.get(), "SELECT value FROM spin_key_value WHERE store=?1 AND key=?2");
  auto set = sql::prepareOne(db_.get(),
                             "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3) "
                             "ON CONFLICT (store, key) DO UPDATE SET value=excluded.value");
  auto del = sql::prepareOne(db_.get(), "DELETE FROM spin_key_value WHERE store=?1 AND key=?2");
  auto keys = sql::prepareOne(db_.get(),
                              "SELECT key FROM spin_key_value WHERE store=?1 AND key>?2 "
                              "ORDER BY key LIMIT ?3");
  for (auto* r : {&get, &set, &del, &keys}) {
    if (!*r) return fail(r->error());
  }
  get_ = std::move(*get), set_ = std::move(*set), del_ = std::move(*del), keys_ = std::move(*keys);
  return {};
}

Result<int> SqliteKvStore::step(sqlite3_stmt* s, std::string_view what) {
  int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(sql::error(db_.get(), what));
  return rc;
}

template <class F>
auto SqliteKvStore::transaction(F&& body) -> decltype(body()) {
  TERN_TRY(sql::exec(db_.get(), "BEGIN IMMEDIATE"));
  auto r = body();
  if (!r) {
    (void)sql::exec(db_.get(), "ROLLBACK");
    return r;
  }
  if (auto c = sql::exec(db_.get(), "COMMIT"); !c) {
    (void)sql::exec(db_.get(), "ROLLBACK");
    return fail(c.error());
  }
  return r;
}

Result<std::optional<std::string>> SqliteKvStore::getLocked(std::string_view key) {
  sql::Reset reset(get_.get());
  sql::bindText(get_.get(), 1, store_);
  sql::bindText(get_.get(), 2, key);
  auto rc = step(get_.get(), "get");
  if (!rc) return fail(rc.error());
  if (*rc == SQLITE_DONE) return std::optional<std::string>();
  return std::optional<std::string>(sql::columnBytes(get_.get(), 0));
}

Result<void> SqliteKvStore::setLocked(std::string_view key, std::string_view value) {
  sql::Reset reset(set_.get());
  sql::bindText(set_.get(), 1, store_);
  sql::bindText(set_.get(), 2, key);
  sql::bindBlob(set_.get(), 3, value);
  TERN_TRY(step(set_.get(), "set"));
  return {};
}

Result<void> SqliteKvStore::removeLocked(std::string_view key) {
  sql::Reset reset(del_.get());
  sql::bindText(del_.get(), 1, store_);
  sql::bindText(del_.get(), 2, key);
  TERN_TRY(step(del_.get(), "delete"));
  return {};
}

Result<std::optional<std::string>> SqliteKvStore::get(std::string_view key) {
  TERN_TRY(checkKey(key));
  std::lock_guard lock(mu_);
  return getLocked(key);
}

Result<void> SqliteKvStore::set(std::string_view key, std::string_view value) {
  TERN_TRY(checkKey(key));
  TERN_TRY(checkValue(value));
  std::lock_guard lock(mu_);
  return setLocked(key, value);  // autocommit: one synced transaction
}

Result<void> SqliteKvStore::remove(std::string_view key) {
  TERN_TRY(checkKey(key));
  std::lock_guard lock(mu_);
  return removeLocked(key);
}

Result<bool> SqliteKvStore::exists(std::string_view key) {
  auto v = get(key);
  if (!v) return fail(v.error());
  return v->has_value();
}

Result<std::vector<std::string>> SqliteKvStore::keys(std::string_view after, size_t limit) {
  std::lock_guard lock(mu_);
  sql::Reset reset(keys_.get());
  sql::bindText(keys_.get(), 1, store_);
  sql::bindText(keys_.get(), 2, after);
  sqlite3_bind_int64(keys_.get(), 3, static_cast<sqlite3_int64>(limit));
  std::vector<std::string> out;
  for (;;) {
    auto rc = step(keys_.get(), "list keys");
    if (!rc) return fail(rc.error());
    if (*rc == SQLITE_DONE) return out;
    out.push_back(sql::columnBytes(keys_.get(), 0));
  }
}

Result<int64_t> SqliteKvStore::increment(std::string_view key, int64_t delta) {
  TERN_TRY(checkKey(key));
  std::lock_guard lock(mu_);
  return transaction([&]() -> Result<int64_t> {
    auto cur = getLocked(key);
    if (!cur) return fail(cur.error());
    int64_t value = 0;
    if (*cur) {
      auto parsed = parseCounter(**cur);
      if (!parsed) return fail(parsed.error());
      value = *parsed;
    }
    auto next = addCounter(value, delta);
    if (!next) return fail(next.error());
    TERN_TRY(setLocked(key, std::to_string(*next)));
    return *next;
  });
}

Result<bool> SqliteKvStore::compareAndSwap(std::string_view key,
                                           const std::optional<std::string>& expected,
                                           std::string_view value) {
  TERN_TRY(checkKey(key));
  TERN_TRY(checkValue(value));
  std::lock_guard lock(mu_);
  return transaction([&]() -> Result<bool> {
    auto cur = getLocked(key);
    if (!cur) return fail(cur.error());
    if (*cur != expected) return false;
    TERN_TRY(setLocked(key, value));
    return true;
  });
}

Result<std::vector<std::optional<std::string>>> SqliteKvStore::getMany(
    std::span<const std::string> keys) {
  TERN_TRY(checkBatch(keys.size()));
  for (const auto& k : keys) TERN_TRY(checkKey(k));
  std::lock_guard lock(mu_);
  std::vector<std::optional<std::string>> out;
  out.reserve(keys.size());
  for (const auto& k : keys) {
    auto v = getLocked(k);
    if (!v) return fail(v.error());
    out.push_back(std::move(*v));
  }
  return out;
}

Result<void> SqliteKvStore::setMany(std::span<const KeyValue> entries) {
  TERN_TRY(checkBatch(entries.size()));
  for (const auto& [k, v] : entries) {
    TERN_TRY(checkKey(k));
    TERN_TRY(checkValue(v));
  }
  std::lock_guard lock(mu_);
  return transaction([&]() -> Result<void> {
    for (const auto& [k, v] : entries) TERN_TRY(setLocked(k, v));
    return {};
  });
}

Result<void> SqliteKvStore::removeMany(std::span<const std::string> keys) {
  TERN_TRY(checkBatch(keys.size()));
  for (const auto& k : keys) TERN_TRY(checkKey(k));
  std::lock_guard lock(mu_);
  return transaction([&]() -> Result<void> {
    for (const auto& k : keys) TERN_TRY(removeLocked(k));
    return {};
  });
}

}  // namespace

Result<std::shared_ptr<KvStore>> makeSqliteKvStore(const std::string& path, std::string store) {
  auto db = sql::openFile(path);
  if (!db) return fail(db.error());
  auto kv = std::make_shared<SqliteKvStore>(std::move(*db), std::move(store));
  if (auto r = kv->prepare(); !r) {
    return fail(ErrorCode::kIo, "key-value store ", path, ": ", r.error().message);
  }
  return kv;
}

}  // namespace tern::host
