// SQLite databases for guests: parameterised statements, errors as values, pooling, limits.
#include "host/sqlite_db.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/limits.h"

namespace tern::host {
namespace {

namespace fs = std::filesystem;

class SqliteDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("tern_sqldb_" + std::to_string(getpid()))).string();
    fs::remove_all(dir_);
    auto db = openSqlDatabase(dir_ + "/.spin/sqlite_db.db");
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = *db;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
  std::shared_ptr<SqlDatabase> db_;
};

TEST_F(SqliteDbTest, CreateInsertSelectWithParameters) {
  auto conn = db_->acquire().value();
  ASSERT_TRUE(conn->execute("CREATE TABLE pets (id INTEGER PRIMARY KEY, name TEXT, age REAL, "
                            "photo BLOB, note TEXT)",
                            {})
                  .has_value());
  std::vector<SqlValue> params{SqlValue::ofText("Rex"), SqlValue::ofReal(3.5),
                               SqlValue::ofBlob(std::string("\x00\xff", 2)), SqlValue::null()};
  ASSERT_TRUE(conn->execute("INSERT INTO pets (name, age, photo, note) VALUES (?, ?, ?, ?)", params)
                  .has_value());
  EXPECT_EQ(conn->lastInsertRowid(), 1);
  EXPECT_EQ(conn->changes(), 1u);
  std::vector<SqlValue> where{SqlValue::ofInteger(1)};
  auto r = conn->execute("SELECT id, name, age, photo, note FROM pets WHERE id = ?1", where);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->columns, (std::vector<std::string>{"id", "name", "age", "photo", "note"}));
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(r->rows[0][0], SqlValue::ofInteger(1));
  EXPECT_EQ(r->rows[0][1], SqlValue::ofText("Rex"));
  EXPECT_EQ(r->rows[0][2], SqlValue::ofReal(3.5));
  EXPECT_EQ(r->rows[0][3], SqlValue::ofBlob(std::string("\x00\xff", 2)));
  EXPECT_EQ(r->rows[0][4], SqlValue::null());
}

TEST_F(SqliteDbTest, ErrorsAreValuesNotCrashes) {
  auto conn = db_->acquire().value();
  auto syntax = conn->execute("SELEC nonsense", {});
  ASSERT_FALSE(syntax.has_value());
  EXPECT_NE(syntax.error().message.find("syntax error"), std::string::npos);
  auto missing = conn->execute("SELECT * FROM no_such_table", {});
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("no_such_table"), std::string::npos);
  std::vector<SqlValue> one{SqlValue::ofInteger(1)};
  auto count = conn->execute("SELECT ?1, ?2", one);
  ASSERT_FALSE(count.has_value());
  EXPECT_EQ(count.error().code, ErrorCode::kInvalidArgument);
  auto two = conn->execute("SELECT 1; SELECT 2", {});
  ASSERT_FALSE(two.has_value());
  EXPECT_NE(two.error().message.find("more than one"), std::string::npos);
  EXPECT_FALSE(conn->execute("", {}).has_value());
  EXPECT_TRUE(conn->execute("SELECT 1; -- trailing comment", {}).has_value());
}

TEST_F(SqliteDbTest, ResultSizeIsBounded) {
  auto conn = db_->acquire().value();
  // A recursive CTE producing more bytes than the limit: an error, not host memory exhaustion.
  auto r = conn->execute(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
      "SELECT zeroblob(65536) FROM n",
      {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("exceeds"), std::string::npos);
}

TEST_F(SqliteDbTest, ConnectionsArePooledAndBounded) {
  std::vector<std::unique_ptr<SqlConnection>> held;
  for (size_t i = 0; i < limits::kMaxSqlConnections; ++i) {
    auto c = db_->acquire();
    ASSERT_TRUE(c.has_value()) << c.error().message;
    held.push_back(std::move(*c));
  }
  auto over = db_->acquire();
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().code, ErrorCode::kResourceExhausted);
  held.pop_back();
  EXPECT_TRUE(db_->acquire().has_value());
}

TEST_F(SqliteDbTest, OpenTransactionIsRolledBackOnRelease) {
  {
    auto conn = db_->acquire().value();
    ASSERT_TRUE(conn->execute("CREATE TABLE t (x)", {}).has_value());
    ASSERT_TRUE(conn->execute("BEGIN", {}).has_value());
    ASSERT_TRUE(conn->execute("INSERT INTO t VALUES (1)", {}).has_value());
  }  // released mid-transaction
  auto conn = db_->acquire().value();
  EXPECT_TRUE(conn->execute("SELECT x FROM t", {}).value().rows.empty());
  EXPECT_TRUE(conn->execute("INSERT INTO t VALUES (2)", {}).has_value());  // not stuck in a tx
}

TEST_F(SqliteDbTest, ScriptsRunSeveralStatementsAndPersist) {
  ASSERT_TRUE(db_->executeScript("CREATE TABLE kv (k TEXT, v TEXT); "
                                 "INSERT INTO kv VALUES ('a', '1');")
                  .has_value());
  auto bad = db_->executeScript("INSERT INTO nope VALUES (1)");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("nope"), std::string::npos);
  auto reopened = openSqlDatabase(dir_ + "/.spin/sqlite_db.db").value();
  auto rows = reopened->acquire().value()->execute("SELECT v FROM kv", {}).value().rows;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], SqlValue::ofText("1"));
}

}  // namespace
}  // namespace tern::host
