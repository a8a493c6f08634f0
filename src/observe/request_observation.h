// One request's metrics and spans (the obs::RequestObservation that Observability hands out).
//
// Created by the trigger when the request arrives and carried with it (executor::Invocation,
// instance::RequestContext) to every phase and host call. Its spans are collected locally and
// handed to the exporter once, when the request ends.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/observation.h"
#include "http/message.h"
#include "observe/trace.h"

namespace tern::observe {

class Observability;

class RequestObs final : public obs::RequestObservation {
 public:
  RequestObs(Observability& owner, const http::Request& request);
  ~RequestObs() override;

  void routed(std::string_view component, std::string_view route) override;
  void phaseBegin(obs::Phase phase) override;
  void phaseEnd(obs::Phase phase, const Error* error) override;
  void memoryInUse(uint64_t bytes) override;
  void end(uint16_t status) override;
  std::string traceId() const override;

  void hostCallBegin(uint32_t interface_id, std::string_view function) override;
  void hostCallEnd(uint32_t interface_id, bool failed) override;
  std::optional<obs::TraceHeaders> traceHeaders() const override;

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
