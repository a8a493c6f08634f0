// Sharded metric storage and the Prometheus text rendering.
#include "observe/metrics.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <thread>
#include <unordered_map>

namespace tern::observe {
namespace {

std::atomic<uint64_t> g_next_registry_id{1};

// Heterogeneous lookup: find by string_view without building a std::string.
struct Hash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
struct Eq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

std::string number(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

std::string escapeHelp(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Written only by the owning thread (load + store, no read-modify-write), read by render().
void bump(std::atomic<int64_t>& a, int64_t n) {
  a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace

struct Cell {
  std::atomic<int64_t> value{0};  // counter, gauge, or histogram count
  std::atomic<double> sum{0};     // histograms
  std::unique_ptr<std::atomic<int64_t>[]> buckets;  // histograms: per bucket (not cumulative)
};

using SeriesMap = std::unordered_map<std::string, std::unique_ptr<Cell>, Hash, Eq>;

struct Registry::Family {
  std::string name;
  std::string help;
  MetricType type;
  std::vector<double> buckets;
  std::map<std::string, int64_t> fixed;  // set(): guarded by Registry::mutex_
};

struct Registry::Shard {
  std::thread::id thread;
  std::mutex mutex;  // taken to change `series` (owner) and to read it (render)
  std::vector<SeriesMap> series;  // by family index
};

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += ',';
    out.append(k).append("=\"").append(escapeLabelValue(v)).push_back('"');
  }
  return out;
}

Registry::Registry() : id_(g_next_registry_id.fetch_add(1)) {}
Registry::~Registry() = default;

FamilyId Registry::declare(std::string name, std::string help, MetricType type,
                           std::span<const double> buckets) {
  std::lock_guard lock(mutex_);
  auto f = std::make_unique<Family>();
  f->name = std::move(name);
  f->help = std::move(help);
  f->type = type;
  f->buckets.assign(buckets.begin(), buckets.end());
  families_.push_back(std::move(f));
  return FamilyId{static_cast<uint32_t>(families_.size() - 1)};
}

FamilyId Registry::counter(std::string name, std::string help) {
  return declare(std::move(name), std::move(help), MetricType::kCounter, {});
}
FamilyId Registry::gauge(std::string name, std::string help) {
  return declare(std::move(name), std::move(help), MetricType::kGauge, {});
}
FamilyId Registry::histogram(std::string name, std::string help, std::span<const double> buckets) {
  return declare(std::move(name), std::move(help), MetricType::kHistogram, buckets);
}

Registry::Shard& Registry::shard() {
  struct Cache {
    uint64_t registry = 0;
    Shard* shard = nullptr;
  };
  // A cache of this thread's shard in the registry it used last (one registry in production).
  thread_local Cache cache;
  if (cache.registry == id_) return *cache.shard;
  std::lock_guard lock(mutex_);
  Shard* found = nullptr;
  for (auto& s : shards_) {
    if (s->thread == std::this_thread::get_id()) found = s.get();
  }
  if (!found) {
    shards_.push_back(std::make_unique<Shard>());
    found = shards_.back().get();
    found->thread = std::this_thread::get_id();
  }
  cache = {id_, found};
  return *found;
}

namespace {

Cell* findOrAdd(Registry::Shard& s, uint32_t family, std::string_view key, size_t buckets);

}  // namespace

void Registry::add(FamilyId family, std::string_view key, int64_t n) {
  Cell* c = findOrAdd(shard(), family.index, key, 0);
  bump(c->value, n);
}

void Registry::observe(FamilyId family, std::string_view key, double value) {
  size_t nb;
  const double* bounds;
  {
    // Family objects never move once declared; reading their bucket vector needs no lock.
    const Family& f = *families_[family.index];
    nb = f.buckets.size();
    bounds = f.buckets.data();
  }
  Cell* c = findOrAdd(shard(), family.index, key, nb);
  size_t i = 0;
  while (i < nb && value > bounds[i]) ++i;
  if (i < nb) bump(c->buckets[i], 1);
  bump(c->value, 1);
  c->sum.store(c->sum.load(std::memory_order_relaxed) + value, std::memory_order_relaxed);
}

void Registry::set(FamilyId family, std::string_view key, int64_t value) {
  std::lock_guard lock(mutex_);
  families_[family.index]->fixed[std::string(key)] = value;
}

namespace {

Cell* findOrAdd(Registry::Shard& s, uint32_t family, std::string_view key, size_t buckets) {
  if (family < s.series.size()) {
    auto it = s.series[family].find(key);
    if (it != s.series[family].end()) return it->second.get();
  }
  std::lock_guard lock(s.mutex);
  if (family >= s.series.size()) s.series.resize(family + 1);
  auto cell = std::make_unique<Cell>();
  if (buckets) {
    cell->buckets = std::make_unique<std::atomic<int64_t>[]>(buckets);
    for (size_t i = 0; i < buckets; ++i) cell->buckets[i].store(0, std::memory_order_relaxed);
  }
  Cell* raw = cell.get();
  s.series[family].emplace(std::string(key), std::move(cell));
  return raw;
}

struct Aggregate {
  int64_t value = 0;
  double sum = 0;
  std::vector<int64_t> buckets;
};

std::string seriesName(const std::string& name, const std::string& key, std::string_view extra) {
  std::string out = name;
  if (key.empty() && extra.empty()) return out;
  out += '{';
  out += key;
  if (!key.empty() && !extra.empty()) out += ',';
  out += extra;
  out += '}';
  return out;
}

}  // namespace

std::string Registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (size_t fi = 0; fi < families_.size(); ++fi) {
    const Family& f = *families_[fi];
    std::map<std::string, Aggregate> merged;
    for (const auto& s : shards_) {
      std::lock_guard shard_lock(s->mutex);
      if (fi >= s->series.size()) continue;
      for (const auto& [key, cell] : s->series[fi]) {
        Aggregate& a = merged[key];
        a.value += cell->value.load(std::memory_order_relaxed);
        a.sum += cell->sum.load(std::memory_order_relaxed);
        a.buckets.resize(f.buckets.size());
        for (size_t b = 0; b < f.buckets.size(); ++b) {
          a.buckets[b] += cell->buckets[b].load(std::memory_order_relaxed);
        }
      }
    }
    for (const auto& [key, v] : f.fixed) merged[key].value = v;
    static const char* kTypes[] = {"counter", "gauge", "histogram"};
    out += "# HELP " + f.name + " " + escapeHelp(f.help) + "\n";
    out += "# TYPE " + f.name + " " + kTypes[static_cast<int>(f.type)] + "\n";
    for (const auto& [key, a] : merged) {
      if (f.type != MetricType::kHistogram) {
        out += seriesName(f.name, key, "") + " " + std::to_string(a.value) + "\n";
        continue;
      }
      int64_t cumulative = 0;
      for (size_t b = 0; b < f.buckets.size(); ++b) {
        cumulative += a.buckets[b];
        out += seriesName(f.name + "_bucket", key, "le=\"" + number(f.buckets[b]) + "\"") + " " +
               std::to_string(cumulative) + "\n";
      }
      // Read while writers run: keep +Inf (= count) monotonic over the finite buckets.
      int64_t count = std::max(a.value, cumulative);
      out += seriesName(f.name + "_bucket", key, "le=\"+Inf\"") + " " + std::to_string(count) +
             "\n";
      out += seriesName(f.name + "_sum", key, "") + " " + number(a.sum) + "\n";
      out += seriesName(f.name + "_count", key, "") + " " + std::to_string(count) + "\n";
    }
  }
  return out;
}

}  // namespace tern::observe
