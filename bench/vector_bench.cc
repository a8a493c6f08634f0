// vector_bench: 100k x 384 generated embeddings; build time, recall@10 against the exact (flat)
// index and query latency (p50/p99, one query at a time) of the IVF and HNSW indexes.
//   vector_bench [N] [QUERIES]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <unistd.h>

#include "vector/synthetic.h"
#include "vector/vector_index.h"

using namespace tern::vector;
using Ms = std::chrono::duration<double, std::milli>;

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::stoul(argv[1]) : 100000, d = 384;
  const size_t queries = argc > 2 ? std::stoul(argv[2]) : 200;
  auto base = synthetic::mixture(n, d, 200, 0.6f, 1);
  auto qs = synthetic::mixture(queries, d, 200, 0.6f, 2);
  std::vector<Item> items;
  for (size_t i = 0; i < n; ++i) items.push_back({std::to_string(i), {&base[i * d], d}});
  std::vector<std::vector<std::string>> exact(queries);
  for (IndexKind kind : {IndexKind::kFlat, IndexKind::kIvf, IndexKind::kHnsw}) {
    auto dir = std::filesystem::temp_directory_path() /
               ("tern_vbench_" + std::to_string(getpid()) + std::string(kindName(kind)));
    std::filesystem::remove_all(dir);
    IndexOptions o;
    o.dimensions = d;
    o.kind = kind;
    auto idx = VectorIndex::open(dir, o);
    auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < n; i += 10000) {
      auto r = (*idx)->upsert({items.data() + i, std::min<size_t>(10000, n - i)});
      if (!r) {
        std::fprintf(stderr, "upsert: %s\n", r.error().toString().c_str());
        return 1;
      }
    }
    double build = Ms(std::chrono::steady_clock::now() - t0).count();
    std::vector<double> lat;
    size_t hits = 0;
    for (size_t q = 0; q < queries; ++q) {
      auto s = std::chrono::steady_clock::now();
      auto r = (*idx)->query({&qs[q * d], d}, 10);
      lat.push_back(Ms(std::chrono::steady_clock::now() - s).count());
      std::vector<std::string> ids;
      for (const auto& m : *r) ids.push_back(m.id);
      if (kind == IndexKind::kFlat) {
        exact[q] = ids;
        hits += 10;
      } else {
        std::set<std::string> got(ids.begin(), ids.end());
        for (const auto& w : exact[q]) hits += got.count(w);
      }
    }
    std::sort(lat.begin(), lat.end());
    std::printf("%-4s n=%zu d=%zu: build %.0f ms, recall@10 %.3f (vs flat), query p50 %.3f ms "
                "p99 %.3f ms\n",
                std::string(kindName(kind)).c_str(), n, d, build,
                double(hits) / double(queries * 10), lat[lat.size() / 2],
                lat[lat.size() * 99 / 100]);
    std::filesystem::remove_all(dir);
  }
  return 0;
}
