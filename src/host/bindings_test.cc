// Host-service bindings called as a component would call them: through ComponentLinker::findFunc
// with a Session whose user data leads to the component's services.
#include "host/bindings.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "common/limits.h"
#include "component/component.h"
#include "wasi2/wasi2.h"

namespace tern::host {
namespace {

namespace fs = std::filesystem;
using component::ComponentLinker;
using component::HostCall;
using component::Session;
using component::TypeKind;
using component::Val;

class BindingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("tern_bindings_" + std::to_string(getpid()))).string();
    fs::remove_all(dir_);
    engine_ = instance::Engine::create({}).value();
    defineHostServices(linker_);
    auto kv = makeSqliteKvStore(dir_ + "/.spin/sqlite_key_value.db", "default").value();
    services_.id = "app";
    services_.stores.emplace("default", kv);
    services_.databases.emplace("default", openSqlDatabase(dir_ + "/.spin/sqlite_db.db").value());
    services_.variables.emplace("api_url", "https://example.test/v1");
    ctx_.services = &services_;
    session_ = std::make_unique<Session>(*engine_, instance::StoreLimits{}, &ctx_);
  }
  void TearDown() override {
    session_.reset();
    fs::remove_all(dir_);
  }

  // Calls `iface`'s `name` and returns its single result (or a default Val for none).
  Val call(const char* iface, const char* name, std::vector<Val> args, Session* s = nullptr) {
    const component::HostFunc* f = linker_.findFunc(iface, name);
    EXPECT_NE(f, nullptr) << iface << " " << name;
    if (!f) return {};
    HostCall hc(s ? *s : *session_, nullptr);
    std::vector<Val> results(1);
    auto r = (*f)(hc, args, results);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return results[0];
  }
  // `result<own<T>, e>` -> the rep.
  uint32_t okOwn(const Val& v) {
    EXPECT_EQ(v.kind, TypeKind::kResult);
    EXPECT_TRUE(v.isOk());
    return v.isOk() ? v.payload().rep() : 0;
  }

  std::string dir_;
  std::unique_ptr<instance::Engine> engine_;
  ComponentLinker linker_;
  ComponentServices services_;
  instance::RequestContext ctx_;
  std::unique_ptr<Session> session_;
};

constexpr const char* kSpinKv = "fermyon:spin/key-value@2.0.0";
constexpr const char* kStore = "wasi:keyvalue/store@0.2.0-draft2";
constexpr const char* kAtomics = "wasi:keyvalue/atomics@0.2.0-draft2";
constexpr const char* kBatch = "wasi:keyvalue/batch@0.2.0-draft2";

TEST_F(BindingsTest, SpinKeyValueRoundTrip) {
  uint32_t store = okOwn(call(kSpinKv, "[static]store.open", {Val::string("default")}));
  Val b = Val::borrow(store);
  EXPECT_TRUE(
      call(kSpinKv, "[method]store.set", {b, Val::string("k"), Val::byteList("v1")}).isOk());
  Val got = call(kSpinKv, "[method]store.get", {b, Val::string("k")});
  ASSERT_TRUE(got.isOk());
  ASSERT_TRUE(got.payload().isSome());
  EXPECT_EQ(got.payload().payload().bytes, "v1");
  EXPECT_FALSE(call(kSpinKv, "[method]store.get", {b, Val::string("nope")}).payload().isSome());
  EXPECT_TRUE(call(kSpinKv, "[method]store.exists", {b, Val::string("k")}).payload().b);
  Val keys = call(kSpinKv, "[method]store.get-keys", {b});
  ASSERT_EQ(keys.payload().items.size(), 1u);
  EXPECT_EQ(keys.payload().items[0].bytes, "k");
  EXPECT_TRUE(call(kSpinKv, "[method]store.delete", {b, Val::string("k")}).isOk());
  EXPECT_FALSE(call(kSpinKv, "[method]store.exists", {b, Val::string("k")}).payload().b);
  // The handle ends with the Session's host objects.
  EXPECT_EQ(session_->resources().live(), 1u);
}

TEST_F(BindingsTest, UngrantedStoreIsAccessDenied) {
  Val r = call(kSpinKv, "[static]store.open", {Val::string("secrets")});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.payload().disc, 2u);  // access-denied
  Val w = call(kStore, "open", {Val::string("secrets")});
  ASSERT_FALSE(w.isOk());
  EXPECT_EQ(w.payload().disc, 1u);  // wasi access-denied
  // A request with no services (no context) is denied too, never silently served.
  Session bare(*engine_, instance::StoreLimits{}, nullptr);
  EXPECT_FALSE(call(kSpinKv, "[static]store.open", {Val::string("default")}, &bare).isOk());
}

TEST_F(BindingsTest, OversizedKeyIsAnErrorValue) {
  uint32_t store = okOwn(call(kSpinKv, "[static]store.open", {Val::string("default")}));
  Val r = call(kSpinKv, "[method]store.set",
               {Val::borrow(store), Val::string(std::string(limits::kMaxKvKeyBytes + 1, 'k')),
                Val::byteList("v")});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.payload().disc, 3u);  // other(string)
  EXPECT_NE(r.payload().payload().bytes.find("exceeds the limit"), std::string::npos);
}

TEST_F(BindingsTest, WasiKeyValueAtomicsAndCas) {
  Val bucket = Val::borrow(okOwn(call(kStore, "open", {Val::string("default")})));
  EXPECT_EQ(call(kAtomics, "increment", {bucket, Val::string("n"), Val::s64(3)}).payload().i, 3);
  EXPECT_EQ(call(kAtomics, "increment", {bucket, Val::string("n"), Val::s64(4)}).payload().i, 7);

  uint32_t cas = okOwn(call(kAtomics, "[static]cas.new", {bucket, Val::string("n")}));
  Val cur = call(kAtomics, "[method]cas.current", {Val::borrow(cas)});
  EXPECT_EQ(cur.payload().payload().bytes, "7");
  // Someone else writes first: the swap fails and hands the cas back with the new value.
  EXPECT_EQ(call(kAtomics, "increment", {bucket, Val::string("n"), Val::s64(1)}).payload().i, 8);
  Val failed = call(kAtomics, "swap", {Val::own(cas), Val::byteList("100")});
  ASSERT_FALSE(failed.isOk());
  ASSERT_EQ(failed.payload().disc, 1u);  // cas-failed(cas)
  uint32_t again = failed.payload().payload().rep();
  EXPECT_EQ(call(kAtomics, "[method]cas.current", {Val::borrow(again)}).payload().payload().bytes,
            "8");
  EXPECT_TRUE(call(kAtomics, "swap", {Val::own(again), Val::byteList("100")}).isOk());
  Val got = call(kStore, "[method]bucket.get", {bucket, Val::string("n")});
  EXPECT_EQ(got.payload().payload().bytes, "100");
  EXPECT_EQ(session_->resources().live(), 1u);  // the cas was consumed; only the bucket is left
}

TEST_F(BindingsTest, WasiKeyValueBatchAndListing) {
  Val bucket = Val::borrow(okOwn(call(kStore, "open", {Val::string("default")})));
  std::vector<Val> entries;
  for (size_t i = 0; i < limits::kKvListPageKeys; ++i) {
    char key[16];
    snprintf(key, sizeof key, "k%05zu", i);
    entries.push_back(Val::tuple({Val::string(key), Val::byteList(std::to_string(i))}));
  }
  ASSERT_TRUE(call(kBatch, "set-many", {bucket, Val::list(entries)}).isOk());
  ASSERT_TRUE(
      call(kStore, "[method]bucket.set", {bucket, Val::string("z"), Val::byteList("last")}).isOk());
  Val page1 = call(kStore, "[method]bucket.list-keys", {bucket, Val::none()});
  ASSERT_TRUE(page1.isOk());
  EXPECT_EQ(page1.payload().items[0].items.size(), limits::kKvListPageKeys);
  ASSERT_TRUE(page1.payload().items[1].isSome());
  Val page2 = call(kStore, "[method]bucket.list-keys", {bucket, page1.payload().items[1]});
  ASSERT_EQ(page2.payload().items[0].items.size(), 1u);
  EXPECT_EQ(page2.payload().items[0].items[0].bytes, "z");
  EXPECT_FALSE(page2.payload().items[1].isSome());

  Val many = call(kBatch, "get-many",
                  {bucket, Val::list({Val::string("k00007"), Val::string("missing")})});
  ASSERT_TRUE(many.isOk());
  ASSERT_EQ(many.payload().items.size(), 2u);
  EXPECT_EQ(many.payload().items[0].items[1].payload().bytes, "7");
  EXPECT_FALSE(many.payload().items[1].items[1].isSome());
  EXPECT_TRUE(call(kBatch, "delete-many", {bucket, Val::list({Val::string("k00007")})}).isOk());
  EXPECT_FALSE(call(kStore, "[method]bucket.exists", {bucket, Val::string("k00007")}).payload().b);
}

// 32 requests at once, each in its own Session on its own thread, increment one counter.
TEST_F(BindingsTest, ConcurrentIncrementsThroughAtomicsLoseNoUpdate) {
  constexpr int kRequests = 32, kEach = 10;
  std::vector<std::thread> threads;
  for (int t = 0; t < kRequests; ++t) {
    threads.emplace_back([&] {
      Session s(*engine_, instance::StoreLimits{}, &ctx_);
      Val bucket = Val::borrow(okOwn(call(kStore, "open", {Val::string("default")}, &s)));
      for (int i = 0; i < kEach; ++i) {
        EXPECT_TRUE(
            call(kAtomics, "increment", {bucket, Val::string("hits"), Val::s64(1)}, &s).isOk());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(services_.store("default")->get("hits").value(), std::to_string(kRequests * kEach));
}

constexpr const char* kSql2 = "fermyon:spin/sqlite@2.0.0";
constexpr const char* kSql3 = "spin:sqlite/sqlite@3.0.0";

TEST_F(BindingsTest, SqliteExecuteWithParameters) {
  Val conn = Val::borrow(okOwn(call(kSql3, "[static]connection.open", {Val::string("default")})));
  ASSERT_TRUE(
      call(kSql3, "[method]connection.execute",
           {conn, Val::string("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, w REAL, b BLOB)"),
            Val::list({})})
          .isOk());
  Val ins =
      call(kSql3, "[method]connection.execute",
           {conn, Val::string("INSERT INTO t (name, w, b) VALUES (?, ?, ?)"),
            Val::list({Val::variant(2, Val::string("ann")), Val::variant(1, Val::float64(1.5)),
                       Val::variant(3, Val::byteList("\x01\x02"))})});
  ASSERT_TRUE(ins.isOk());
  EXPECT_EQ(call(kSql3, "[method]connection.last-insert-rowid", {conn}).i, 1);
  EXPECT_EQ(call(kSql3, "[method]connection.changes", {conn}).u, 1u);
  Val sel = call(kSql3, "[method]connection.execute",
                 {conn, Val::string("SELECT id, name, w, b, NULL AS n FROM t WHERE name = ?"),
                  Val::list({Val::variant(2, Val::string("ann"))})});
  ASSERT_TRUE(sel.isOk());
  const Val& q = sel.payload();
  ASSERT_EQ(q.items[0].items.size(), 5u);
  EXPECT_EQ(q.items[0].items[1].bytes, "name");
  ASSERT_EQ(q.items[1].items.size(), 1u);
  const Val& row = q.items[1].items[0].items[0];
  EXPECT_EQ(row.items[0].disc, 0u);
  EXPECT_EQ(row.items[0].payload().i, 1);
  EXPECT_EQ(row.items[1].payload().bytes, "ann");
  EXPECT_EQ(row.items[2].payload().f64, 1.5);
  EXPECT_EQ(row.items[3].payload().bytes, "\x01\x02");
  EXPECT_EQ(row.items[4].disc, 4u);  // null
}

TEST_F(BindingsTest, SqliteErrorsAreErrorValues) {
  Val conn = Val::borrow(okOwn(call(kSql2, "[static]connection.open", {Val::string("default")})));
  Val bad = call(kSql2, "[method]connection.execute",
                 {conn, Val::string("SELECT * FROM missing_table"), Val::list({})});
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.payload().disc, 4u);  // io(string)
  EXPECT_NE(bad.payload().payload().bytes.find("missing_table"), std::string::npos);
  Val denied = call(kSql2, "[static]connection.open", {Val::string("analytics")});
  ASSERT_FALSE(denied.isOk());
  EXPECT_EQ(denied.payload().disc, 1u);  // access-denied
  // spin:sqlite@3 adds functions that @2 does not have.
  EXPECT_EQ(linker_.findFunc(kSql2, "[method]connection.changes"), nullptr);
}

TEST_F(BindingsTest, SqliteStatementEndsAtTheRequestDeadline) {
  Val conn = Val::borrow(okOwn(call(kSql3, "[static]connection.open", {Val::string("default")})));
  ctx_.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  Val r = call(kSql3, "[method]connection.execute",
               {conn,
                Val::string("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                            "SELECT count(*) FROM n"),
                Val::list({})});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.payload().disc, 4u);  // io(string)
  EXPECT_NE(r.payload().payload().bytes.find("interrupt"), std::string::npos);
}

TEST_F(BindingsTest, VariablesAndWasiConfig) {
  constexpr const char* kVars = "fermyon:spin/variables@2.0.0";
  constexpr const char* kConfig = "wasi:config/store@0.2.0-draft-2024-09-27";
  Val ok = call(kVars, "get", {Val::string("api_url")});
  ASSERT_TRUE(ok.isOk());
  EXPECT_EQ(ok.payload().bytes, "https://example.test/v1");
  Val undefined = call(kVars, "get", {Val::string("other")});
  EXPECT_EQ(undefined.payload().disc, 1u);
  Val invalid = call(kVars, "get", {Val::string("Bad-Name")});
  EXPECT_EQ(invalid.payload().disc, 0u);
  EXPECT_EQ(call(kConfig, "get", {Val::string("api_url")}).payload().payload().bytes,
            "https://example.test/v1");
  EXPECT_FALSE(call(kConfig, "get", {Val::string("other")}).payload().isSome());
  Val all = call(kConfig, "get-all", {});
  ASSERT_EQ(all.payload().items.size(), 1u);
  EXPECT_EQ(all.payload().items[0].items[0].bytes, "api_url");
}

}  // namespace
}  // namespace tern::host
