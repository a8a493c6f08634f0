// Vector indexes over FAISS (flat, IVF, HNSW) with string ids, upsert/delete, and an on-disk
// snapshot + append-only log per index; VectorStore holds one app's indexes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace tern::vector {

enum class Metric { kCosine, kL2, kInnerProduct };
enum class IndexKind { kFlat, kIvf, kHnsw };

struct IndexOptions {
  uint32_t dimensions = 0;
  Metric metric = Metric::kCosine;
  IndexKind kind = IndexKind::kHnsw;
  // HNSW: graph degree, build and search breadth.
  int hnswM = 32, efConstruction = 80, efSearch = 256;
  // IVF: exact search until `ivfTrainAt` vectors, then k-means with nlist = 4 sqrt(n) lists,
  // `nprobe` of them scanned per query (0: max(8, nlist / 64)); the lists are retrained
  // whenever the index has grown fourfold since.
  size_t ivfTrainAt = 4096;
  int nprobe = 0;
  bool durable = true;  // fdatasync the log after every upsert/delete call
};

struct Item {
  std::string id;
  std::span<const float> vector;
};

// Cosine and inner product: higher is closer. L2: squared distance, lower is closer.
struct Match {
  std::string id;
  float score;
};

// Thread-safe: queries run concurrently, writes exclusively.
class VectorIndex {
 public:
  // Opens (or creates) the index stored in `dir`. kInvalidArgument for options that differ from
  // the stored ones; kMalformed for a damaged snapshot (a torn log tail is dropped, not an error).
  static Result<std::shared_ptr<VectorIndex>> open(const std::filesystem::path& dir,
                                                   const IndexOptions& options);
  // Opens an existing index with its stored options.
  static Result<std::shared_ptr<VectorIndex>> open(const std::filesystem::path& dir);
  ~VectorIndex();

  // Inserts or replaces each item; all-or-nothing on validation (dimension, empty/oversized id,
  // NaN/inf). Durable (logged) when it returns.
  Result<void> upsert(std::span<const Item> items);
  // The k nearest live vectors, best first.
  Result<std::vector<Match>> query(std::span<const float> vector, uint32_t k) const;
  // Deletes the ids that exist; returns how many did.
  Result<uint32_t> remove(std::span<const std::string> ids);
  size_t size() const;
  const IndexOptions& options() const { return options_; }
  // Writes a snapshot (vectors, ids, the FAISS index) and empties the log.
  Result<void> compact();

  struct State;

 private:
  VectorIndex(std::filesystem::path dir, IndexOptions options);
  std::filesystem::path dir_;
  IndexOptions options_;
  mutable std::shared_mutex mutex_;
  std::unique_ptr<State> state_;
};

std::string_view metricName(Metric m);
std::string_view kindName(IndexKind k);

// One app's indexes under `root/<name>/`. Names: 1-64 of [a-z0-9_-].
class VectorStore {
 public:
  static Result<std::unique_ptr<VectorStore>> open(const std::filesystem::path& root);
  // Creates the index, or opens it when it exists with the same dimensions/metric/kind.
  Result<std::shared_ptr<VectorIndex>> createIndex(const std::string& name, const IndexOptions& options);
  // kInvalidArgument when it does not exist.
  Result<std::shared_ptr<VectorIndex>> openIndex(const std::string& name);
  Result<void> dropIndex(const std::string& name);
  std::vector<std::string> list() const;

 private:
  explicit VectorStore(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<VectorIndex>> open_;
};

}  // namespace tern::vector
