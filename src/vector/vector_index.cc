// VectorIndex: slots of vectors + a FAISS index over them (live nodes selected by a bitmap),
// persisted as snapshot.bin + index.faiss + an append-only, CRC-checked log.bin.
#include "vector/vector_index.h"

#include <fcntl.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_io.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "vector/limits.h"

// The OpenMP runtime FAISS runs on (GNU libgomp, linked by CMakeLists.txt) is reached through the
// OpenMP C API directly: its <omp.h> belongs to g++, and a clang build (ASan, fuzzing) must not
// bring LLVM's libomp in beside it, which would then be the runtime this guard talks to.
extern "C" int omp_get_max_threads();
extern "C" void omp_set_num_threads(int);

namespace tern::vector {

namespace fs = std::filesystem;
using idx_t = faiss::Index::idx_t;

struct VectorIndex::State {
  uint32_t dim = 0;
  std::vector<float> vectors;  // slot-major
  std::vector<std::string> ids;  // "" for a free slot
  std::unordered_map<std::string, int64_t> idToSlot;
  std::vector<int64_t> freeSlots;
  std::unique_ptr<faiss::Index> index;
  bool ivfTrained = false;
  size_t trainedOn = 0;  // live vectors when the IVF lists were trained
  std::vector<int64_t> nodeSlot;  // FAISS node -> slot, -1 when deleted
  std::vector<int64_t> slotNode;
  std::vector<uint8_t> liveBits;
  size_t dead = 0;
  int logFd = -1;
  uint64_t logBytes = 0, snapshotBytes = 0;

  const float* vec(int64_t slot) const { return &vectors[size_t(slot) * dim]; }
  size_t live() const { return idToSlot.size(); }
};

std::string_view metricName(Metric m) {
  switch (m) {
    case Metric::kCosine: return "cosine";
    case Metric::kL2: return "l2";
    case Metric::kInnerProduct: return "inner-product";
  }
  return "?";
}

std::string_view kindName(IndexKind k) {
  switch (k) {
    case IndexKind::kFlat: return "flat";
    case IndexKind::kIvf: return "ivf";
    case IndexKind::kHnsw: return "hnsw";
  }
  return "?";
}

namespace {

// Cosine runs as L2 over unit vectors (same order: |a-b|^2 = 2 - 2 cos): FAISS's HNSW graphs are
// built far better under L2 than under inner product.
faiss::MetricType faissMetric(Metric m) {
  return m == Metric::kInnerProduct ? faiss::METRIC_INNER_PRODUCT : faiss::METRIC_L2;
}

void normalize(float* v, uint32_t d) {
  double n = 0;
  for (uint32_t i = 0; i < d; ++i) n += double(v[i]) * v[i];
  if (n <= 0) return;
  float inv = static_cast<float>(1.0 / std::sqrt(n));
  for (uint32_t i = 0; i < d; ++i) v[i] *= inv;
}

// FAISS reports errors by throwing; this is the one place they are turned into Results.
template <class F>
Result<void> faissCall(const char* what, F&& f) {
  try {
    f();
    return {};
  } catch (const std::exception& e) {
    return fail(ErrorCode::kIo, "faiss ", what, ": ", e.what());
  }
}

void putU32(std::string& out, uint32_t v) { out.append(reinterpret_cast<char*>(&v), 4); }

uint32_t crc(const std::string& s, size_t from = 0) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(s.data()) + from, static_cast<uInt>(s.size() - from)));
}

nlohmann::json optionsJson(const IndexOptions& o) {
  return {{"dimensions", o.dimensions}, {"metric", metricName(o.metric)}, {"kind", kindName(o.kind)},
          {"hnsw_m", o.hnswM}, {"ef_construction", o.efConstruction}, {"ivf_train_at", o.ivfTrainAt}};
}

Result<IndexOptions> optionsFrom(const nlohmann::json& j) {
  IndexOptions o;
  try {
    o.dimensions = j.at("dimensions").get<uint32_t>();
    auto m = j.at("metric").get<std::string>(), k = j.at("kind").get<std::string>();
    o.metric = m == "l2" ? Metric::kL2 : m == "inner-product" ? Metric::kInnerProduct : Metric::kCosine;
    o.kind = k == "flat" ? IndexKind::kFlat : k == "ivf" ? IndexKind::kIvf : IndexKind::kHnsw;
    o.hnswM = j.value("hnsw_m", o.hnswM);
    o.efConstruction = j.value("ef_construction", o.efConstruction);
    o.ivfTrainAt = j.value("ivf_train_at", o.ivfTrainAt);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kMalformed, "options.json: ", e.what());
  }
  return o;
}

Result<void> writeFileAtomic(const fs::path& path, const std::string& data) {
  auto tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(ErrorCode::kIo, "create ", tmp.string(), ": ", std::strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      ::close(fd);
      return fail(ErrorCode::kIo, "write ", tmp.string(), ": ", std::strerror(errno));
    }
    off += size_t(n);
  }
  fdatasync(fd);
  ::close(fd);
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return fail(ErrorCode::kIo, "rename ", tmp.string(), ": ", ec.message());
  return {};
}

}  // namespace

VectorIndex::VectorIndex(fs::path dir, IndexOptions options)
    : dir_(std::move(dir)), options_(options), state_(std::make_unique<State>()) {
  state_->dim = options_.dimensions;
}

VectorIndex::~VectorIndex() {
  if (state_->logFd >= 0) ::close(state_->logFd);
}

size_t VectorIndex::size() const {
  std::shared_lock lock(mutex_);
  return state_->live();
}

namespace {

std::unique_ptr<faiss::Index> newIndex(const IndexOptions& o, size_t n, const float* train) {
  auto metric = faissMetric(o.metric);
  if (o.kind == IndexKind::kHnsw) {
    auto h = std::make_unique<faiss::IndexHNSWFlat>(int(o.dimensions), o.hnswM, metric);
    h->hnsw.efConstruction = o.efConstruction;
    return h;
  }
  if (o.kind == IndexKind::kIvf && n >= o.ivfTrainAt && n > 0) {
    size_t nlist = std::clamp<size_t>(size_t(4 * std::sqrt(double(n))), 1, limits::kMaxIvfLists);
    auto* quantizer = new faiss::IndexFlat(int(o.dimensions), metric);
    auto ivf = std::make_unique<faiss::IndexIVFFlat>(quantizer, o.dimensions, nlist, metric);
    ivf->own_fields = true;
    ivf->cp.niter = 10;
    // k-means on at most 256 points per list: more adds time, not quality.
    ivf->cp.max_points_per_centroid = 256;
    ivf->train(idx_t(n), train);
    return ivf;
  }
  return std::make_unique<faiss::IndexFlat>(int(o.dimensions), metric);
}

}  // namespace

// Rebuilds the FAISS index over the live slots (compacting deleted nodes away).
static Result<void> rebuild(VectorIndex::State& s, const IndexOptions& o) {
  std::vector<float> live;
  live.reserve(s.live() * s.dim);
  std::vector<int64_t> order;
  for (int64_t slot = 0; slot < int64_t(s.ids.size()); ++slot) {
    if (s.ids[slot].empty()) continue;
    live.insert(live.end(), s.vec(slot), s.vec(slot) + s.dim);
    order.push_back(slot);
  }
  return faissCall("build", [&] {
    auto index = newIndex(o, order.size(), live.data());
    if (!order.empty()) index->add(idx_t(order.size()), live.data());
    s.ivfTrained = dynamic_cast<faiss::IndexIVFFlat*>(index.get()) != nullptr;
    s.trainedOn = order.size();
    s.index = std::move(index);
    s.nodeSlot = order;
    s.slotNode.assign(s.ids.size(), -1);
    for (size_t n = 0; n < order.size(); ++n) s.slotNode[order[n]] = int64_t(n);
    s.liveBits.assign(order.size() / 8 + 1, 0xff);
    s.dead = 0;
  });
}

Result<void> compactLocked(VectorIndex::State& s, const IndexOptions& options, const fs::path& dir);

static void killNode(VectorIndex::State& s, int64_t slot) {
  int64_t node = slot < int64_t(s.slotNode.size()) ? s.slotNode[slot] : -1;
  if (node < 0) {
    if (node == -2) s.slotNode[slot] = -1;
    return;
  }
  s.nodeSlot[node] = -1;
  s.liveBits[node / 8] &= uint8_t(~(1u << (node % 8)));
  s.slotNode[slot] = -1;
  ++s.dead;
}

// Stores one upsert in its slot (the old node of a replaced id dies); returns the slot. The
// FAISS add happens in addSlots, once per batch (HNSW and IVF add batches in parallel).
static int64_t storeUpsert(VectorIndex::State& s, const std::string& id, const float* v) {
  int64_t slot;
  auto it = s.idToSlot.find(id);
  if (it != s.idToSlot.end()) {
    slot = it->second;
    killNode(s, slot);
  } else if (!s.freeSlots.empty()) {
    slot = s.freeSlots.back();
    s.freeSlots.pop_back();
  } else {
    slot = int64_t(s.ids.size());
    s.ids.emplace_back();
    s.vectors.resize(s.vectors.size() + s.dim);
    s.slotNode.push_back(-1);
  }
  s.ids[slot] = id;
  s.idToSlot[id] = slot;
  std::copy_n(v, s.dim, &s.vectors[size_t(slot) * s.dim]);
  return slot;
}

// Adds the given slots' vectors as new nodes (slots replaced again later in the batch skipped).
static Result<void> addSlots(VectorIndex::State& s, const IndexOptions& o,
                             const std::vector<int64_t>& slots) {
  // IVF lists are trained on what exists; retrain once the index has grown fourfold.
  if (o.kind == IndexKind::kIvf && s.live() >= o.ivfTrainAt &&
      (!s.ivfTrained || s.live() >= 4 * s.trainedOn)) {
    return rebuild(s, o);
  }
  std::vector<int64_t> fresh;
  std::vector<float> batch;
  for (int64_t slot : slots) {
    if (s.ids[slot].empty() || s.slotNode[slot] >= 0) continue;  // deleted, or added already
    s.slotNode[slot] = -2;  // mark: queued in this batch
    fresh.push_back(slot);
    batch.insert(batch.end(), s.vec(slot), s.vec(slot) + s.dim);
  }
  if (fresh.empty()) return {};
  return faissCall("add", [&] {
    s.index->add(idx_t(fresh.size()), batch.data());
    for (int64_t slot : fresh) {
      int64_t node = int64_t(s.nodeSlot.size());
      s.nodeSlot.push_back(slot);
      s.slotNode[slot] = node;
      if (s.liveBits.size() * 8 <= size_t(node)) s.liveBits.push_back(0);
      s.liveBits[node / 8] |= uint8_t(1u << (node % 8));
    }
  });
}

static void applyRemove(VectorIndex::State& s, const std::string& id) {
  auto it = s.idToSlot.find(id);
  if (it == s.idToSlot.end()) return;
  int64_t slot = it->second;
  killNode(s, slot);
  s.ids[slot].clear();
  s.freeSlots.push_back(slot);
  s.idToSlot.erase(it);
}

namespace {

enum : uint8_t { kRecUpsert = 1, kRecRemove = 2 };

void encodeRecord(std::string& out, uint8_t type, const std::string& id, const float* v,
                  uint32_t dim) {
  size_t start = out.size();
  out.push_back(static_cast<char>(type));
  putU32(out, uint32_t(id.size()));
  out += id;
  if (type == kRecUpsert) out.append(reinterpret_cast<const char*>(v), size_t(dim) * 4);
  putU32(out, crc(out, start));
}

Result<void> appendLog(VectorIndex::State& s, const std::string& data, bool durable) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(s.logFd, data.data() + off, data.size() - off);
    if (n <= 0) return fail(ErrorCode::kIo, "vector log write: ", std::strerror(errno));
    off += size_t(n);
  }
  if (durable && fdatasync(s.logFd) != 0) return fail(ErrorCode::kIo, "vector log fdatasync");
  s.logBytes += data.size();
  return {};
}

// Replays log.bin; a record cut short or failing its CRC ends the log (it is truncated there).
Result<void> replayLog(VectorIndex::State& s, const IndexOptions& o, const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), {});
  size_t pos = 0;
  std::vector<int64_t> pending;
  while (pos + 9 <= data.size()) {
    uint8_t type = uint8_t(data[pos]);
    uint32_t idLen;
    std::memcpy(&idLen, &data[pos + 1], 4);
    if (idLen > limits::kMaxIdBytes) break;
    size_t body = 5 + idLen + (type == kRecUpsert ? size_t(s.dim) * 4 : 0);
    if ((type != kRecUpsert && type != kRecRemove) || pos + body + 4 > data.size()) break;
    uint32_t want;
    std::memcpy(&want, &data[pos + body], 4);
    auto got = uint32_t(crc32(0, reinterpret_cast<const Bytef*>(&data[pos]), uInt(body)));
    if (got != want) break;
    std::string id = data.substr(pos + 5, idLen);
    if (type == kRecUpsert) {
      pending.push_back(storeUpsert(s, id, reinterpret_cast<const float*>(&data[pos + 5 + idLen])));
    } else {
      TERN_TRY(addSlots(s, o, pending));  // runs of upserts are added as one batch
      pending.clear();
      applyRemove(s, id);
    }
    pos += body + 4;
  }
  TERN_TRY(addSlots(s, o, pending));
  if (pos < data.size() && truncate(path.c_str(), off_t(pos)) != 0) {
    return fail(ErrorCode::kIo, "truncate ", path.string());
  }
  s.logBytes = pos;
  return {};
}

Result<void> readSnapshot(VectorIndex::State& s, const fs::path& dir) {
  std::ifstream in(dir / "snapshot.bin", std::ios::binary);
  if (!in) return {};
  std::string data((std::istreambuf_iterator<char>(in)), {});
  if (data.size() < 20 || data.compare(0, 4, "TVS1") != 0) {
    return fail(ErrorCode::kMalformed, (dir / "snapshot.bin").string(), ": not a vector snapshot");
  }
  uint32_t stored;
  std::memcpy(&stored, &data[data.size() - 4], 4);
  if (crc32(0, reinterpret_cast<const Bytef*>(data.data()), uInt(data.size() - 4)) != stored) {
    return fail(ErrorCode::kMalformed, (dir / "snapshot.bin").string(), ": checksum mismatch");
  }
  uint32_t dim;
  uint64_t count;
  std::memcpy(&dim, &data[4], 4);
  std::memcpy(&count, &data[8], 8);
  if (dim != s.dim) return fail(ErrorCode::kMalformed, "snapshot dimension differs from options");
  size_t pos = 16;
  for (uint64_t i = 0; i < count; ++i) {
    uint32_t idLen;
    if (pos + 4 > data.size() - 4) return fail(ErrorCode::kMalformed, "snapshot truncated");
    std::memcpy(&idLen, &data[pos], 4);
    if (idLen == 0 || idLen > limits::kMaxIdBytes || pos + 4 + idLen + size_t(dim) * 4 > data.size() - 4) {
      return fail(ErrorCode::kMalformed, "snapshot truncated");
    }
    std::string id = data.substr(pos + 4, idLen);
    s.idToSlot[id] = int64_t(s.ids.size());
    s.ids.push_back(std::move(id));
    const char* v = &data[pos + 4 + idLen];
    s.vectors.insert(s.vectors.end(), reinterpret_cast<const float*>(v),
                     reinterpret_cast<const float*>(v) + dim);
    pos += 4 + idLen + size_t(dim) * 4;
  }
  s.snapshotBytes = data.size();
  return {};
}

}  // namespace

Result<std::shared_ptr<VectorIndex>> VectorIndex::open(const fs::path& dir) {
  std::ifstream in(dir / "options.json");
  if (!in) return fail(ErrorCode::kInvalidArgument, "no vector index at ", dir.string());
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::kMalformed, (dir / "options.json").string());
  auto o = optionsFrom(j);
  if (!o) return fail(o.error());
  return open(dir, *o);
}

Result<std::shared_ptr<VectorIndex>> VectorIndex::open(const fs::path& dir,
                                                       const IndexOptions& options) {
  if (options.dimensions == 0 || options.dimensions > limits::kMaxDimensions) {
    return fail(ErrorCode::kInvalidArgument, "vector index: dimensions must be 1..",
                std::to_string(limits::kMaxDimensions));
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::kIo, "create ", dir.string(), ": ", ec.message());
  auto want = optionsJson(options);
  std::ifstream existing(dir / "options.json");
  if (existing) {
    auto have = nlohmann::json::parse(existing, nullptr, false);
    if (have.is_discarded() || have["dimensions"] != want["dimensions"] ||
        have["metric"] != want["metric"] || have["kind"] != want["kind"]) {
      return fail(ErrorCode::kInvalidArgument, "vector index at ", dir.string(),
                  " exists with other options: ", have.dump());
    }
  } else {
    TERN_TRY(writeFileAtomic(dir / "options.json", want.dump(1)));
  }
  auto index = std::shared_ptr<VectorIndex>(new VectorIndex(dir, options));
  State& s = *index->state_;
  TERN_TRY(readSnapshot(s, dir));
  std::unique_ptr<faiss::Index> stored;
  if (fs::exists(dir / "index.faiss", ec)) {
    (void)faissCall("read", [&] { stored.reset(faiss::read_index((dir / "index.faiss").c_str())); });
  }
  if (stored && size_t(stored->ntotal) == s.live() && stored->d == int(s.dim)) {
    s.index = std::move(stored);  // saved in snapshot order: node n is slot n
    s.ivfTrained = dynamic_cast<faiss::IndexIVFFlat*>(s.index.get()) != nullptr;
    s.trainedOn = s.live();
    s.nodeSlot.resize(s.live());
    s.slotNode.resize(s.live());
    for (size_t n = 0; n < s.live(); ++n) s.nodeSlot[n] = s.slotNode[n] = int64_t(n);
    s.liveBits.assign(s.live() / 8 + 1, 0xff);
  } else {
    TERN_TRY(rebuild(s, options));
  }
  TERN_TRY(replayLog(s, options, dir / "log.bin"));
  s.logFd = ::open((dir / "log.bin").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (s.logFd < 0) return fail(ErrorCode::kIo, "open ", (dir / "log.bin").string());
  return index;
}

Result<void> VectorIndex::upsert(std::span<const Item> items) {
  if (items.size() > limits::kMaxBatchItems) {
    return fail(ErrorCode::kInvalidArgument, "too many items in one upsert");
  }
  const uint32_t d = options_.dimensions;
  std::vector<float> normed(items.size() * size_t(d));
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& it = items[i];
    if (it.id.empty() || it.id.size() > limits::kMaxIdBytes) {
      return fail(ErrorCode::kInvalidArgument, "ids must be 1..", std::to_string(limits::kMaxIdBytes), " bytes");
    }
    if (it.vector.size() != d) {
      return fail(ErrorCode::kInvalidArgument, "vector of ", std::to_string(it.vector.size()),
                  " dimensions for an index of ", std::to_string(d));
    }
    for (float f : it.vector) {
      if (!std::isfinite(f)) return fail(ErrorCode::kInvalidArgument, "vector holds NaN or infinity");
    }
    std::copy(it.vector.begin(), it.vector.end(), &normed[i * d]);
    if (options_.metric == Metric::kCosine) normalize(&normed[i * d], d);
  }
  std::unique_lock lock(mutex_);
  State& s = *state_;
  std::string log;
  for (size_t i = 0; i < items.size(); ++i) encodeRecord(log, kRecUpsert, items[i].id, &normed[i * d], d);
  TERN_TRY(appendLog(s, log, options_.durable));
  std::vector<int64_t> slots;
  for (size_t i = 0; i < items.size(); ++i) slots.push_back(storeUpsert(s, items[i].id, &normed[i * d]));
  TERN_TRY(addSlots(s, options_, slots));
  if (s.logBytes > std::max<uint64_t>(s.snapshotBytes, limits::kCompactLogBytes)) {
    return compactLocked(s, options_, dir_);
  }
  if (s.dead > std::max<size_t>(1024, s.live() / 4)) TERN_TRY(rebuild(s, options_));
  return {};
}

Result<uint32_t> VectorIndex::remove(std::span<const std::string> ids) {
  std::unique_lock lock(mutex_);
  State& s = *state_;
  std::string log;
  uint32_t n = 0;
  for (const auto& id : ids) {
    if (!s.idToSlot.count(id)) continue;
    encodeRecord(log, kRecRemove, id, nullptr, s.dim);
    ++n;
  }
  if (n == 0) return 0u;
  TERN_TRY(appendLog(s, log, options_.durable));
  for (const auto& id : ids) applyRemove(s, id);
  if (s.dead > std::max<size_t>(1024, s.live() / 4)) TERN_TRY(rebuild(s, options_));
  return n;
}

Result<std::vector<Match>> VectorIndex::query(std::span<const float> vector, uint32_t k) const {
  if (vector.size() != options_.dimensions) {
    return fail(ErrorCode::kInvalidArgument, "query of ", std::to_string(vector.size()),
                " dimensions for an index of ", std::to_string(options_.dimensions));
  }
  if (k == 0) return std::vector<Match>{};
  k = std::min(k, limits::kMaxQueryK);
  std::vector<float> q(vector.begin(), vector.end());
  for (float f : q) {
    if (!std::isfinite(f)) return fail(ErrorCode::kInvalidArgument, "query holds NaN or infinity");
  }
  if (options_.metric == Metric::kCosine) normalize(q.data(), options_.dimensions);
  // One query is too small to share out: OpenMP threads spinning on the node's cores cost more
  // than they save. The setting is per thread; the guard restores it for the caller.
  struct OmpOneThread {
    int saved = omp_get_max_threads();
    OmpOneThread() { omp_set_num_threads(1); }
    ~OmpOneThread() { omp_set_num_threads(saved); }
  } ompGuard;
  std::shared_lock lock(mutex_);
  const State& s = *state_;
  if (s.live() == 0) return std::vector<Match>{};
  std::vector<float> dist(k);
  std::vector<idx_t> nodes(k, -1);
  faiss::IDSelectorBitmap live(s.nodeSlot.size(), s.liveBits.data());
  faiss::SearchParametersHNSW hp;
  faiss::SearchParametersIVF ip;
  faiss::SearchParameters fp;
  faiss::SearchParameters* params = &fp;
  if (options_.kind == IndexKind::kHnsw) {
    hp.efSearch = std::max<int>(options_.efSearch, int(k));
    params = &hp;
  } else if (s.ivfTrained) {
    auto* ivf = static_cast<faiss::IndexIVFFlat*>(s.index.get());
    ip.nprobe = options_.nprobe > 0 ? size_t(options_.nprobe) : std::max<size_t>(8, ivf->nlist / 64);
    params = &ip;
  }
  params->sel = s.dead > 0 ? &live : nullptr;
  TERN_TRY(faissCall("search", [&] {
    s.index->search(1, q.data(), idx_t(k), dist.data(), nodes.data(), params);
  }));
  std::vector<Match> out;
  for (uint32_t i = 0; i < k; ++i) {
    if (nodes[i] < 0 || nodes[i] >= idx_t(s.nodeSlot.size())) continue;
    int64_t slot = s.nodeSlot[nodes[i]];
    if (slot < 0) continue;
    float score = options_.metric == Metric::kCosine ? 1.0f - dist[i] / 2.0f : dist[i];
    out.push_back({s.ids[slot], score});
  }
  return out;
}

Result<void> VectorIndex::compact() {
  std::unique_lock lock(mutex_);
  return compactLocked(*state_, options_, dir_);
}

// Order matters for a crash at any point: the old FAISS file goes first (a missing one is rebuilt
// from the snapshot), the snapshot is renamed into place, then the new FAISS file; the log is
// emptied last (replaying it over the new snapshot gives the same state).
Result<void> compactLocked(VectorIndex::State& s, const IndexOptions& options, const fs::path& dir) {
  TERN_TRY(rebuild(s, options));  // node order = live slot order, written below in that order
  std::string snap = "TVS1";
  putU32(snap, s.dim);
  uint64_t count = s.live();
  snap.append(reinterpret_cast<char*>(&count), 8);
  for (int64_t slot : s.nodeSlot) {
    putU32(snap, uint32_t(s.ids[slot].size()));
    snap += s.ids[slot];
    snap.append(reinterpret_cast<const char*>(s.vec(slot)), size_t(s.dim) * 4);
  }
  putU32(snap, crc(snap));
  auto tmp = dir / "index.faiss.tmp";
  TERN_TRY(faissCall("write", [&] { faiss::write_index(s.index.get(), tmp.c_str()); }));
  std::error_code ec;
  fs::remove(dir / "index.faiss", ec);
  TERN_TRY(writeFileAtomic(dir / "snapshot.bin", snap));
  fs::rename(tmp, dir / "index.faiss", ec);
  if (ec) return fail(ErrorCode::kIo, "rename index.faiss: ", ec.message());
  if (ftruncate(s.logFd, 0) != 0) return fail(ErrorCode::kIo, "truncate log.bin");
  s.logBytes = 0;
  s.snapshotBytes = snap.size();
  return {};
}

}  // namespace tern::vector
