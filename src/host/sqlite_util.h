// RAII over SQLite connections and statements, shared by the SQLite key-value backend and the
// guest-visible SQLite databases.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tern::host::sql {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtCloser>;

// Opens `path` read-write, creating the file and its parent folder, in WAL mode with
// synchronous=FULL (a commit is on disk when it returns) and a busy timeout for other writers.
// The connection is for one thread at a time (SQLITE_OPEN_NOMUTEX; callers serialise).
// Errors: kIo naming the path and SQLite's message.
Result<DbPtr> openFile(const std::string& path);

// Runs `sql` (one or more statements, results discarded). Errors: kIo with SQLite's message.
Result<void> exec(sqlite3* db, std::string_view sql);

// Prepares exactly one statement; kInvalidArgument when `sql` holds more than one or none.
Result<StmtPtr> prepareOne(sqlite3* db, std::string_view sql);

// kIo "<what>: <sqlite3_errmsg>".
Error error(sqlite3* db, std::string_view what);

// Resets a cached statement and clears its bindings at scope exit.
class Reset {
 public:
  explicit Reset(sqlite3_stmt* s) : s_(s) {}
  ~Reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Reset(const Reset&) = delete;
  Reset& operator=(const Reset&) = delete;

 private:
  sqlite3_stmt* s_;
};

// Binds text/blob parameters (1-based, copied by SQLite).
inline void bindText(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text64(s, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}
inline void bindBlob(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_blob64(s, i, v.empty() ? "" : v.data(), v.size(), SQLITE_TRANSIENT);
}
// A column as bytes (blob, or the text form of a number).
inline std::string columnBytes(sqlite3_stmt* s, int i) {
  const void* p = sqlite3_column_blob(s, i);
  int n = sqlite3_column_bytes(s, i);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

}  // namespace tern::host::sql
