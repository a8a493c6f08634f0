// Unit tests of the observe stage: trace context, samplers, metrics, OTLP export, request spans.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/observation.h"
#include "executor/guest_log.h"
#include "http/log.h"
#include "http/server.h"
#include "observe/admin_server.h"
#include "observe/metrics.h"
#include "observe/observability.h"
#include "observe/otlp_exporter.h"
#include "observe/trace.h"

namespace tern::observe {
namespace {

using nlohmann::json;

TEST(Traceparent, ParsesAndFormatsVersion00) {
  auto ctx = parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(ctx);
  EXPECT_EQ(hex(ctx->trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(hex(ctx->span_id), "00f067aa0ba902b7");
  EXPECT_TRUE(ctx->sampled);
  EXPECT_EQ(formatTraceparent(*ctx), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  auto unsampled = parseTraceparent(" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00 ");
  ASSERT_TRUE(unsampled);
  EXPECT_FALSE(unsampled->sampled);
}

TEST(Traceparent, RejectsMalformedHeaders) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",         // no flags
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",      // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",      // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",      // zero span id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",      // forbidden version
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xx",   // v00 with extra
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",      // bad separator
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",      // not hex
       }) {
    EXPECT_FALSE(parseTraceparent(bad)) << bad;
  }
  // A later version may carry more fields after a '-'.
  EXPECT_TRUE(parseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"));
  EXPECT_FALSE(parseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01extra"));
}

TEST(Traceparent, TracestateBounds) {
  EXPECT_TRUE(validTracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"));
  EXPECT_FALSE(validTracestate(std::string(513, 'a')));
  std::string many;
  for (int i = 0; i < 33; ++i) many += (i ? ",k" : "k") + std::to_string(i) + "=v";
  EXPECT_FALSE(validTracestate(many));
}

TEST(Sampler, ParentBasedFollowsTheParentAndRatioBounds) {
  std::string error;
  Sampler def = Sampler::fromEnv(nullptr, nullptr, &error);
  EXPECT_TRUE(error.empty());
  TraceContext parent;
  parent.trace_id = newTraceId();
  parent.sampled = false;
  EXPECT_FALSE(def.sample(parent, parent.trace_id));
  EXPECT_TRUE(def.sample(std::nullopt, newTraceId()));

  Sampler never = Sampler::fromEnv("traceidratio", "0", &error);
  Sampler always = Sampler::fromEnv("traceidratio", "1", &error);
  Sampler half = Sampler::fromEnv("parentbased_traceidratio", "0.5", &error);
  EXPECT_TRUE(error.empty());
  int sampled = 0;
  for (int i = 0; i < 2000; ++i) {
    TraceId id = newTraceId();
    EXPECT_FALSE(never.sample(std::nullopt, id));
    EXPECT_TRUE(always.sample(std::nullopt, id));
    sampled += half.sample(std::nullopt, id);
  }
  EXPECT_GT(sampled, 800);
  EXPECT_LT(sampled, 1200);
  parent.sampled = true;
  EXPECT_TRUE(half.sample(parent, parent.trace_id));
  EXPECT_FALSE(Sampler::fromEnv("always_off", nullptr, &error).sample(parent, parent.trace_id));

  Sampler bad = Sampler::fromEnv("jaeger_remote", nullptr, &error);
  EXPECT_NE(error.find("not supported"), std::string::npos);
  EXPECT_TRUE(bad.parent_based);
  error.clear();
  Sampler::fromEnv("traceidratio", "1.5", &error);
  EXPECT_NE(error.find("not a ratio"), std::string::npos);
}

TEST(Ids, AreFreshAndNonZero) {
  TraceId a = newTraceId(), b = newTraceId();
  EXPECT_NE(a, b);
  EXPECT_NE(hex(newSpanId()), "0000000000000000");
  TraceContext root = childOf(std::nullopt, Sampler{});
  TraceContext child = localChild(root);
  EXPECT_EQ(child.trace_id, root.trace_id);
  EXPECT_NE(child.span_id, root.span_id);
}

TEST(Metrics, CountersAndHistogramsMergeAcrossThreads) {
  Registry r;
  FamilyId c = r.counter("t_requests_total", "requests");
  FamilyId h = r.histogram("t_latency_seconds", "latency", kLatencyBuckets);
  FamilyId g = r.gauge("t_in_use", "in use");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        r.add(c, labels({{"route", "/a"}, {"status", "200"}}));
        r.observe(h, labels({{"route", "/a"}}), i < 900 ? 0.002 : 0.2);
        r.add(g, "", 1);
      }
      r.add(g, "", -500);
    });
  }
  for (auto& t : threads) t.join();
  std::string text = r.render();
  EXPECT_NE(text.find("# TYPE t_requests_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_requests_total{route=\"/a\",status=\"200\"} 4000\n"), std::string::npos);
  EXPECT_NE(text.find("t_latency_seconds_bucket{route=\"/a\",le=\"0.001\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("t_latency_seconds_bucket{route=\"/a\",le=\"0.0025\"} 3600\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("t_latency_seconds_bucket{route=\"/a\",le=\"0.25\"} 4000\n"),
            std::string::npos);
  EXPECT_NE(text.find("t_latency_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4000\n"),
            std::string::npos);
  EXPECT_NE(text.find("t_latency_seconds_count{route=\"/a\"} 4000\n"), std::string::npos);
  EXPECT_NE(text.find("t_in_use 2000\n"), std::string::npos);
  EXPECT_LT(text.find("t_requests_total"), text.find("t_latency_seconds"));  // declaration order
}

TEST(Metrics, EscapesLabelValues) {
  EXPECT_EQ(labels({{"route", "/a\"b\\c\nd"}}), "route=\"/a\\\"b\\\\c\\nd\"");
  Registry r;
  FamilyId c = r.counter("t_total", "help with \\ and\nnewline");
  r.set(c, labels({{"k", "v"}}), 7);
  std::string text = r.render();
  EXPECT_NE(text.find("# HELP t_total help with \\\\ and\\nnewline\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_total{k=\"v\"} 7\n"), std::string::npos);
}

// A loopback OTLP receiver built on tern's own server: records each POSTed body.
class Receiver {
 public:
  explicit Receiver(int status = 200) {
    http::ServerOptions so;
    so.port = 0;
    so.handle_signals = false;
    so.shutdown_grace = std::chrono::milliseconds(100);
    server_ = http::Server::create(so, [this, status](http::Request& req) {
                std::lock_guard lock(mutex_);
                paths_.push_back(req.path);
                if (const std::string* a = req.header("authorization")) auth_ = *a;
                bodies_.push_back(json::parse(req.body));
                return http::Response::text(static_cast<uint16_t>(status), "");
              }).value();
    thread_ = std::thread([this] { server_->run(); });
  }
  ~Receiver() {
    server_->shutdown();
    thread_.join();
  }
  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1/traces";
  }
  // Every span received so far.
  std::vector<json> spans() {
    std::lock_guard lock(mutex_);
    std::vector<json> out;
    for (const auto& b : bodies_) {
      for (const auto& rs : b["resourceSpans"]) {
        for (const auto& ss : rs["scopeSpans"]) {
          for (const auto& s : ss["spans"]) out.push_back(s);
        }
      }
    }
    return out;
  }
  std::vector<json> waitForSpans(size_t n) {
    for (int i = 0; i < 200; ++i) {
      auto s = spans();
      if (s.size() >= n) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return spans();
  }
  json firstBody() {
    std::lock_guard lock(mutex_);
    return bodies_.empty() ? json() : bodies_.front();
  }

 private:
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> paths_;
  std::vector<json> bodies_;

 public:
  std::string auth() {
    std::lock_guard lock(mutex_);
    return auth_;
  }

 private:
  std::string auth_;
};

SpanData sampleSpan(const std::string& name) {
  SpanData s;
  s.trace_id = newTraceId();
  s.span_id = newSpanId();
  s.name = name;
  s.kind = SpanKind::kServer;
  s.start_unix_ns = unixNanos();
  s.end_unix_ns = s.start_unix_ns + 1000;
  s.attributes.emplace_back("http.route", std::string("/a"));
  s.attributes.emplace_back("http.response.status_code", int64_t{200});
  return s;
}

std::string attr(const json& span, const std::string& key) {
  for (const auto& a : span["attributes"]) {
    if (a["key"] == key) {
      const json& v = a["value"];
      return v.contains("stringValue") ? v["stringValue"].get<std::string>()
                                       : v["intValue"].get<std::string>();
    }
  }
  return "<absent>";
}

TEST(OtlpExporter, PostsJsonBatchesToTheCollector) {
  Receiver rx;
  ExporterOptions o;
  o.endpoint = rx.endpoint();
  o.resource = {{"service.name", "unit"}};
  o.headers = {{"authorization", "Bearer t"}};
  o.schedule_delay = std::chrono::milliseconds(20);
  auto e = OtlpExporter::create(o).value();
  std::vector<SpanData> batch = {sampleSpan("GET /a"), sampleSpan("GET /b")};
  std::string trace = hex(batch[0].trace_id);
  e->enqueue(std::move(batch));
  auto spans = rx.waitForSpans(2);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0]["traceId"], trace);
  EXPECT_EQ(spans[0]["name"], "GET /a");
  EXPECT_EQ(spans[0]["kind"], 2);
  EXPECT_FALSE(spans[0].contains("parentSpanId"));
  EXPECT_EQ(attr(spans[0], "http.route"), "/a");
  EXPECT_EQ(attr(spans[0], "http.response.status_code"), "200");
  json body = rx.firstBody();
  EXPECT_EQ(body["resourceSpans"][0]["resource"]["attributes"][0]["value"]["stringValue"], "unit");
  for (int i = 0; i < 100 && e->stats().exported < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(e->stats().exported, 2u);
  EXPECT_EQ(rx.auth(), "Bearer t");
}

TEST(OtlpExporter, DropsInsteadOfBlockingWhenTheQueueIsFullOrTheCollectorIsDown) {
  ExporterOptions o;
  int fd_port = 0;
  {  // a port with nothing listening
    auto probe = http::Server::create({.port = 0, .handle_signals = false}, [](http::Request&) {
                   return http::Response::text(200, "");
                 }).value();
    fd_port = probe->port();
  }
  o.endpoint = "http://127.0.0.1:" + std::to_string(fd_port) + "/v1/traces";
  o.max_queue = 3;
  o.max_batch = 100;
  o.schedule_delay = std::chrono::milliseconds(50);
  o.timeout = std::chrono::milliseconds(500);
  auto e = OtlpExporter::create(o).value();
  auto start = std::chrono::steady_clock::now();
  std::vector<SpanData> five;
  for (int i = 0; i < 5; ++i) five.push_back(sampleSpan("s"));
  e->enqueue(std::move(five));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
  EXPECT_EQ(e->stats().dropped_queue_full, 2u);
  for (int i = 0; i < 200 && e->stats().dropped_export_failed < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(e->stats().dropped_export_failed, 3u);
  EXPECT_EQ(e->stats().exported, 0u);
}

TEST(OtlpExporter, RejectsANonHttpEndpoint) {
  ExporterOptions o;
  o.endpoint = "grpc://collector:4317";
  auto e = OtlpExporter::create(o);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("not an http"), std::string::npos);
}

http::Request requestFor(const std::string& path) {
  http::Request r;
  r.method = "GET";
  r.setTarget(path);
  return r;
}

// The null guest: the phases and host calls an executor would report, without Wasm.
void serveOne(Observability& observability, http::Request& req, bool trap) {
  trigger::RequestScope scope(&observability, req);
  obs::RequestObservation* o = scope.observation();
  scope.routed("hello", "/hello/...");
  {
    obs::PhaseScope p(o, obs::Phase::kInstantiate);
  }
  obs::reportMemory(o, 65536);
  {
    obs::PhaseScope p(o, obs::Phase::kExecute);
    static const uint32_t kv = obs::interfaceId("fermyon:spin/key-value@2.0.0");
    static const uint32_t io = obs::interfaceId("wasi:io/streams@0.2.10");
    {
      obs::HostCallScope call(o, kv, "[method]store.get");
      auto h = obs::traceHeaders(o);
      EXPECT_EQ(h.has_value(), observability.tracing());
      if (h) EXPECT_TRUE(parseTraceparent(h->traceparent));
    }
    { obs::HostCallScope call(o, io, "[method]output-stream.write"); }
    if (trap) p.failed(Error{ErrorCode::kTrap, "deadline", static_cast<int32_t>(10)});
  }
  scope.end(http::Response::text(trap ? 504 : 200, ""));
}

TEST(Observability, RequestSpansContinueTheIncomingTraceAndNest) {
  Receiver rx;
  ObserveOptions o;
  o.traces = ExporterOptions{};
  o.traces->endpoint = rx.endpoint();
  o.traces->resource = {{"service.name", "unit"}};
  o.traces->schedule_delay = std::chrono::milliseconds(20);
  auto obs = Observability::create(std::move(o)).value();
  http::Request req = requestFor("/hello/x");
  req.headers.emplace_back("traceparent",
                           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  serveOne(*obs, req, false);
  auto spans = rx.waitForSpans(4);
  ASSERT_EQ(spans.size(), 4u);  // request, instantiate, execute, key-value call (wasi:io is quiet)
  std::map<std::string, json> by_name;
  for (const auto& s : spans) by_name[s["name"]] = s;
  ASSERT_TRUE(by_name.count("GET /hello/..."));
  const json& server = by_name["GET /hello/..."];
  EXPECT_EQ(server["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(server["parentSpanId"], "00f067aa0ba902b7");
  EXPECT_EQ(attr(server, "http.route"), "/hello/...");
  EXPECT_EQ(attr(server, "http.response.status_code"), "200");
  EXPECT_EQ(by_name["instantiate"]["parentSpanId"], server["spanId"]);
  EXPECT_EQ(by_name["execute"]["parentSpanId"], server["spanId"]);
  const json& kv = by_name["fermyon:spin/key-value@2.0.0 [method]store.get"];
  EXPECT_EQ(kv["parentSpanId"], by_name["execute"]["spanId"]);
  EXPECT_EQ(kv["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(Observability, MetricsCountRequestsTrapsMemoryAndHostCalls) {
  ObserveOptions o;
  auto obs = Observability::create(std::move(o)).value();
  for (int i = 0; i < 3; ++i) {
    http::Request req = requestFor("/hello/x");
    serveOne(*obs, req, i == 2);
  }
  instance::CompileStats miss;
  miss.seconds = 0.3;
  obs->componentCompiled("hello", miss);
  instance::CompileStats hit;
  hit.cache_hit = true;
  obs->componentCompiled("hello", hit);
  std::string text = obs->renderMetrics();
  auto has = [&](const std::string& line) {
    EXPECT_NE(text.find(line + "\n"), std::string::npos) << line << "\n" << text;
  };
  has("tern_http_requests_total{component=\"hello\",route=\"/hello/...\",status=\"200\"} 2");
  has("tern_http_requests_total{component=\"hello\",route=\"/hello/...\",status=\"504\"} 1");
  has("tern_http_request_duration_seconds_count{component=\"hello\",route=\"/hello/...\"} 3");
  has("tern_instantiation_duration_seconds_count{component=\"hello\"} 3");
  has("tern_traps_total{component=\"hello\",kind=\"deadline\"} 1");
  has("tern_deadline_kills_total{component=\"hello\"} 1");
  has("tern_instances_in_use 0");
  has("tern_guest_memory_bytes 0");
  has("tern_host_calls_total{interface=\"fermyon:spin/key-value@2.0.0\"} 3");
  has("tern_host_calls_total{interface=\"wasi:io/streams@0.2.10\"} 3");
  has("tern_compile_cache_hits_total{component=\"hello\"} 1");
  has("tern_compile_cache_misses_total{component=\"hello\"} 1");
  has("tern_compile_duration_seconds_sum{component=\"hello\"} 0.3");
}

TEST(Observability, InstancesAndMemoryAreInUseWhileARequestRuns) {
  auto obs = Observability::create(ObserveOptions{}).value();
  http::Request req = requestFor("/x");
  trigger::RequestScope scope(obs.get(), req);
  scope.routed("c", "/x");
  tern::obs::PhaseScope p(scope.observation(), tern::obs::Phase::kInstantiate);
  tern::obs::reportMemory(scope.observation(), 131072);
  std::string text = obs->renderMetrics();
  EXPECT_NE(text.find("tern_instances_in_use 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("tern_guest_memory_bytes 131072\n"), std::string::npos) << text;
}

TEST(Observability, EnvironmentSelectsTheEndpoint) {
  setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318", 1);
  setenv("OTEL_SERVICE_NAME", "edge", 1);
  setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test,service.name=ignored", 1);
  setenv("OTEL_BSP_MAX_QUEUE_SIZE", "nope", 1);
  setenv("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer x,bad", 1);
  std::vector<std::string> warnings;
  ObserveOptions o = optionsFromEnv(&warnings);
  ASSERT_TRUE(o.traces);
  EXPECT_EQ(o.traces->endpoint, "http://127.0.0.1:4318/v1/traces");
  EXPECT_EQ(o.traces->resource[0], (std::pair<std::string, std::string>{"service.name", "edge"}));
  EXPECT_EQ(o.traces->resource[1].first, "deployment.environment");
  EXPECT_EQ(o.traces->max_queue, 2048u);
  ASSERT_EQ(o.traces->headers.size(), 1u);
  EXPECT_EQ(o.traces->headers[0].second, "Bearer x");
  ASSERT_EQ(warnings.size(), 1u);
  setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:9/custom", 1);
  EXPECT_EQ(optionsFromEnv(nullptr).traces->endpoint, "http://127.0.0.1:9/custom");
  setenv("OTEL_TRACES_EXPORTER", "none", 1);
  EXPECT_FALSE(optionsFromEnv(nullptr).traces);
  for (const char* v : {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
                        "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                        "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_HEADERS"}) {
    unsetenv(v);
  }
  EXPECT_FALSE(optionsFromEnv(nullptr).traces);
}

TEST(AdminServer, ServesMetricsOnly) {
  auto obs = Observability::create(ObserveOptions{}).value();
  http::Request get = requestFor("/metrics");
  http::Response r = AdminServer::handle(get, *obs);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers[0].second, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("# TYPE tern_http_requests_total counter"), std::string::npos);
  http::Request other = requestFor("/");
  EXPECT_EQ(AdminServer::handle(other, *obs).status, 404);
  get.method = "POST";
  EXPECT_EQ(AdminServer::handle(get, *obs).status, 405);
}

// Runs `fn` with stderr (or stdout) redirected to a file; returns what was written.
template <class F>
std::string captureFd(int fd, F fn) {
  std::string path = testing::TempDir() + "/observe_capture_" + std::to_string(getpid());
  std::fflush(nullptr);
  int saved = dup(fd);
  FILE* f = std::fopen(path.c_str(), "w+");
  dup2(fileno(f), fd);
  fn();
  std::fflush(nullptr);
  dup2(saved, fd);
  close(saved);
  std::fclose(f);
  std::ifstream in(path);
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  return out;
}

TEST(GuestLog, PrefixesConsoleLinesWithTheComponent) {
  executor::GuestLog log("hello", "");
  std::string err = captureFd(2, [&] { log.write(executor::GuestStream::kStderr, "one\ntwo"); });
  EXPECT_EQ(err, "[hello] one\n[hello] two\n");
  std::string out = captureFd(1, [&] { log.write(executor::GuestStream::kStdout, "x\n"); });
  EXPECT_EQ(out, "[hello] x\n");
}

TEST(GuestLog, WritesSpinStyleFilesInTheLogDir) {
  std::string dir = testing::TempDir() + "/observe_logdir_" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  {
    executor::GuestLog log("api", dir);
    log.write(executor::GuestStream::kStderr, "first\n");
    log.write(executor::GuestStream::kStderr, "second");
    log.write(executor::GuestStream::kStdout, "out\n");
  }
  std::ifstream err(dir + "/api_stderr.txt"), out(dir + "/api_stdout.txt");
  std::string e((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  std::string o((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  EXPECT_EQ(e, "first\nsecond\n");
  EXPECT_EQ(o, "out\n");
  std::filesystem::remove_all(dir);
}

TEST(ServerLog, JsonLinesCarryFieldsAndTheTraceId) {
  ObserveOptions o;
  o.traces = ExporterOptions{};
  o.traces->endpoint = "http://127.0.0.1:9/v1/traces";
  o.traces->schedule_delay = std::chrono::milliseconds(100000);
  auto obs = Observability::create(std::move(o)).value();
  http::Request req = requestFor("/x");
  req.headers.emplace_back("traceparent",
                           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  http::setLogFormat(http::LogFormat::kJson);
  std::string err = captureFd(2, [&] {
    trigger::RequestScope scope(obs.get(), req);
    http::logLine(http::LogLevel::kError, "500 GET /x: bad \xff bytes",
                  {{"status", int64_t{500}}, {"component", "c"}}, scope.observation());
  });
  http::setLogFormat(http::LogFormat::kText);
  json line = json::parse(err);
  EXPECT_EQ(line["level"], "error");
  EXPECT_EQ(line["status"], 500);
  EXPECT_EQ(line["component"], "c");
  EXPECT_EQ(line["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(line["msg"].get<std::string>().starts_with("500 GET /x: bad "));
  std::string text = captureFd(2, [] { http::logLine(http::LogLevel::kInfo, "plain"); });
  EXPECT_EQ(text, "tern: plain\n");
}

}  // namespace
}  // namespace tern::observe
