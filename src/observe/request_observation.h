// One request's metrics and spans (the http::RequestObservation that Observability hands out).
//
// Created on the request's thread and made that thread's current request for host-call spans and
// trace headers (saved and restored by constructor/destructor, so observations nest). Its spans
// are collected locally and handed to the exporter once, when the request ends.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/host_call_hook.h"
#include "http/observer.h"
#include "observe/trace.h"

namespace tern::observe {

class Observability;

class RequestObs final : public http::RequestObservation {
 public:
  RequestObs(Observability& owner, const http::Request& request);
  ~RequestObs() override;

  void routed(std::string_view component, std::string_view route) override;
  void phaseBegin(http::Phase phase) override;
  void phaseEnd(http::Phase phase, const Error* error) override;
  void memoryInUse(uint64_t bytes) override;
  void end(const http::Response& response) override;
  std::string traceId() const override;

  void hostCallBegin(uint32_t interface_id, std::string_view function);
  void hostCallEnd(uint32_t interface_id, bool failed);
  std::optional<hooks::TraceHeaders> traceHeaders() const;

  // The request running on this thread, or null.
  static RequestObs* current();

 private:
  struct Open {  // a span in progress
    TraceContext ctx;
    SpanId parent{};
    std::string name;
    uint64_t start_unix_ns = 0;
    std::chrono::steady_clock::time_point start;
    bool recorded = false;
  };
  Open open(std::string name, const SpanId& parent, bool record);
  void finish(Open& span, SpanKind kind, const Error* error);
  void countTrap(const Error& error);

  Observability& owner_;
  RequestObs* previous_ = nullptr;
  bool traced_ = false;  // tracing on and this request sampled
  std::optional<TraceContext> incoming_;
  Open request_;
  std::vector<Open> phases_;  // instantiate/execute, then host calls, innermost last
  std::vector<SpanData> done_;
  std::string method_, path_, component_, route_;
  std::string component_key_, route_key_;  // metric label sets, built once per request
  bool instance_counted_ = false;
  uint64_t memory_reported_ = 0;
  std::chrono::steady_clock::time_point phase_start_[2];
};

}  // namespace tern::observe
