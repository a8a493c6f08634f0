// Request dispatch: reserved routes, static responses, body cap, admission, the executor, and
// in-process chained requests.
#include "trigger/app.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "http/log.h"

namespace tern::trigger {
namespace {

// Nesting of in-process outbound requests on this thread (a guest calling itself forever);
// changed only by DepthGuard, which restores it.
constexpr int kMaxLocalDepth = 8;
thread_local int local_depth = 0;
struct DepthGuard {
  DepthGuard() { ++local_depth; }
  ~DepthGuard() { --local_depth; }
};

}  // namespace

App::~App() {
  if (!stage_root_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(stage_root_, ec);
  }
}

std::optional<wasi2::HttpResult<wasi2::IncomingHttpResponse>> App::dispatchLocal(
    const wasi2::OutgoingHttpRequest& r, const wasi2::OutboundCall& call) const {
  using wasi2::HttpErrorCase;
  if (local_depth >= kMaxLocalDepth) {
    return std::unexpected(wasi2::HttpError{HttpErrorCase::kLoopDetected, {}, {}});
  }
  DepthGuard guard;
  http::Request req;
  req.method = r.method;
  req.setTarget(r.path_with_query.empty() ? "/" : r.path_with_query);
  req.headers = r.headers;
  req.headers.emplace_back("host", r.authority.empty() ? "self" : r.authority);
  req.body = r.body;
  req.client_ip = "127.0.0.1";
  req.local_host = "127.0.0.1";
  http::Response res;
  if (r.authority.empty() || r.authority == "self") {
    res = handle(req);
  } else {
    std::string_view host = std::string_view(r.authority).substr(0, r.authority.find(':'));
    std::string_view id =
        host.substr(0, host.size() - std::min(host.size(), sizeof(".spin.internal") - 1));
    auto served = components_.find(id);
    const manifest::HttpTrigger* trig = nullptr;
    size_t index = 0;
    for (size_t i = 0; i < manifest_.http_triggers.size() && !trig; ++i) {
      if (manifest_.http_triggers[i].component == id) trig = &manifest_.http_triggers[index = i];
    }
    if (served == components_.end() || !trig) return std::nullopt;
    RouteMatch match;
    match.trigger_index = index;
    match.component_id = std::string(id);
    // As Spin does for chained requests: the component is matched as if on "/...", so its
    // spin-path-info (PATH_INFO) is the whole path, whatever (or however private) its route is.
    match.raw_route = "/...";
    match.based_route = "/...";
    match.trailing_wildcard = req.path;
    res = run(req, match, *trig, served->second, call.observation);
  }
  wasi2::IncomingHttpResponse out;
  out.status = res.status;
  for (auto& [k, v] : res.headers) {
    std::string name = k;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), std::move(v));
  }
  out.body = std::move(res.body);
  return out;
}

http::Response App::handleReserved(const http::Request& req) const {
  if (req.path == "/.well-known/spin/health") return http::Response::text(200, "OK");
  nlohmann::json info = {{"name", manifest_.application.name},
                         {"version", manifest_.application.version},
                         {"oci_image_digest", nullptr}};
  http::Response r;
  r.headers.emplace_back("content-type", "application/json");
  r.body = info.dump();
  return r;
}

http::Response App::handle(http::Request& req) const {
  RequestScope scope(observer_, req);
  http::Response response = dispatch(req, scope);
  scope.end(response);
  return response;
}

http::Response App::dispatch(http::Request& req, RequestScope& scope) const {
  if (req.path == "/.well-known/spin/health" || req.path == "/.well-known/spin/info") {
    return handleReserved(req);
  }
  auto match = router_.route(req.path);
  if (!match) {
    http::Response not_found;
    not_found.status = 404;  // empty body, as Spin
    return not_found;
  }
  const manifest::HttpTrigger& trig = manifest_.http_triggers[match->trigger_index];
  scope.routed(match->component_id, match->raw_route);
  if (trig.static_response) {
    http::Response r;
    r.status = trig.static_response->status_code;
    r.headers = trig.static_response->headers;
    r.body = trig.static_response->body;
    return r;
  }
  auto it = components_.find(match->component_id);
  if (it == components_.end()) return http::Response::text(500, "Internal Server Error\n");
  return run(req, *match, trig, it->second, scope.observation());
}

uint64_t App::maxRequestBody() const {
  uint64_t most = 0;
  for (const auto& [id, s] : components_) most = std::max(most, s.max_request_body);
  return components_.empty() ? default_max_request_body_ : most;
}

http::Response App::run(http::Request& req, const RouteMatch& match,
                        const manifest::HttpTrigger& trig, const Served& served,
                        obs::RequestObservation* observation) const {
  const std::string& id = served.executor->id();
  if (req.body.size() > served.max_request_body) {
    http::logLine(
        http::LogLevel::kWarn,
        "413 " + req.method + " " + req.path + ": component \"" + id + "\": body of " +
            std::to_string(req.body.size()) + " bytes over " +
            std::to_string(served.max_request_body),
        {{"status", int64_t{413}}, {"method", req.method}, {"path", req.path}, {"component", id}},
        observation);
    return http::Response::text(413, "request body too large\n");
  }
  // Component first, then node: a request queued on a busy component holds no node slot.
  std::optional<Gate::Permit> component = served.gate->acquire();
  std::optional<Gate::Permit> node = component ? node_gate_->acquire() : std::nullopt;
  if (!component || !node) {
    const char* which = component ? "node" : "component";
    uint32_t running = component ? node_gate_->inFlight() : served.gate->inFlight();
    http::logLine(
        http::LogLevel::kWarn,
        "503 " + req.method + " " + req.path + ": component \"" + id + "\": " + which +
            " at its concurrency cap (" + std::to_string(running) +
            " running, queue full or wait over)",
        {{"status", int64_t{503}}, {"method", req.method}, {"path", req.path}, {"component", id}},
        observation);
    http::Response busy = http::Response::text(503, "Service Unavailable\n");
    auto wait = std::chrono::ceil<std::chrono::seconds>(queue_timeout_);
    busy.headers.emplace_back("retry-after", std::to_string(std::max<int64_t>(1, wait.count())));
    return busy;
  }
  executor::Invocation call{req,           match,      trig, manifest_.application.http_base,
                            served.limits, observation};
  return served.executor->execute(call);
}

}  // namespace tern::trigger
