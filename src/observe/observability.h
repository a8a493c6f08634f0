// The observability backend of `tern up`: request metrics, traces (OTLP) and host-call counts.
//
//   ObserveOptions o;  o.metrics = true;  o.traces = tracesFromEnv(&warnings);
//   auto obs = Observability::create(std::move(o)).value();
//   app_options.observer = obs.get();   // trigger::Observer: compiles, and per request an
//                                        // obs::RequestObservation (phases, host calls, traces)
//   std::string text = obs->renderMetrics();        // GET /metrics on the admin listener
//
// Per request (on its thread): a server span "METHOD ROUTE" continuing an incoming W3C
// traceparent (or starting a trace), child spans "instantiate" and "execute", and under
// "execute" one client/internal span per traced host call. Finished spans of a request are handed
// to the exporter in one step at the end. Metrics are per-thread shards (observe/metrics.h).
//
// Thread safety: every method may be called from any thread; create() and installation happen
// before serving, and the object outlives the server.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/observation.h"
#include "common/result.h"
#include "trigger/observer.h"
#include "observe/metrics.h"
#include "observe/otlp_exporter.h"
#include "observe/trace.h"

namespace tern::observe {

enum class HostCallSpans : uint8_t {
  kDefault,  // every interface except the chatty wasi_snapshot_preview1, wasi:io/clocks/random/cli
  kAll,
  kNone,
};

struct ObserveOptions {
  bool metrics = true;
  std::optional<ExporterOptions> traces;  // nullopt: no tracing
  Sampler sampler;
  HostCallSpans host_call_spans = HostCallSpans::kDefault;
};

// The OTel environment: OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER (otlp|none),
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is) or OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces),
// OTEL_EXPORTER_OTLP_[TRACES_]HEADERS, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES (k=v,...),
// OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL (only http/json), OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT,
// OTEL_BSP_* and, for tern, TERN_TRACE_HOST_CALLS (all|none). Unusable values are reported in `warnings` and ignored.
ObserveOptions optionsFromEnv(std::vector<std::string>* warnings);

class Observability final : public trigger::Observer {
 public:
  static Result<std::unique_ptr<Observability>> create(ObserveOptions options);
  ~Observability() override;

  // trigger::Observer
  void componentCompiled(std::string_view component, const instance::CompileStats& stats) override;
  std::unique_ptr<obs::RequestObservation> begin(const http::Request& request) override;

  // One host call of `interface_id` (for the host-call counter; per-thread shards, no lock).
  void countHostCall(uint32_t interface_id);

  // The Prometheus text exposition of every metric (refreshes the sampled ones first).
  std::string renderMetrics();
  bool tracing() const { return exporter_ != nullptr; }
  const OtlpExporter* exporter() const { return exporter_.get(); }

  // Metric families, for the request observation.
  struct Families {
    FamilyId requests, request_seconds, instances, instantiate_seconds, execute_seconds;
    FamilyId compile_hits, compile_misses, compile_seconds, traps, deadline_kills, memory;
    FamilyId host_calls, spans_exported, spans_dropped, spans_queued;
  };
  const Families& families() const { return families_; }
  Registry& registry() { return registry_; }
  const Sampler& sampler() const { return options_.sampler; }
  void exportSpans(std::vector<SpanData>&& spans);
  bool spanHostCalls(uint32_t interface_id);
  // The interned name of a host interface id (cached: no lock once seen).
  std::string interfaceName(uint32_t interface_id);

 private:
  explicit Observability(ObserveOptions options);
  struct HostCallShard {
    std::array<std::atomic<int64_t>, obs::kMaxHostInterfaces> calls{};
  };
  HostCallShard& hostCallShard();

  ObserveOptions options_;
  Registry registry_;
  Families families_{};
  std::unique_ptr<OtlpExporter> exporter_;
  const uint64_t id_;
  std::mutex shards_mutex_;
  std::vector<std::unique_ptr<HostCallShard>> host_call_shards_;
  // Per interface id: 0 not decided yet, 1 spans, 2 no spans.
  std::array<std::atomic<uint8_t>, obs::kMaxHostInterfaces> span_interface_{};
  std::mutex names_mutex_;
  std::vector<std::string> names_;  // cache of obs::interfaceNames()
};

}  // namespace tern::observe
