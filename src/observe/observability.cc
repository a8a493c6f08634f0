// Observability: metric families, OTel environment, host-call counting, exporter ownership.
#include "observe/observability.h"

#include <cstdlib>
#include <thread>

#include "observe/request_observation.h"

namespace tern::observe {
namespace {

std::atomic<uint64_t> g_next_id{1};

// Compile times reach minutes for big components.
constexpr double kCompileBuckets[] = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

// A positive integer from the environment, or `fallback` (with a warning when unusable).
long envCount(const char* name, long fallback, std::vector<std::string>* warnings) {
  const char* v = env(name);
  if (!v) return fallback;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  if (end == v || *end || n <= 0) {
    if (warnings) warnings->push_back(std::string(name) + " '" + v + "' is not a positive integer");
    return fallback;
  }
  return n;
}

// OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS: "k=v,k2=v2" (W3C Baggage-like; values are
// not percent-decoded). Items without '=' or with a CR/LF (header injection) are skipped.
void keyValues(const char* v, std::vector<std::pair<std::string, std::string>>& out) {
  std::string_view s = v;
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view item = s.substr(0, comma);
    size_t eq = item.find('=');
    if (eq != std::string_view::npos && eq > 0 && item.find_first_of("\r\n") == item.npos) {
      out.emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
    }
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
}

bool quietInterface(std::string_view name) {
  for (std::string_view p :
       {"wasi_snapshot_preview1", "wasi:io/", "wasi:clocks/", "wasi:random/", "wasi:cli/"}) {
    if (name.starts_with(p)) return true;
  }
  return false;
}

}  // namespace

ObserveOptions optionsFromEnv(std::vector<std::string>* warnings) {
  ObserveOptions o;
  std::string sampler_error;
  o.sampler = Sampler::fromEnv(env("OTEL_TRACES_SAMPLER"), env("OTEL_TRACES_SAMPLER_ARG"),
                               &sampler_error);
  if (!sampler_error.empty() && warnings) warnings->push_back(sampler_error);
  if (const char* h = env("TERN_TRACE_HOST_CALLS")) {
    std::string_view v = h;
    o.host_call_spans = v == "all" ? HostCallSpans::kAll
                        : v == "none" ? HostCallSpans::kNone
                                      : HostCallSpans::kDefault;
  }
  const char* disabled = env("OTEL_SDK_DISABLED");
  const char* exporter = env("OTEL_TRACES_EXPORTER");
  if ((disabled && std::string_view(disabled) == "true") ||
      (exporter && std::string_view(exporter) == "none")) {
    return o;
  }
  ExporterOptions e;
  if (const char* t = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
    e.endpoint = t;
  } else if (const char* b = env("OTEL_EXPORTER_OTLP_ENDPOINT")) {
    e.endpoint = b;
    if (!e.endpoint.ends_with("/")) e.endpoint += "/";
    e.endpoint += "v1/traces";
  } else {
    return o;  // no collector configured: no tracing
  }
  for (const char* p : {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"}) {
    const char* v = env(p);
    if (v && std::string_view(v) != "http/json" && warnings) {
      warnings->push_back(std::string(p) + " '" + v + "': tern exports http/json only");
    }
    if (v) break;
  }
  for (const char* h : {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"}) {
    if (const char* v = env(h)) {
      keyValues(v, e.headers);
      break;
    }
  }
  const char* service = env("OTEL_SERVICE_NAME");
  std::vector<std::pair<std::string, std::string>> attrs;
  if (const char* r = env("OTEL_RESOURCE_ATTRIBUTES")) keyValues(r, attrs);
  std::string name = service ? service : "unknown_service:tern";
  for (const auto& [k, v] : attrs) {
    if (k == "service.name" && !service) name = v;
  }
  e.resource.emplace_back("service.name", name);
  for (auto& [k, v] : attrs) {
    if (k != "service.name") e.resource.emplace_back(std::move(k), std::move(v));
  }
  e.max_queue = envCount("OTEL_BSP_MAX_QUEUE_SIZE", 2048, warnings);
  e.max_batch = envCount("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, warnings);
  e.schedule_delay = std::chrono::milliseconds(envCount("OTEL_BSP_SCHEDULE_DELAY", 5000, warnings));
  long timeout = envCount("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", 0, warnings);
  if (!timeout) timeout = envCount("OTEL_EXPORTER_OTLP_TIMEOUT", 10000, warnings);
  e.timeout = std::chrono::milliseconds(timeout);
  o.traces = std::move(e);
  return o;
}

Observability::Observability(ObserveOptions options)
    : options_(std::move(options)), id_(g_next_id.fetch_add(1)) {
  Registry& r = registry_;
  Families& f = families_;
  f.requests = r.counter("tern_http_requests_total", "HTTP requests by component, route, status");
  f.request_seconds = r.histogram("tern_http_request_duration_seconds",
                                  "HTTP request latency by component and route", kLatencyBuckets);
  f.instances = r.gauge("tern_instances_in_use", "Guest instances alive now");
  f.instantiate_seconds = r.histogram("tern_instantiation_duration_seconds",
                                      "Time to instantiate a component", kLatencyBuckets);
  f.execute_seconds = r.histogram("tern_guest_execution_duration_seconds",
                                  "Time spent running the guest", kLatencyBuckets);
  f.compile_hits = r.counter("tern_compile_cache_hits_total", "Components loaded from the cache");
  f.compile_misses = r.counter("tern_compile_cache_misses_total", "Components compiled");
  f.compile_seconds = r.histogram("tern_compile_duration_seconds",
                                  "Compile time of components not in the cache", kCompileBuckets);
  f.traps = r.counter("tern_traps_total", "Guest traps by component and kind");
  f.deadline_kills = r.counter("tern_deadline_kills_total", "Guests stopped at their deadline");
  f.memory = r.gauge("tern_guest_memory_bytes", "Linear memory of live guest instances");
  f.host_calls = r.counter("tern_host_calls_total", "Host calls by interface");
  f.spans_exported = r.counter("tern_trace_spans_exported_total", "Spans sent to the collector");
  f.spans_dropped = r.counter("tern_trace_spans_dropped_total",
                              "Spans dropped: queue full or export failed");
  f.spans_queued = r.gauge("tern_trace_spans_queued", "Spans waiting for export");
  registry_.add(f.instances, "", 0);  // present from the first scrape
  registry_.add(f.memory, "", 0);
}

Observability::~Observability() = default;

Result<std::unique_ptr<Observability>> Observability::create(ObserveOptions options) {
  std::unique_ptr<Observability> o(new Observability(std::move(options)));
  if (o->options_.traces) {
    auto e = OtlpExporter::create(*o->options_.traces);
    if (!e) return fail(e.error());
    o->exporter_ = std::move(*e);
  }
  return o;
}

void Observability::componentCompiled(std::string_view component,
                                      const instance::CompileStats& stats) {
  std::string key = labels({{"component", component}});
  registry_.add(stats.cache_hit ? families_.compile_hits : families_.compile_misses, key);
  if (!stats.cache_hit) registry_.observe(families_.compile_seconds, key, stats.seconds);
}

std::unique_ptr<obs::RequestObservation> Observability::begin(const http::Request& request) {
  return std::make_unique<RequestObs>(*this, request);
}

Observability::HostCallShard& Observability::hostCallShard() {
  struct Cache {
    uint64_t owner = 0;
    HostCallShard* shard = nullptr;
  };
  // This thread's counters in the Observability it used last (one per process in production).
  thread_local Cache cache;
  if (cache.owner == id_) return *cache.shard;
  std::lock_guard lock(shards_mutex_);
  host_call_shards_.push_back(std::make_unique<HostCallShard>());
  cache = {id_, host_call_shards_.back().get()};
  return *cache.shard;
}

void Observability::countHostCall(uint32_t interface_id) {
  if (interface_id >= obs::kMaxHostInterfaces) return;
  auto& c = hostCallShard().calls[interface_id];
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

bool Observability::spanHostCalls(uint32_t interface_id) {
  if (options_.host_call_spans == HostCallSpans::kAll) return true;
  if (options_.host_call_spans == HostCallSpans::kNone) return false;
  auto& slot = span_interface_[interface_id];
  uint8_t v = slot.load(std::memory_order_relaxed);
  if (v == 0) {
    std::vector<std::string> names = obs::interfaceNames();
    v = interface_id < names.size() && quietInterface(names[interface_id]) ? 2 : 1;
    slot.store(v, std::memory_order_relaxed);
  }
  return v == 1;
}

std::string Observability::interfaceName(uint32_t interface_id) {
  std::lock_guard lock(names_mutex_);
  if (interface_id >= names_.size()) names_ = obs::interfaceNames();
  return interface_id < names_.size() ? names_[interface_id] : "other";
}

void Observability::exportSpans(std::vector<SpanData>&& spans) {
  if (exporter_) exporter_->enqueue(std::move(spans));
}

std::string Observability::renderMetrics() {
  std::vector<std::string> names = obs::interfaceNames();
  {
    std::vector<int64_t> totals(names.size());
    std::lock_guard lock(shards_mutex_);
    for (const auto& s : host_call_shards_) {
      for (size_t i = 0; i < names.size(); ++i) {
        totals[i] += s->calls[i].load(std::memory_order_relaxed);
      }
    }
    for (size_t i = 0; i < names.size(); ++i) {
      if (totals[i]) registry_.set(families_.host_calls, labels({{"interface", names[i]}}), totals[i]);
    }
  }
  if (exporter_) {
    OtlpExporter::Stats s = exporter_->stats();
    registry_.set(families_.spans_exported, "", static_cast<int64_t>(s.exported));
    registry_.set(families_.spans_dropped, labels({{"reason", "queue_full"}}),
                  static_cast<int64_t>(s.dropped_queue_full));
    registry_.set(families_.spans_dropped, labels({{"reason", "export_failed"}}),
                  static_cast<int64_t>(s.dropped_export_failed));
    registry_.set(families_.spans_queued, "", static_cast<int64_t>(s.queued));
  }
  return registry_.render();
}

}  // namespace tern::observe
