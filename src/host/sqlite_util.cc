// Opening SQLite files in Tern's durable mode and preparing single statements.
#include "host/sqlite_util.h"

#include <filesystem>

namespace tern::host::sql {

Error error(sqlite3* db, std::string_view what) {
  return Error{ErrorCode::kIo,
               std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory")};
}

Result<DbPtr> openFile(const std::string& path) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return fail(ErrorCode::kIo, "create folder ", parent.string(), ": ", ec.message());
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) return fail(error(raw, "open " + path));
  sqlite3_busy_timeout(db.get(), 5000);
  sqlite3_extended_result_codes(db.get(), 1);
  // WAL: readers do not block the writer; synchronous=FULL: the WAL is synced at every commit,
  // so a write is durable when it returns (https://sqlite.org/pragma.html#pragma_synchronous).
  auto setup = exec(db.get(), "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
  if (!setup) return fail(ErrorCode::kIo, "open ", path, ": ", setup.error().message);
  return db;
}

Result<void> exec(sqlite3* db, std::string_view sql) {
  std::string text(sql);
  char* msg = nullptr;
  if (sqlite3_exec(db, text.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : sqlite3_errmsg(db);
    sqlite3_free(msg);
    return fail(ErrorCode::kIo, m);
  }
  return {};
}

Result<StmtPtr> prepareOne(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, &tail) != SQLITE_OK) {
    return fail(error(db, "prepare"));
  }
  StmtPtr stmt(raw);
  if (!stmt) return fail(ErrorCode::kInvalidArgument, "empty SQL statement");
  // Anything but whitespace or comments after the first statement is a second statement.
  std::string_view rest(tail, static_cast<size_t>(sql.data() + sql.size() - tail));
  if (!rest.empty()) {
    sqlite3_stmt* next = nullptr;
    const char* tail2 = nullptr;
    int rc = sqlite3_prepare_v2(db, rest.data(), static_cast<int>(rest.size()), &next, &tail2);
    sqlite3_finalize(next);
    if (rc != SQLITE_OK || next) {
      return fail(ErrorCode::kInvalidArgument, "more than one SQL statement given");
    }
  }
  return stmt;
}

}  // namespace tern::host::sql
