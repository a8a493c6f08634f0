// SQLite databases for guests: pooled connections, parameter binding, bounded results.
#include "host/sqlite_db.h"

#include <vector>

#include "common/limits.h"
#include "host/sqlite_util.h"

namespace tern::host {
namespace {

class Pool;

class PooledConnection final : public SqlConnection {
 public:
  PooledConnection(std::shared_ptr<Pool> pool, sql::DbPtr db)
      : pool_(std::move(pool)), db_(std::move(db)) {}
  ~PooledConnection() override;
  Result<QueryResult> execute(
      std::string_view statement, std::span<const SqlValue> params,
      std::optional<std::chrono::steady_clock::time_point> deadline) override;
  int64_t lastInsertRowid() override { return sqlite3_last_insert_rowid(db_.get()); }
  uint64_t changes() override { return static_cast<uint64_t>(sqlite3_changes64(db_.get())); }

 private:
  std::shared_ptr<Pool> pool_;
  sql::DbPtr db_;
};

class Pool final : public SqlDatabase, public std::enable_shared_from_this<Pool> {
 public:
  explicit Pool(std::string path) : path_(std::move(path)) {}
  Result<std::unique_ptr<SqlConnection>> acquire() override;
  Result<void> executeScript(std::string_view sql) override;
  void release(sql::DbPtr db);

 private:
  std::string path_;
  std::mutex mu_;
  std::vector<sql::DbPtr> idle_;
  size_t leased_ = 0;
};

PooledConnection::~PooledConnection() { pool_->release(std::move(db_)); }

Result<std::unique_ptr<SqlConnection>> Pool::acquire() {
  sql::DbPtr db;
  {
    std::lock_guard lock(mu_);
    if (leased_ >= limits::kMaxSqlConnections) {
      return fail(ErrorCode::kResourceExhausted, "too many open connections to ", path_);
    }
    ++leased_;
    if (!idle_.empty()) db = std::move(idle_.back()), idle_.pop_back();
  }
  if (!db) {
    auto opened = sql::openFile(path_);
    if (!opened) {
      std::lock_guard lock(mu_);
      --leased_;
      return fail(opened.error());
    }
    db = std::move(*opened);
  }
  return std::unique_ptr<SqlConnection>(new PooledConnection(shared_from_this(), std::move(db)));
}

void Pool::release(sql::DbPtr db) {
  // A guest may leave a transaction open; never hand that state to the next request.
  if (!sqlite3_get_autocommit(db.get())) (void)sql::exec(db.get(), "ROLLBACK");
  std::lock_guard lock(mu_);
  --leased_;
  idle_.push_back(std::move(db));
}

Result<void> Pool::executeScript(std::string_view text) {
  auto db = sql::openFile(path_);  // a private connection: scripts may change connection state
  if (!db) return fail(db.error());
  if (auto r = sql::exec(db->get(), text); !r) {
    return fail(ErrorCode::kHostBackend, "sqlite script on ", path_, ": ", r.error().message);
  }
  return {};
}

void bind(sqlite3_stmt* s, int i, const SqlValue& v) {
  switch (v.kind) {
    case SqlValue::Kind::kInteger:
      sqlite3_bind_int64(s, i, v.integer);
      break;
    case SqlValue::Kind::kReal:
      sqlite3_bind_double(s, i, v.real);
      break;
    case SqlValue::Kind::kText:
      sql::bindText(s, i, v.bytes);
      break;
    case SqlValue::Kind::kBlob:
      sql::bindBlob(s, i, v.bytes);
      break;
    case SqlValue::Kind::kNull:
      sqlite3_bind_null(s, i);
      break;
  }
}

SqlValue column(sqlite3_stmt* s, int i) {
  switch (sqlite3_column_type(s, i)) {
    case SQLITE_INTEGER:
      return SqlValue::ofInteger(sqlite3_column_int64(s, i));
    case SQLITE_FLOAT:
      return SqlValue::ofReal(sqlite3_column_double(s, i));
    case SQLITE_TEXT: {
      auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
      return SqlValue::ofText(std::string(p, static_cast<size_t>(sqlite3_column_bytes(s, i))));
    }
    case SQLITE_BLOB:
      return SqlValue::ofBlob(sql::columnBytes(s, i));
    default:
      return SqlValue::null();
  }
}

Error withCode(sqlite3* db, Error e) {
  e.detail = sqlite3_extended_errcode(db);
  return e;
}

// Clears the progress handler when the statement is done.
class Watchdog {
 public:
  Watchdog(sqlite3* db, std::chrono::steady_clock::time_point until) : db_(db), until_(until) {
    // Every ~1000 VM instructions SQLite asks whether to go on
    // (https://sqlite.org/c3ref/progress_handler.html).
    sqlite3_progress_handler(db_, 1000, &Watchdog::expired, this);
  }
  ~Watchdog() { sqlite3_progress_handler(db_, 0, nullptr, nullptr); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  static int expired(void* self) {
    return std::chrono::steady_clock::now() >= static_cast<Watchdog*>(self)->until_ ? 1 : 0;
  }
  sqlite3* db_;
  std::chrono::steady_clock::time_point until_;
};

Result<QueryResult> PooledConnection::execute(
    std::string_view statement, std::span<const SqlValue> params,
    std::optional<std::chrono::steady_clock::time_point> deadline) {
  if (statement.size() > limits::kMaxSqlStatementBytes) {
    return fail(ErrorCode::kHostLimit, "statement exceeds ",
                std::to_string(limits::kMaxSqlStatementBytes), " bytes");
  }
  if (params.size() > limits::kMaxSqlParams) {
    return fail(ErrorCode::kHostLimit, "more than ", std::to_string(limits::kMaxSqlParams),
                " parameters");
  }
  auto stmt = sql::prepareOne(db_.get(), statement);
  if (!stmt) return fail(withCode(db_.get(), stmt.error()));
  sqlite3_stmt* s = stmt->get();
  size_t wanted = static_cast<size_t>(sqlite3_bind_parameter_count(s));
  if (params.size() != wanted) {
    return fail(ErrorCode::kInvalidArgument, "statement takes ", std::to_string(wanted),
                " parameters, ", std::to_string(params.size()), " given");
  }
  for (size_t i = 0; i < params.size(); ++i) bind(s, static_cast<int>(i + 1), params[i]);
  auto until = std::chrono::steady_clock::now() + kMaxSqlStatementTime;
  Watchdog watchdog(db_.get(), deadline ? std::min(*deadline, until) : until);
  QueryResult out;
  int ncol = sqlite3_column_count(s);
  for (int i = 0; i < ncol; ++i) out.columns.emplace_back(sqlite3_column_name(s, i));
  size_t bytes = 0;
  for (;;) {
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return out;
    if (rc != SQLITE_ROW) return fail(withCode(db_.get(), sql::error(db_.get(), "execute")));
    auto& row = out.rows.emplace_back();
    for (int i = 0; i < ncol; ++i) {
      row.push_back(column(s, i));
      bytes += row.back().bytes.size() + sizeof(SqlValue);
    }
    if (bytes > limits::kMaxSqlResultBytes) {
      return fail(ErrorCode::kHostLimit, "query result exceeds ",
                  std::to_string(limits::kMaxSqlResultBytes), " bytes");
    }
  }
}

}  // namespace

Result<std::shared_ptr<SqlDatabase>> openSqlDatabase(const std::string& path) {
  auto pool = std::make_shared<Pool>(path);
  // Open one connection now so a bad path fails at load, not at the first request.
  auto first = pool->acquire();
  if (!first) return fail(first.error());
  return std::shared_ptr<SqlDatabase>(pool);
}

}  // namespace tern::host
