// OTLP/HTTP JSON span export on a background thread (libcurl), with a bounded queue.
//
//   auto exporter = OtlpExporter::create(options).value();   // starts the thread
//   exporter->enqueue(std::move(spans));                      // from any request thread
//
// The request path only moves spans into the queue under a short lock; the thread takes batches
// out and POSTs them (protobuf JSON mapping of ExportTraceServiceRequest, ids as hex) to
// `endpoint`. When the queue is full the new spans are dropped and counted, so a slow or dead
// collector never blocks or slows a request; a failed POST drops (and counts) its batch.
// The destructor exports what is still queued, stopping at the first failure, and gives up
// (aborting a POST in flight) kShutdownFlush after it was called.
//
// Thread safety: enqueue() and stats() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/result.h"
#include "observe/trace.h"

namespace tern::host {
struct CurlApi;
}  // namespace tern::host

namespace tern::observe {

inline constexpr std::chrono::milliseconds kShutdownFlush{2000};

struct ExporterOptions {
  std::string endpoint;  // full URL of the traces endpoint, e.g. http://127.0.0.1:4318/v1/traces
  std::vector<std::pair<std::string, std::string>> resource;  // service.name first
  std::vector<std::pair<std::string, std::string>> headers;   // OTEL_EXPORTER_OTLP_HEADERS
  size_t max_queue = 2048;                                    // OTEL_BSP_MAX_QUEUE_SIZE
  size_t max_batch = 512;                                     // OTEL_BSP_MAX_EXPORT_BATCH_SIZE
  std::chrono::milliseconds schedule_delay{5000};             // OTEL_BSP_SCHEDULE_DELAY
  std::chrono::milliseconds timeout{10000};                   // OTEL_EXPORTER_OTLP_TIMEOUT
};

class OtlpExporter {
 public:
  // Errors: kInvalidArgument for an endpoint that is not http(s)://, kIo when libcurl cannot
  // start.
  static Result<std::unique_ptr<OtlpExporter>> create(ExporterOptions options);
  ~OtlpExporter();
  OtlpExporter(const OtlpExporter&) = delete;
  OtlpExporter& operator=(const OtlpExporter&) = delete;

  // Queues `spans` (as many as fit; the rest are dropped and counted). Never waits on I/O.
  void enqueue(std::vector<SpanData>&& spans);

  struct Stats {
    uint64_t exported = 0;
    uint64_t dropped_queue_full = 0;
    uint64_t dropped_export_failed = 0;
    uint64_t queued = 0;
  };
  Stats stats() const;

  // The request body for one batch.
  static std::string toJson(std::span<const SpanData> spans, const ExporterOptions& options);

 private:
  explicit OtlpExporter(ExporterOptions options);
  void loop();
  bool post(const std::string& body);  // true on a 2xx answer

  const ExporterOptions options_;
  const host::CurlApi* api_ = nullptr;  // the dlopen'ed libcurl (host/curl_api.h)
  void* curl_ = nullptr;                // CURL*, used by the export thread only
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<SpanData> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> exported_{0}, dropped_full_{0}, dropped_failed_{0};
  std::atomic<int64_t> abort_after_ns_{0};  // steady-clock deadline for POSTs; 0: none
  std::thread thread_;
};

}  // namespace tern::observe
