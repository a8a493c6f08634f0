// Application loading (compile, stage files, route) and request dispatch.
#include "http/app.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "compile/wat.h"
#include "http/files_stage.h"
#include "http/log.h"

namespace tern::http {
namespace {

namespace fs = std::filesystem;

std::string at(const manifest::Manifest& m, manifest::SourcePos p) {
  return m.path + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": ";
}

Result<std::vector<uint8_t>> readWasm(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot read ", path);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (compile::isWasmBinary(bytes) || !path.ends_with(".wat")) return bytes;
  return compile::watToWasm(path, bytes);
}

Result<std::string> makeStageRoot() {
  std::string tmpl = (fs::temp_directory_path() / "tern-files-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) return fail(ErrorCode::kIo, "cannot create a staging folder in /tmp");
  return tmpl;
}

}  // namespace

// The component's [component.<id>.tern] values over the node defaults.
App::Served App::servedWith(const manifest::ComponentLimits& l, const AppOptions& o) {
  App::Served s;
  s.limits = o.limits;
  if (l.request_timeout) {
    if (l.request_timeout->count() > 0) {
      s.limits.request_timeout = *l.request_timeout;
    } else {
      s.limits.request_timeout.reset();
    }
  }
  if (l.max_instance_memory) s.limits.max_instance_memory = *l.max_instance_memory;
  if (l.max_output) s.limits.max_output = *l.max_output;
  s.max_request_body = l.max_request_body.value_or(o.max_request_body);
  s.gate =
      std::make_unique<Gate>(l.max_concurrent.value_or(o.max_concurrent_per_component), o.queue);
  return s;
}

Result<std::string> App::stageComponentFiles(const manifest::Manifest& m,
                                             const manifest::Component& c) {
  if (stage_root_.empty()) {
    auto root = makeStageRoot();
    if (!root) return fail(root.error());
    stage_root_ = *root;
  }
  std::string files_root = stage_root_ + "/" + c.id;
  TERN_TRY(stageFiles(c, m.dir, files_root));
  return files_root;
}

App::~App() {
  if (!stage_root_.empty()) {
    std::error_code ec;
    fs::remove_all(stage_root_, ec);
  }
}

Result<std::unique_ptr<App>> App::load(manifest::Manifest m, instance::Engine& engine,
                                       const AppOptions& options,
                                       std::vector<std::string>* warnings) {
  std::unique_ptr<App> app(new App());
  app->options_ = options;
  app->node_gate_ = std::make_unique<Gate>(options.max_concurrent, options.queue);
  std::vector<std::string> errors;
  std::vector<RouteEntry> entries;
  std::vector<std::pair<std::string, std::string>> wagi;  // component id -> entrypoint
  std::vector<std::string> http;                          // wasi:http component ids
  for (size_t i = 0; i < m.http_triggers.size(); ++i) {
    const manifest::HttpTrigger& t = m.http_triggers[i];
    entries.push_back({i, t.component, t.route});
    if (t.static_response) continue;
    if (t.executor.kind != manifest::ExecutorKind::kWagi) {
      if (std::find(http.begin(), http.end(), t.component) == http.end()) {
        http.push_back(t.component);
      }
      continue;
    }
    bool seen = false;
    for (const auto& w : wagi) seen = seen || w.first == t.component;
    if (!seen) wagi.emplace_back(t.component, t.executor.entrypoint);
  }
  for (const std::string& id : http) {
    const manifest::Component* c = m.component(id);
    std::string where = at(m, c->source_pos) + "component `" + id + "`: ";
    auto bytes = readWasm(c->source);
    if (!bytes) {
      errors.push_back(where + bytes.error().toString());
      continue;
    }
    std::string files_root;
    if (!c->files.empty()) {
      auto staged = app->stageComponentFiles(m, *c);
      if (!staged) {
        errors.push_back(at(m, c->files.front().pos) + staged.error().toString());
        continue;
      }
      files_root = std::move(*staged);
    }
    auto served = app->loadHttp(*c, std::move(*bytes), files_root, engine, options);
    if (!served) {
      errors.push_back(where + served.error().message);
      continue;
    }
    app->components_.emplace(id, std::move(*served));
  }
  for (const auto& [id, entrypoint] : wagi) {
    const manifest::Component* c = m.component(id);
    std::string where = at(m, c->source_pos) + "component `" + id + "`: ";
    auto bytes = readWasm(c->source);
    if (!bytes) {
      errors.push_back(where + bytes.error().toString());
      continue;
    }
    auto module = engine.compile(
        *bytes, options.optimize ? instance::OptLevel::kOptimized : instance::OptLevel::kFast);
    if (!module) {
      errors.push_back(where + module.error().toString());
      continue;
    }
    std::string files_root;
    if (!c->files.empty()) {
      auto staged = app->stageComponentFiles(m, *c);
      if (!staged) {
        errors.push_back(at(m, c->files.front().pos) + staged.error().toString());
        continue;
      }
      files_root = std::move(*staged);
    }
    if (options.observer) options.observer->componentCompiled(id, (*module)->stats());
    auto comp = WagiComponent::create(engine, *c, std::move(*module), entrypoint, files_root,
                                      options.log_dir);
    if (!comp) {
      errors.push_back(where + comp.error().message);
      continue;
    }
    Served served = servedWith(c->limits, options);
    served.executor = std::move(*comp);
    app->components_.emplace(id, std::move(served));
  }
  std::vector<DuplicateRoute> dups;
  auto router = Router::build(m.application.http_base, std::move(entries), &dups);
  if (!router) errors.push_back(m.path + ": " + router.error().message);
  if (!errors.empty()) {
    std::string msg;
    for (const auto& e : errors) msg += (msg.empty() ? "" : "\n") + e;
    return fail(ErrorCode::kInvalidArgument, msg);
  }
  for (const auto& d : dups) {
    if (warnings) {
      warnings->push_back("duplicate route " + d.route + ": component `" + d.effective_id +
                          "` serves it; component `" + d.replaced_id + "` is unreachable there");
    }
  }
  app->router_ = std::move(*router);
  app->manifest_ = std::move(m);
  return app;
}

Result<App::Served> App::loadHttp(const manifest::Component& c, std::vector<uint8_t> bytes,
                                  const std::string& files_root, instance::Engine& engine,
                                  const AppOptions& options) const {
  if (!component::Component::isComponent(bytes)) {
    return fail(ErrorCode::kInvalidArgument,
                "is a core Wasm module, but the default `http` executor runs components that "
                "export wasi:http/incoming-handler (componentize-js, Spin SDKs); a WASI command "
                "module needs `executor = { type = \"wagi\" }`");
  }
  auto compiled = component::Component::compile(
      engine, bytes, options.optimize ? instance::OptLevel::kOptimized : instance::OptLevel::kFast);
  if (!compiled) return fail(compiled.error().code, compiled.error().toString());
  const host::ComponentServices* services =
      options.services ? options.services->component(c.id) : nullptr;
  auto http = HttpComponent::create(
      engine, c, std::move(*compiled), files_root, options.log_dir,
      [this](const component::OutgoingHttpRequest& r) { return dispatchLocal(r); }, services);
  if (!http) return fail(http.error());
  Served served = servedWith(c.limits, options);
  served.http = std::move(*http);
  return served;
}

namespace {

// Nesting of in-process outbound requests on this thread (a guest calling itself forever).
constexpr int kMaxLocalDepth = 8;
thread_local int local_depth = 0;
struct DepthGuard {
  DepthGuard() { ++local_depth; }
  ~DepthGuard() { --local_depth; }
};

}  // namespace

std::optional<component::HttpResult<component::IncomingHttpResponse>> App::dispatchLocal(
    const component::OutgoingHttpRequest& r) const {
  using component::HttpErrorCase;
  if (local_depth >= kMaxLocalDepth) {
    return std::unexpected(component::HttpError{HttpErrorCase::kLoopDetected, {}, {}});
  }
  DepthGuard guard;
  Request req;
  req.method = r.method;
  req.setTarget(r.path_with_query.empty() ? "/" : r.path_with_query);
  req.headers = r.headers;
  req.headers.emplace_back("host", r.authority.empty() ? "self" : r.authority);
  req.body = r.body;
  req.client_ip = "127.0.0.1";
  req.local_host = "127.0.0.1";
  Response res;
  if (r.authority.empty() || r.authority == "self") {
    res = handle(req);
  } else {
    std::string_view host = std::string_view(r.authority).substr(0, r.authority.find(':'));
    std::string_view id = host.substr(0, host.size() - std::min(host.size(), sizeof(".spin.internal") - 1));
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
    res = handleWagi(req, match, *trig, served->second);
  }
  component::IncomingHttpResponse out;
  out.status = res.status;
  for (auto& [k, v] : res.headers) {
    std::string name = k;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), std::move(v));
  }
  out.body = std::move(res.body);
  return out;
}

Response App::handleReserved(const Request& req) const {
  if (req.path == "/.well-known/spin/health") return Response::text(200, "OK");
  nlohmann::json info = {{"name", manifest_.application.name},
                         {"version", manifest_.application.version},
                         {"oci_image_digest", nullptr}};
  Response r;
  r.headers.emplace_back("content-type", "application/json");
  r.body = info.dump();
  return r;
}

Response App::handle(Request& req) const {
  RequestScope scope(options_.observer, req);
  Response response = dispatch(req, scope);
  scope.end(response);
  return response;
}

Response App::dispatch(Request& req, RequestScope& scope) const {
  if (req.path == "/.well-known/spin/health" || req.path == "/.well-known/spin/info") {
    return handleReserved(req);
  }
  auto match = router_.route(req.path);
  if (!match) {
    Response not_found;
    not_found.status = 404;  // empty body, as Spin
    return not_found;
  }
  const manifest::HttpTrigger& trig = manifest_.http_triggers[match->trigger_index];
  scope.routed(match->component_id, match->raw_route);
  if (trig.static_response) {
    Response r;
    r.status = trig.static_response->status_code;
    r.headers = trig.static_response->headers;
    r.body = trig.static_response->body;
    return r;
  }
  auto it = components_.find(match->component_id);
  if (it == components_.end()) return Response::text(500, "Internal Server Error\n");
  return handleWagi(req, *match, trig, it->second);
}

uint64_t App::maxRequestBody() const {
  uint64_t most = 0;
  for (const auto& [id, s] : components_) most = std::max(most, s.max_request_body);
  return components_.empty() ? options_.max_request_body : most;
}

Response App::handleWagi(Request& req, const RouteMatch& match, const manifest::HttpTrigger& trig,
                         const Served& served) const {
  const std::string& id = served.http ? served.http->id() : served.executor->id();
  if (req.body.size() > served.max_request_body) {
    logLine(LogLevel::kWarn,
            "413 " + req.method + " " + req.path + ": component \"" + id + "\": body of " +
                std::to_string(req.body.size()) + " bytes over " +
                std::to_string(served.max_request_body),
            {{"status", int64_t{413}}, {"method", req.method}, {"path", req.path},
             {"component", id}});
    return Response::text(413, "request body too large\n");
  }
  // Component first, then node: a request queued on a busy component holds no node slot.
  std::optional<Gate::Permit> component = served.gate->acquire();
  std::optional<Gate::Permit> node = component ? node_gate_->acquire() : std::nullopt;
  if (!component || !node) {
    const char* which = component ? "node" : "component";
    uint32_t running = component ? node_gate_->inFlight() : served.gate->inFlight();
    logLine(LogLevel::kWarn,
            "503 " + req.method + " " + req.path + ": component \"" + id + "\": " + which +
                " at its concurrency cap (" + std::to_string(running) +
                " running, queue full or wait over)",
            {{"status", int64_t{503}}, {"method", req.method}, {"path", req.path},
             {"component", id}});
    Response busy = Response::text(503, "Service Unavailable\n");
    auto wait = std::chrono::ceil<std::chrono::seconds>(options_.queue.queue_timeout);
    busy.headers.emplace_back("retry-after", std::to_string(std::max<int64_t>(1, wait.count())));
    return busy;
  }
  if (served.http) return served.http->execute(req, match, manifest_.application.http_base, served.limits);
  return served.executor->execute(req, match, trig.executor, manifest_.application.http_base,
                                  served.limits);
}

}  // namespace tern::http
