// Vector indexes: CRUD on flat/IVF/HNSW, persistence through the log and snapshots (torn tails
// included), validation, and recall@10 of IVF and HNSW against exact search on 10k x 384.
#include "vector/vector_index.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <set>

#include "vector/synthetic.h"

namespace tern::vector {
namespace {

namespace fs = std::filesystem;

class VectorTest : public ::testing::TestWithParam<IndexKind> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tern_vec_" + std::to_string(getpid()) + "_" + std::string(kindName(GetParam())));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  IndexOptions opts(uint32_t d) {
    IndexOptions o;
    o.dimensions = d;
    o.kind = GetParam();
    o.ivfTrainAt = 64;
    o.durable = false;
    return o;
  }
  fs::path dir_;
};

std::vector<float> unit(uint32_t d, uint32_t axis, float tilt = 0) {
  std::vector<float> v(d, 0.0f);
  v[axis] = 1.0f;
  v[(axis + 1) % d] = tilt;
  return v;
}

TEST_P(VectorTest, UpsertQueryDeleteAndReopen) {
  const uint32_t d = 8;
  {
    auto idx = VectorIndex::open(dir_, opts(d));
    ASSERT_TRUE(idx) << idx.error().toString();
    std::vector<std::vector<float>> vs;
    std::vector<Item> items;
    for (uint32_t i = 0; i < 200; ++i) vs.push_back(unit(d, i % d, 0.01f * float(i / d)));
    for (uint32_t i = 0; i < 200; ++i) items.push_back({"doc-" + std::to_string(i), vs[i]});
    ASSERT_TRUE((*idx)->upsert(items));
    EXPECT_EQ((*idx)->size(), 200u);
    auto q = unit(d, 3);
    auto r = (*idx)->query(q, 5);
    ASSERT_TRUE(r) << r.error().toString();
    ASSERT_EQ(r->size(), 5u);
    EXPECT_EQ((*r)[0].id, "doc-3");  // the exact axis vector; tilt grows with i
    EXPECT_NEAR((*r)[0].score, 1.0f, 1e-5);
    for (size_t i = 1; i < r->size(); ++i) EXPECT_GE((*r)[i - 1].score, (*r)[i].score);
    std::vector<std::string> gone{"doc-3", "doc-11", "missing"};
    auto n = (*idx)->remove(gone);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 2u);
    r = (*idx)->query(q, 5);
    ASSERT_TRUE(r);
    for (const auto& m : *r) EXPECT_TRUE(m.id != "doc-3" && m.id != "doc-11");
    EXPECT_EQ((*r)[0].id, "doc-19");
    auto moved = unit(d, 5, 0.05f);  // replace doc-19: it leaves axis 3
    std::vector<Item> replace{{"doc-19", moved}};
    ASSERT_TRUE((*idx)->upsert(replace));
    EXPECT_EQ((*idx)->size(), 198u);
    r = (*idx)->query(q, 1);
    EXPECT_EQ((*r)[0].id, "doc-27");
  }
  for (int round = 0; round < 2; ++round) {  // from the log, then from a snapshot
    auto idx = VectorIndex::open(dir_);
    ASSERT_TRUE(idx) << idx.error().toString();
    EXPECT_EQ((*idx)->size(), 198u);
    auto r = (*idx)->query(unit(d, 3), 1);
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)[0].id, "doc-27");
    r = (*idx)->query(unit(d, 5), 1);
    EXPECT_EQ((*r)[0].id, "doc-5");
    ASSERT_TRUE((*idx)->compact());
  }
}

TEST_P(VectorTest, TornLogTailIsDropped) {
  const uint32_t d = 4;
  {
    auto idx = VectorIndex::open(dir_, opts(d));
    ASSERT_TRUE(idx);
    auto v = unit(d, 1);
    std::vector<Item> items{{"a", v}};
    ASSERT_TRUE((*idx)->upsert(items));
  }
  std::ofstream(dir_ / "log.bin", std::ios::app | std::ios::binary) << "\x01\x05\x00\x00\x00ab";
  auto idx = VectorIndex::open(dir_);
  ASSERT_TRUE(idx) << idx.error().toString();
  EXPECT_EQ((*idx)->size(), 1u);
  auto v = unit(d, 2);
  std::vector<Item> items{{"b", v}};
  ASSERT_TRUE((*idx)->upsert(items));  // appends after the cut, so it survives a reopen
  idx->reset();
  idx = VectorIndex::open(dir_);
  ASSERT_TRUE(idx);
  EXPECT_EQ((*idx)->size(), 2u);
}

TEST_P(VectorTest, Validation) {
  auto idx = VectorIndex::open(dir_, opts(4));
  ASSERT_TRUE(idx);
  std::vector<float> three(3, 1.0f), nan(4, NAN), ok(4, 1.0f);
  std::vector<Item> bad1{{"x", three}}, bad2{{"x", nan}}, bad3{{"", ok}};
  EXPECT_FALSE((*idx)->upsert(bad1));
  EXPECT_FALSE((*idx)->upsert(bad2));
  EXPECT_FALSE((*idx)->upsert(bad3));
  EXPECT_EQ((*idx)->size(), 0u);
  EXPECT_FALSE((*idx)->query(three, 3));
  auto empty = (*idx)->query(ok, 3);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  auto other = opts(4);
  other.dimensions = 5;
  EXPECT_FALSE(VectorIndex::open(dir_, other));
}

INSTANTIATE_TEST_SUITE_P(Kinds, VectorTest,
                         ::testing::Values(IndexKind::kFlat, IndexKind::kIvf, IndexKind::kHnsw),
                         [](const auto& info) { return std::string(kindName(info.param)); });

TEST(VectorStoreTest, CreateOpenDrop) {
  auto root = fs::temp_directory_path() / ("tern_vstore_" + std::to_string(getpid()));
  fs::remove_all(root);
  auto store = VectorStore::open(root);
  ASSERT_TRUE(store);
  IndexOptions o;
  o.dimensions = 4;
  EXPECT_TRUE((*store)->createIndex("docs", o));
  EXPECT_TRUE((*store)->createIndex("docs", o));  // idempotent
  auto other = o;
  other.metric = Metric::kL2;
  EXPECT_FALSE((*store)->createIndex("docs", other));
  EXPECT_FALSE((*store)->createIndex("../escape", o));
  EXPECT_FALSE((*store)->openIndex("nope"));
  EXPECT_EQ((*store)->list(), std::vector<std::string>{"docs"});
  EXPECT_TRUE((*store)->dropIndex("docs"));
  EXPECT_FALSE((*store)->dropIndex("docs"));
  EXPECT_TRUE((*store)->list().empty());
  fs::remove_all(root);
}

// A short version of bench/vector_bench (100k x 384): 10k x 384, recall@10 of each ANN kind.
TEST(VectorRecall, IvfAndHnswAgainstExact) {
  const size_t n = 10000, d = 384, queries = 50;
  auto base = synthetic::mixture(n, d, 100, 0.6f, 1);
  auto qs = synthetic::mixture(queries, d, 100, 0.6f, 2);
  for (IndexKind kind : {IndexKind::kIvf, IndexKind::kHnsw}) {
    auto dir = fs::temp_directory_path() /
               ("tern_recall_" + std::to_string(getpid()) + std::string(kindName(kind)));
    fs::remove_all(dir);
    IndexOptions o;
    o.dimensions = d;
    o.kind = kind;
    o.durable = false;
    auto idx = VectorIndex::open(dir, o);
    ASSERT_TRUE(idx);
    std::vector<Item> items;
    for (size_t i = 0; i < n; ++i) items.push_back({std::to_string(i), {&base[i * d], d}});
    ASSERT_TRUE((*idx)->upsert(items));
    size_t hits = 0;
    for (size_t q = 0; q < queries; ++q) {
      auto want = synthetic::exactTopK(base, d, &qs[q * d], 10);
      auto got = (*idx)->query({&qs[q * d], d}, 10);
      ASSERT_TRUE(got);
      std::set<std::string> ids;
      for (const auto& m : *got) ids.insert(m.id);
      for (size_t w : want) hits += ids.count(std::to_string(w));
    }
    double recall = double(hits) / double(queries * 10);
    std::printf("%s recall@10 = %.3f on %zu x %zu\n", std::string(kindName(kind)).c_str(), recall,
                n, d);
    EXPECT_GE(recall, 0.95) << kindName(kind);
    fs::remove_all(dir);
  }
}

}  // namespace
}  // namespace tern::vector
