// SQLite bindings: fermyon:spin/sqlite@2.0.0 and spin:sqlite/sqlite@3.0.0 (the synchronous parts:
// open, execute, last-insert-rowid, changes) over pooled SqlDatabase connections.
#include <sqlite3.h>

#include "wasi2/wasi2.h"
#include "host/bindings.h"

namespace tern::host {
namespace {

using component::ComponentLinker;
using component::HostCall;
using component::HostObject;
using component::ResourceType;
using component::TypeKind;
using component::Val;

constexpr const char* kSpinSqlite2 = "fermyon:spin/sqlite@2.0.0";
constexpr const char* kSpinSqlite3 = "spin:sqlite/sqlite@3.0.0";

// `error` cases (the same in both versions).
enum : uint32_t { kNoSuchDatabase, kAccessDenied, kInvalidConnection, kDatabaseFull, kIoError };

// A leased connection; returned to the pool when the guest drops it or the Session ends.
struct ConnectionHandle : HostObject {
  explicit ConnectionHandle(std::unique_ptr<SqlConnection> c) : conn(std::move(c)) {}
  std::unique_ptr<SqlConnection> conn;
};

Val ioError(std::string message) {
  return Val::err(Val::variant(kIoError, Val::string(std::move(message))));
}

// WIT `value` (integer, real, text, blob, null) <-> SqlValue, same case order.
Result<SqlValue> toSql(const Val& v) {
  if (v.kind != TypeKind::kVariant) return fail(ErrorCode::kInvalidArgument, "sqlite: bad value");
  switch (v.disc) {
    case 0:
      return SqlValue::ofInteger(v.payload().i);
    case 1:
      return SqlValue::ofReal(v.payload().f64);
    case 2:
      return SqlValue::ofText(v.payload().bytes);
    case 3:
      return SqlValue::ofBlob(v.payload().bytes);
    case 4:
      return SqlValue::null();
    default:
      return fail(ErrorCode::kInvalidArgument, "sqlite: bad value case");
  }
}

Val fromSql(SqlValue& v) {
  switch (v.kind) {
    case SqlValue::Kind::kInteger:
      return Val::variant(0, Val::s64(v.integer));
    case SqlValue::Kind::kReal:
      return Val::variant(1, Val::float64(v.real));
    case SqlValue::Kind::kText:
      return Val::variant(2, Val::string(std::move(v.bytes)));
    case SqlValue::Kind::kBlob:
      return Val::variant(3, Val::byteList(std::move(v.bytes)));
    case SqlValue::Kind::kNull:
      break;
  }
  return Val::variant(4);
}

Val queryResult(QueryResult& q) {
  std::vector<Val> columns;
  for (auto& c : q.columns) columns.push_back(Val::string(std::move(c)));
  std::vector<Val> rows;
  rows.reserve(q.rows.size());
  for (auto& row : q.rows) {
    std::vector<Val> values;
    values.reserve(row.size());
    for (auto& v : row) values.push_back(fromSql(v));
    rows.push_back(Val::record({Val::list(std::move(values))}));
  }
  return Val::record({Val::list(std::move(columns)), Val::list(std::move(rows))});
}

Result<SqlConnection*> handleConn(HostCall& call, const ResourceType* type, const Val& self) {
  auto* h = call.resources().get<ConnectionHandle>(type, self.rep());
  if (!h) return fail(ErrorCode::kInvalidArgument, "sqlite: not a live connection handle");
  return h->conn.get();
}

void defineVersion(ComponentLinker& linker, const char* iface, bool v3) {
  const ResourceType* type = linker.defineResource(iface, "connection");
  linker.defineFunc(
      iface, "[static]connection.open",
      [type](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
        const ComponentServices* s = servicesOf(call);
        SqlDatabase* db = s ? s->database(a[0].bytes) : nullptr;
        if (!db) {
          r[0] = Val::err(Val::variant(kAccessDenied));  // grants first, as Spin does
          return {};
        }
        auto conn = db->acquire();
        if (!conn) {
          r[0] = ioError(conn.error().message);
          return {};
        }
        auto rep = call.resources().add(type, std::make_unique<ConnectionHandle>(std::move(*conn)));
        r[0] = rep ? Val::ok(Val::own(*rep)) : ioError(rep.error().message);
        return {};
      });
  linker.defineFunc(
      iface, "[method]connection.execute",
      [type](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
        auto conn = handleConn(call, type, a[0]);
        if (!conn) return fail(conn.error());
        std::vector<SqlValue> params;
        params.reserve(a[2].items.size());
        for (const Val& v : a[2].items) {
          auto p = toSql(v);
          if (!p) return fail(p.error());
          params.push_back(std::move(*p));
        }
        // The request's deadline bounds the query.
        const instance::RequestContext* request = call.context();
        auto q = (*conn)->execute(a[1].bytes, params,
                                  request ? request->deadline : std::nullopt);
        if (!q) {
          r[0] = (q.error().detail & 0xff) == SQLITE_FULL ? Val::err(Val::variant(kDatabaseFull))
                                                          : ioError(q.error().message);
          return {};
        }
        r[0] = Val::ok(queryResult(*q));
        return {};
      });
  if (!v3) return;
  linker.defineFunc(iface, "[method]connection.last-insert-rowid",
                    [type](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                      auto conn = handleConn(call, type, a[0]);
                      if (!conn) return fail(conn.error());
                      r[0] = Val::s64((*conn)->lastInsertRowid());
                      return {};
                    });
  linker.defineFunc(iface, "[method]connection.changes",
                    [type](HostCall& call, std::span<Val> a, std::span<Val> r) -> Result<void> {
                      auto conn = handleConn(call, type, a[0]);
                      if (!conn) return fail(conn.error());
                      r[0] = Val::u64((*conn)->changes());
                      return {};
                    });
}

}  // namespace

void defineSqlite(ComponentLinker& linker) {
  defineVersion(linker, kSpinSqlite2, false);
  defineVersion(linker, kSpinSqlite3, true);
}

}  // namespace tern::host
