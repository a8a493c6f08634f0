// The SQLite-file key-value backend: Spin's `spin_key_value` table. Mutations go through one
// writer connection with group commit (concurrent writes share one synced transaction, each in its
// own savepoint), so durability (WAL + synchronous=FULL) costs one fsync per batch, not per write;
// reads use a pool of reader connections and never wait for a commit's fsync.
#include <condition_variable>
#include <functional>
#include <mutex>

#include "host/kv_store.h"
#include "host/sqlite_util.h"

namespace tern::host {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS spin_key_value (store TEXT NOT NULL, key TEXT NOT NULL, "
    "value BLOB NOT NULL, PRIMARY KEY (store, key))";
constexpr const char* kGetSql = "SELECT value FROM spin_key_value WHERE store=?1 AND key=?2";
constexpr const char* kKeysSql =
    "SELECT key FROM spin_key_value WHERE store=?1 AND key>?2 ORDER BY key LIMIT ?3";

// A connection with the statements it runs, prepared once.
struct Conn {
  sql::DbPtr db;
  sql::StmtPtr get, keys, set, del;
};

Result<std::unique_ptr<Conn>> openConn(const std::string& path, bool writer) {
  auto db = sql::openFile(path);
  if (!db) return fail(db.error());
  auto c = std::make_unique<Conn>();
  c->db = std::move(*db);
  if (writer) TERN_TRY(sql::exec(c->db.get(), kSchema));
  std::pair<sql::StmtPtr*, const char*> stmts[] = {
      {&c->get, kGetSql},
      {&c->keys, kKeysSql},
      {&c->set,
       "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3) "
       "ON CONFLICT (store, key) DO UPDATE SET value=excluded.value"},
      {&c->del, "DELETE FROM spin_key_value WHERE store=?1 AND key=?2"}};
  for (auto& [slot, text] : stmts) {
    if (!writer && slot != &c->get && slot != &c->keys) continue;
    auto st = sql::prepareOne(c->db.get(), text);
    if (!st) return fail(ErrorCode::kIo, "key-value store ", path, ": ", st.error().message);
    *slot = std::move(*st);
  }
  return c;
}

// One queued mutation: `apply` runs inside the batch's transaction on the writer connection.
struct WriteOp {
  std::function<Result<void>()> apply;
  std::optional<Error> commit_error;  // the batch could not be committed: nothing of it stuck
  bool done = false;
};

class SqliteKvStore final : public KvStore {
 public:
  SqliteKvStore(std::string path, std::string store, std::unique_ptr<Conn> writer)
      : path_(std::move(path)), store_(std::move(store)), writer_(std::move(writer)) {}

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
  // Statement primitives on connection `c`.
  Result<std::optional<std::string>> getOn(Conn& c, std::string_view key);
  Result<void> setOn(Conn& c, std::string_view key, std::string_view value);
  Result<void> removeOn(Conn& c, std::string_view key);
  Result<int> step(Conn& c, sqlite3_stmt* s, std::string_view what);

  // Runs `body(writer)` as one write; returns when its batch is committed (or failed).
  template <class T, class F>
  Result<T> write(F&& body);
  void submit(WriteOp& op);
  void runBatch(const std::vector<WriteOp*>& batch);

  // A pooled reader connection for the duration of `body(conn)`.
  template <class F>
  auto read(F&& body) -> decltype(body(std::declval<Conn&>()));

  std::string path_;
  std::string store_;
  std::unique_ptr<Conn> writer_;  // touched only by the batch leader
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<WriteOp*> pending_;
  bool leading_ = false;
  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Conn>> readers_;
};

Result<int> SqliteKvStore::step(Conn& c, sqlite3_stmt* s, std::string_view what) {
  int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(sql::error(c.db.get(), what));
  return rc;
}

Result<std::optional<std::string>> SqliteKvStore::getOn(Conn& c, std::string_view key) {
  sql::Reset reset(c.get.get());
  sql::bindText(c.get.get(), 1, store_);
  sql::bindText(c.get.get(), 2, key);
  auto rc = step(c, c.get.get(), "get");
  if (!rc) return fail(rc.error());
  if (*rc == SQLITE_DONE) return std::optional<std::string>();
  return std::optional<std::string>(sql::columnBytes(c.get.get(), 0));
}

Result<void> SqliteKvStore::setOn(Conn& c, std::string_view key, std::string_view value) {
  sql::Reset reset(c.set.get());
  sql::bindText(c.set.get(), 1, store_);
  sql::bindText(c.set.get(), 2, key);
  sql::bindBlob(c.set.get(), 3, value);
  TERN_TRY(step(c, c.set.get(), "set"));
  return {};
}

Result<void> SqliteKvStore::removeOn(Conn& c, std::string_view key) {
  sql::Reset reset(c.del.get());
  sql::bindText(c.del.get(), 1, store_);
  sql::bindText(c.del.get(), 2, key);
  TERN_TRY(step(c, c.del.get(), "delete"));
  return {};
}

template <class T, class F>
Result<T> SqliteKvStore::write(F&& body) {
  std::optional<Result<T>> result;
  WriteOp op;
  op.apply = [&]() -> Result<void> {
    result.emplace(body(*writer_));
    if (!*result) return fail(result->error());
    return {};
  };
  submit(op);
  if (op.commit_error) return fail(*op.commit_error);
  return std::move(*result);
}

// Group commit: the first writer to find no leader commits everything queued so far; the others
// wait and find their op done, or lead the next batch.
void SqliteKvStore::submit(WriteOp& op) {
  std::unique_lock lock(queue_mu_);
  pending_.push_back(&op);
  while (!op.done) {
    if (leading_) {
      queue_cv_.wait(lock);
      continue;
    }
    leading_ = true;
    std::vector<WriteOp*> batch;
    batch.swap(pending_);
    lock.unlock();
    runBatch(batch);
    lock.lock();
    for (WriteOp* o : batch) o->done = true;
    leading_ = false;
    queue_cv_.notify_all();
  }
}

void SqliteKvStore::runBatch(const std::vector<WriteOp*>& batch) {
  sqlite3* db = writer_->db.get();
  auto failAll = [&](const Error& e) {
    for (WriteOp* o : batch) o->commit_error = e;
  };
  if (auto b = sql::exec(db, "BEGIN IMMEDIATE"); !b) return failAll(b.error());
  for (WriteOp* o : batch) {
    // A savepoint per op: one op's failure (a non-integer counter) undoes only that op.
    if (auto sp = sql::exec(db, "SAVEPOINT op"); !sp) {
      o->commit_error = sp.error();
      continue;
    }
    if (!o->apply()) (void)sql::exec(db, "ROLLBACK TO op");
    (void)sql::exec(db, "RELEASE op");
  }
  if (auto c = sql::exec(db, "COMMIT"); !c) {
    (void)sql::exec(db, "ROLLBACK");
    failAll(Error{ErrorCode::kIo, "commit: " + c.error().message});
  }
}

template <class F>
auto SqliteKvStore::read(F&& body) -> decltype(body(std::declval<Conn&>())) {
  std::unique_ptr<Conn> conn;
  {
    std::lock_guard lock(readers_mu_);
    if (!readers_.empty()) conn = std::move(readers_.back()), readers_.pop_back();
  }
  if (!conn) {
    auto opened = openConn(path_, false);
    if (!opened) return fail(opened.error());
    conn = std::move(*opened);
  }
  auto r = body(*conn);
  std::lock_guard lock(readers_mu_);
  readers_.push_back(std::move(conn));
  return r;
}

Result<std::optional<std::string>> SqliteKvStore::get(std::string_view key) {
  TERN_TRY(checkKey(key));
  return read([&](Conn& c) { return getOn(c, key); });
}

Result<void> SqliteKvStore::set(std::string_view key, std::string_view value) {
  TERN_TRY(checkKey(key));
  TERN_TRY(checkValue(value));
  return write<void>([&](Conn& c) { return setOn(c, key, value); });
}

Result<void> SqliteKvStore::remove(std::string_view key) {
  TERN_TRY(checkKey(key));
  return write<void>([&](Conn& c) { return removeOn(c, key); });
}

Result<bool> SqliteKvStore::exists(std::string_view key) {
  auto v = get(key);
  if (!v) return fail(v.error());
  return v->has_value();
}

Result<std::vector<std::string>> SqliteKvStore::keys(std::string_view after, size_t limit) {
  return read([&](Conn& c) -> Result<std::vector<std::string>> {
    sql::Reset reset(c.keys.get());
    sql::bindText(c.keys.get(), 1, store_);
    sql::bindText(c.keys.get(), 2, after);
    sqlite3_bind_int64(c.keys.get(), 3, static_cast<sqlite3_int64>(limit));
    std::vector<std::string> out;
    for (;;) {
      auto rc = step(c, c.keys.get(), "list keys");
      if (!rc) return fail(rc.error());
      if (*rc == SQLITE_DONE) return out;
      out.push_back(sql::columnBytes(c.keys.get(), 0));
    }
  });
}

Result<int64_t> SqliteKvStore::increment(std::string_view key, int64_t delta) {
  TERN_TRY(checkKey(key));
  return write<int64_t>([&](Conn& c) -> Result<int64_t> {
    auto cur = getOn(c, key);
    if (!cur) return fail(cur.error());
    int64_t value = 0;
    if (*cur) {
      auto parsed = parseCounter(**cur);
      if (!parsed) return fail(parsed.error());
      value = *parsed;
    }
    auto next = addCounter(value, delta);
    if (!next) return fail(next.error());
    TERN_TRY(setOn(c, key, std::to_string(*next)));
    return *next;
  });
}

Result<bool> SqliteKvStore::compareAndSwap(std::string_view key,
                                           const std::optional<std::string>& expected,
                                           std::string_view value) {
  TERN_TRY(checkKey(key));
  TERN_TRY(checkValue(value));
  return write<bool>([&](Conn& c) -> Result<bool> {
    auto cur = getOn(c, key);
    if (!cur) return fail(cur.error());
    if (*cur != expected) return false;
    TERN_TRY(setOn(c, key, value));
    return true;
  });
}

Result<std::vector<std::optional<std::string>>> SqliteKvStore::getMany(
    std::span<const std::string> keys) {
  TERN_TRY(checkBatch(keys.size()));
  for (const auto& k : keys) TERN_TRY(checkKey(k));
  return read([&](Conn& c) -> Result<std::vector<std::optional<std::string>>> {
    std::vector<std::optional<std::string>> out;
    out.reserve(keys.size());
    for (const auto& k : keys) {
      auto v = getOn(c, k);
      if (!v) return fail(v.error());
      out.push_back(std::move(*v));
    }
    return out;
  });
}

Result<void> SqliteKvStore::setMany(std::span<const KeyValue> entries) {
  TERN_TRY(checkBatch(entries.size()));
  for (const auto& [k, v] : entries) {
    TERN_TRY(checkKey(k));
    TERN_TRY(checkValue(v));
  }
  return write<void>([&](Conn& c) -> Result<void> {
    for (const auto& [k, v] : entries) TERN_TRY(setOn(c, k, v));
    return {};
  });
}

Result<void> SqliteKvStore::removeMany(std::span<const std::string> keys) {
  TERN_TRY(checkBatch(keys.size()));
  for (const auto& k : keys) TERN_TRY(checkKey(k));
  return write<void>([&](Conn& c) -> Result<void> {
    for (const auto& k : keys) TERN_TRY(removeOn(c, k));
    return {};
  });
}

}  // namespace

Result<std::shared_ptr<KvStore>> makeSqliteKvStore(const std::string& path, std::string store) {
  auto writer = openConn(path, true);
  if (!writer) return fail(writer.error());
  return std::shared_ptr<KvStore>(
      std::make_shared<SqliteKvStore>(path, std::move(store), std::move(*writer)));
}

}  // namespace tern::host
