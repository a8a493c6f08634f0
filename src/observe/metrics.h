// Prometheus metrics: per-thread sharded counters, gauges and histograms, rendered as text 0.0.4.
//
//   Registry r;
//   auto requests = r.counter("tern_http_requests_total", "HTTP requests served");
//   auto latency = r.histogram("tern_http_request_duration_seconds", "...", kLatencyBuckets);
//   r.add(requests, labels({{"component", "hello"}, {"route", "/..."}, {"status", "200"}}));
//   r.observe(latency, labels({{"component", "hello"}, {"route", "/..."}}), 0.0021);
//   std::string text = r.render();   // GET /metrics
//
// The request path never takes a shared lock: each thread updates its own shard (relaxed atomics
// written only by that thread); a shard's mutex is taken by its thread only when a label set is
// seen for the first time, and by render() while it reads. Shards outlive their threads, so counts
// never go backwards. Label values are escaped (\\, \", \n) as the text format requires.
//
// Thread safety: everything may be called from any thread. Families are declared before use
// (at start-up); the Registry must outlive every thread that updates it.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::observe {

// Seconds: 0.5 ms .. 10 s, for request latency and instantiation time.
inline constexpr double kLatencyBuckets[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                             0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5,
                                             5,      10};

enum class MetricType : uint8_t { kCounter, kGauge, kHistogram };

struct FamilyId {
  uint32_t index = 0;
};

// `name="value",...` with values escaped; the key of one series within a family.
std::string labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs);
// Escapes a label value for the text format.
std::string escapeLabelValue(std::string_view value);

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  FamilyId counter(std::string name, std::string help);
  FamilyId gauge(std::string name, std::string help);
  FamilyId histogram(std::string name, std::string help, std::span<const double> buckets);

  // Counter: += n. Gauge: += n (may be negative). Cheap and lock-free once the series exists.
  void add(FamilyId family, std::string_view labels, int64_t n = 1);
  // Histogram: one observation of `value` (seconds for durations).
  void observe(FamilyId family, std::string_view labels, double value);
  // A value read at render time (e.g. a queue length); replaces the sharded value of the series.
  void set(FamilyId family, std::string_view labels, int64_t value);

  // Prometheus text exposition format 0.0.4, families in declaration order, series sorted.
  std::string render() const;

  struct Shard;

 private:
  struct Family;
  Shard& shard();
  FamilyId declare(std::string name, std::string help, MetricType type,
                   std::span<const double> buckets);
  const uint64_t id_;  // distinguishes registries in the per-thread shard cache
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Family>> families_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace tern::observe
