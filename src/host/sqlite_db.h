// SQLite databases granted to components (`sqlite_databases = ["default"]`): a pool of connections
// per database file, parameterised statements returning columns and rows.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace tern::host {

// Longest one guest statement may run when no request deadline is nearer.
inline constexpr std::chrono::seconds kMaxSqlStatementTime{30};

// A value bound to or read from a statement (the WIT `value` variant, same case order).
struct SqlValue {
  enum class Kind : uint8_t { kInteger, kReal, kText, kBlob, kNull };
  Kind kind = Kind::kNull;
  int64_t integer = 0;
  double real = 0;
  std::string bytes;  // kText (UTF-8) and kBlob

  static SqlValue ofInteger(int64_t v) { return {Kind::kInteger, v, 0, {}}; }
  static SqlValue ofReal(double v) { return {Kind::kReal, 0, v, {}}; }
  static SqlValue ofText(std::string v) { return {Kind::kText, 0, 0, std::move(v)}; }
  static SqlValue ofBlob(std::string v) { return {Kind::kBlob, 0, 0, std::move(v)}; }
  static SqlValue null() { return {}; }
  bool operator==(const SqlValue&) const = default;
};

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<SqlValue>> rows;
};

// One connection, leased from a SqlDatabase for one request; one thread at a time.
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  // Runs exactly one statement with `params` bound to ?1..?N. Errors: kInvalidArgument for a bad
  // statement or parameter count; kHostLimit for a statement or result over its limit
  // (limits::kMaxSql*); kIo for SQLite
  // failures. Error::detail holds SQLite's extended result code (SQLITE_FULL: database full).
  // The statement is interrupted (kIo, "interrupted") at `deadline` (the request's) or after
  // kMaxSqlStatementTime, whichever is first: a guest's runaway query cannot stall a
  // server thread.
  virtual Result<QueryResult> execute(
      std::string_view statement, std::span<const SqlValue> params,
      std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt) = 0;
  virtual int64_t lastInsertRowid() = 0;
  virtual uint64_t changes() = 0;
};

// A database file shared by the app's components. Thread-safe.
class SqlDatabase {
 public:
  virtual ~SqlDatabase() = default;
  // A connection for the caller's exclusive use until it is destroyed (it then returns to the
  // pool). kResourceExhausted past limits::kMaxSqlConnections leased at once.
  virtual Result<std::unique_ptr<SqlConnection>> acquire() = 0;
  // Runs a script of statements (`tern up --sqlite`); stops at the first error.
  virtual Result<void> executeScript(std::string_view sql) = 0;
};

// Opens (creating) the database file at `path` (WAL, synchronous=FULL). Errors: kIo.
Result<std::shared_ptr<SqlDatabase>> openSqlDatabase(const std::string& path);

}  // namespace tern::host
