// Per-request metrics and spans: request, instantiate, execute, host calls.
#include "observe/request_observation.h"

#include "compile/vm_abi.h"
#include "observe/metrics.h"
#include "observe/observability.h"

namespace tern::observe {
namespace {

const char* trapKindName(int32_t detail) {
  switch (static_cast<vm::TrapKind>(detail)) {
    case vm::TrapKind::kUnreachable: return "unreachable";
    case vm::TrapKind::kMemoryOutOfBounds: return "memory_out_of_bounds";
    case vm::TrapKind::kTableOutOfBounds: return "table_out_of_bounds";
    case vm::TrapKind::kIndirectCallNull: return "indirect_call_null";
    case vm::TrapKind::kIndirectCallSignature: return "indirect_call_signature";
    case vm::TrapKind::kIntegerDivideByZero: return "integer_divide_by_zero";
    case vm::TrapKind::kIntegerOverflow: return "integer_overflow";
    case vm::TrapKind::kInvalidConversion: return "invalid_conversion";
    case vm::TrapKind::kStackExhausted: return "stack_exhausted";
    case vm::TrapKind::kDeadline: return "deadline";
    case vm::TrapKind::kNullReference: return "null_reference";
    case vm::TrapKind::kHost: return "host";
    case vm::TrapKind::kExit: return "exit";
  }
  return "other";
}

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// kExit with status 0 is a normal end of a WASI command, not a failure.
bool isFailure(const Error* e) { return e && !(e->code == ErrorCode::kExit && e->detail == 0); }

}  // namespace

RequestObs::RequestObs(Observability& owner, const http::Request& req) : owner_(owner) {
  request_.start = std::chrono::steady_clock::now();
  if (owner_.tracing()) {
    method_ = req.method;
    path_ = req.path;
    if (const std::string* tp = req.header("traceparent")) {
      incoming_ = parseTraceparent(*tp);
      const std::string* ts = req.header("tracestate");
      if (incoming_ && ts && validTracestate(*ts)) incoming_->tracestate = *ts;
    }
    request_.ctx = childOf(incoming_, owner_.sampler());
    if (incoming_) request_.parent = incoming_->span_id;
    request_.start_unix_ns = unixNanos();
    traced_ = request_.ctx.sampled;
  }
}

RequestObs::~RequestObs() {
  const auto& f = owner_.families();
  if (instance_counted_) owner_.registry().add(f.instances, "", -1);
  if (memory_reported_) {
    owner_.registry().add(f.memory, "", -static_cast<int64_t>(memory_reported_));
  }
}

void RequestObs::routed(std::string_view component, std::string_view route) {
  component_ = component;
  route_ = route;
  component_key_ = labels({{"component", component_}});
  route_key_ = labels({{"component", component_}, {"route", route_}});
}

RequestObs::Open RequestObs::open(std::string name, const SpanId& parent, bool record) {
  Open o;
  o.start = std::chrono::steady_clock::now();
  if (record) {
    o.ctx = localChild(request_.ctx);
    o.parent = parent;
    o.name = std::move(name);
    o.start_unix_ns = unixNanos();
    o.recorded = true;
  }
  return o;
}

void RequestObs::finish(Open& span, SpanKind kind, const Error* error) {
  if (!span.recorded) return;
  SpanData d;
  d.trace_id = span.ctx.trace_id;
  d.span_id = span.ctx.span_id;
  d.parent_span_id = span.parent;
  d.name = std::move(span.name);
  d.kind = kind;
  d.start_unix_ns = span.start_unix_ns;
  d.end_unix_ns = unixNanos();
  if (isFailure(error)) {
    d.error = true;
    d.status_message = error->toString();
  }
  done_.push_back(std::move(d));
}

void RequestObs::phaseBegin(obs::Phase phase) {
  phase_start_[static_cast<int>(phase)] = std::chrono::steady_clock::now();
  if (phase == obs::Phase::kInstantiate && !instance_counted_) {
    instance_counted_ = true;
    owner_.registry().add(owner_.families().instances, "", 1);
  }
  if (traced_) {
    phases_.push_back(open(phase == obs::Phase::kInstantiate ? "instantiate" : "execute",
                           request_.ctx.span_id, true));
  }
}

void RequestObs::phaseEnd(obs::Phase phase, const Error* error) {
  if (component_key_.empty()) routed("", "");
  auto took = std::chrono::steady_clock::now() - phase_start_[static_cast<int>(phase)];
  const auto& f = owner_.families();
  owner_.registry().observe(
      phase == obs::Phase::kInstantiate ? f.instantiate_seconds : f.execute_seconds,
      component_key_, seconds(took));
  if (error && error->code == ErrorCode::kTrap) countTrap(*error);
  if (traced_ && !phases_.empty()) {
    finish(phases_.back(), SpanKind::kInternal, error);
    phases_.pop_back();
  }
}

void RequestObs::countTrap(const Error& error) {
  const auto& f = owner_.families();
  const char* kind = trapKindName(error.detail);
  if (static_cast<vm::TrapKind>(error.detail) == vm::TrapKind::kExit) return;
  owner_.registry().add(f.traps, labels({{"component", component_}, {"kind", kind}}));
  if (static_cast<vm::TrapKind>(error.detail) == vm::TrapKind::kDeadline) {
    owner_.registry().add(f.deadline_kills, component_key_);
  }
}

void RequestObs::memoryInUse(uint64_t bytes) {
  int64_t delta = static_cast<int64_t>(bytes) - static_cast<int64_t>(memory_reported_);
  memory_reported_ = bytes;
  if (delta) owner_.registry().add(owner_.families().memory, "", delta);
}

void RequestObs::end(uint16_t status) {
  const auto& f = owner_.families();
  double took = seconds(std::chrono::steady_clock::now() - request_.start);
  if (route_key_.empty()) routed("", "");  // not routed: 404 or a reserved path
  // A status is digits only: nothing to escape.
  std::string key = route_key_ + ",status=\"" + std::to_string(status) + "\"";
  owner_.registry().add(f.requests, key);
  owner_.registry().observe(f.request_seconds, route_key_, took);
  if (!traced_) return;
  // OTel HTTP semantic conventions: server span "{method} {http.route}".
  SpanData d;
  d.trace_id = request_.ctx.trace_id;
  d.span_id = request_.ctx.span_id;
  d.parent_span_id = request_.parent;
  d.name = route_.empty() ? method_ : method_ + " " + route_;
  d.kind = SpanKind::kServer;
  d.start_unix_ns = request_.start_unix_ns;
  d.end_unix_ns = unixNanos();
  d.error = status >= 500;
  d.attributes.emplace_back("http.request.method", method_);
  d.attributes.emplace_back("url.path", path_);
  if (!route_.empty()) d.attributes.emplace_back("http.route", route_);
  d.attributes.emplace_back("http.response.status_code", int64_t{status});
  if (!component_.empty()) d.attributes.emplace_back("tern.component", component_);
  done_.push_back(std::move(d));
  owner_.exportSpans(std::move(done_));
  done_.clear();
}

std::string RequestObs::traceId() const {
  return owner_.tracing() ? hex(request_.ctx.trace_id) : std::string();
}

void RequestObs::hostCallBegin(uint32_t interface_id, std::string_view function) {
  owner_.countHostCall(interface_id);
  if (!traced_ || !owner_.spanHostCalls(interface_id)) return;
  const SpanId& parent = phases_.empty() ? request_.ctx.span_id : phases_.back().ctx.span_id;
  Open o = open(owner_.interfaceName(interface_id) + " " + std::string(function), parent, true);
  phases_.push_back(std::move(o));
}

void RequestObs::hostCallEnd(uint32_t interface_id, bool failed) {
  if (!traced_ || !owner_.spanHostCalls(interface_id) || phases_.empty()) return;
  Error e{ErrorCode::kInvalidArgument, "host call failed"};
  finish(phases_.back(), SpanKind::kClient, failed ? &e : nullptr);
  phases_.pop_back();
}

std::optional<obs::TraceHeaders> RequestObs::traceHeaders() const {
  if (!owner_.tracing()) return std::nullopt;
  TraceContext ctx = request_.ctx;
  if (!phases_.empty()) ctx.span_id = phases_.back().ctx.span_id;
  return obs::TraceHeaders{formatTraceparent(ctx), ctx.tracestate};
}

}  // namespace tern::observe
