// Application loading: one loadComponent() for every component (read, stage, compile, executor),
// then the router.
#include "trigger/app_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "compile/wat.h"
#include "component/component.h"
#include "executor/http_executor.h"
#include "executor/wagi_executor.h"
#include "trigger/files_stage.h"

namespace tern::trigger {
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

Result<std::string> makeStageRoot(const std::string& parent_dir) {
  std::error_code ec;
  fs::path parent = parent_dir.empty() ? fs::temp_directory_path(ec) : fs::absolute(parent_dir, ec);
  if (!ec && !parent_dir.empty()) fs::create_directories(parent, ec);
  std::string tmpl = (parent / "tern-files-XXXXXX").string();
  if (ec || !mkdtemp(tmpl.data())) {
    return fail(ErrorCode::kIo, "cannot create a staging folder in ", parent.string(), ": ",
                ec ? ec.message() : std::strerror(errno));
  }
  return tmpl;
}

// Each served component once, in trigger order, with the executor of its first trigger.
std::vector<std::pair<std::string, manifest::Executor>> componentsToLoad(
    const manifest::Manifest& m) {
  std::vector<std::pair<std::string, manifest::Executor>> out;
  for (const manifest::HttpTrigger& t : m.http_triggers) {
    if (t.static_response) continue;
    bool seen =
        std::any_of(out.begin(), out.end(), [&](const auto& e) { return e.first == t.component; });
    if (!seen) out.emplace_back(t.component, t.executor);
  }
  return out;
}

}  // namespace

// The component's [component.<id>.tern] values over the node defaults.
App::Served AppLoader::servedWith(const manifest::ComponentLimits& l) const {
  App::Served s;
  s.limits = options_.limits;
  if (l.request_timeout) {
    if (l.request_timeout->count() > 0) {
      s.limits.request_timeout = *l.request_timeout;
    } else {
      s.limits.request_timeout.reset();
    }
  }
  if (l.max_instance_memory) s.limits.max_instance_memory = *l.max_instance_memory;
  if (l.max_output) s.limits.max_output = *l.max_output;
  s.max_request_body = l.max_request_body.value_or(options_.max_request_body);
  s.gate = std::make_unique<Gate>(l.max_concurrent.value_or(options_.max_concurrent_per_component),
                                  options_.queue);
  return s;
}

Result<std::string> AppLoader::stageComponentFiles(const manifest::Manifest& m,
                                                   const manifest::Component& c, App& app) {
  if (app.stage_root_.empty()) {
    auto root = makeStageRoot(options_.stage_parent);
    if (!root) return fail(root.error());
    app.stage_root_ = *root;
  }
  std::string files_root = app.stage_root_ + "/" + c.id;
  TERN_TRY(stageFiles(c, m.dir, files_root));
  return files_root;
}

Result<std::unique_ptr<executor::Executor>> AppLoader::makeExecutor(const manifest::Component& c,
                                                                    const manifest::Executor& kind,
                                                                    std::vector<uint8_t> bytes,
                                                                    std::string files_root,
                                                                    App& app) {
  auto level = options_.optimize ? instance::OptLevel::kOptimized : instance::OptLevel::kFast;
  if (kind.kind == manifest::ExecutorKind::kWagi) {
    auto module = engine_.compile(bytes, level);
    if (!module) return fail(module.error().code, module.error().toString());
    if (options_.observer) options_.observer->componentCompiled(c.id, (*module)->stats());
    auto wagi = executor::WagiExecutor::create(engine_, c, std::move(*module), kind.entrypoint,
                                               std::move(files_root), options_.log_dir);
    if (!wagi) return fail(wagi.error());
    return std::unique_ptr<executor::Executor>(std::move(*wagi));
  }
  if (!component::Component::isComponent(bytes)) {
    return fail(ErrorCode::kAppLoad,
                "is a core Wasm module, but the default `http` executor runs components that "
                "export wasi:http/incoming-handler (componentize-js, Spin SDKs); a WASI command "
                "module needs `executor = { type = \"wagi\" }`");
  }
  auto compiled = component::Component::compile(engine_, bytes, level);
  if (!compiled) return fail(compiled.error().code, compiled.error().toString());
  if (options_.observer) {
    instance::CompileStats stats;
    stats.seconds = (*compiled)->compileSeconds();
    stats.cache_hit = (*compiled)->allCached();
    options_.observer->componentCompiled(c.id, stats);
  }
  const host::ComponentServices* services =
      options_.services ? options_.services->component(c.id) : nullptr;
  auto http = executor::HttpExecutor::create(
      engine_, c, std::move(*compiled), std::move(files_root), options_.log_dir,
      [&app](const wasi2::OutgoingHttpRequest& r, const wasi2::OutboundCall& call) {
        return app.dispatchLocal(r, call);
      },
      services);
  if (!http) return fail(http.error());
  return std::unique_ptr<executor::Executor>(std::move(*http));
}

Result<App::Served> AppLoader::loadComponent(const manifest::Manifest& m,
                                             const manifest::Component& c,
                                             const manifest::Executor& executor, App& app) {
  std::string where = at(m, c.source_pos) + "component `" + c.id + "`: ";
  auto bytes = readWasm(c.source);
  if (!bytes) return fail(bytes.error().code, where + bytes.error().toString());
  std::string files_root;
  if (!c.files.empty()) {
    auto staged = stageComponentFiles(m, c, app);
    if (!staged)
      return fail(staged.error().code, at(m, c.files.front().pos) + staged.error().toString());
    files_root = std::move(*staged);
  }
  auto made = makeExecutor(c, executor, std::move(*bytes), std::move(files_root), app);
  if (!made) return fail(made.error().code, where + made.error().message);
  App::Served served = servedWith(c.limits);
  served.executor = std::move(*made);
  return served;
}

Result<std::unique_ptr<App>> AppLoader::load(manifest::Manifest m,
                                             std::vector<std::string>* warnings) {
  std::unique_ptr<App> app(new App());
  app->observer_ = options_.observer;
  app->default_max_request_body_ = options_.max_request_body;
  app->queue_timeout_ = options_.queue.queue_timeout;
  app->node_gate_ = std::make_unique<Gate>(options_.max_concurrent, options_.queue);
  std::vector<std::string> errors;
  for (const auto& [id, executor] : componentsToLoad(m)) {
    auto served = loadComponent(m, *m.component(id), executor, *app);
    if (!served) {
      errors.push_back(served.error().message);
      continue;
    }
    app->components_.emplace(id, std::move(*served));
  }
  std::vector<RouteEntry> entries;
  for (size_t i = 0; i < m.http_triggers.size(); ++i) {
    entries.push_back({i, m.http_triggers[i].component, m.http_triggers[i].route});
  }
  std::vector<DuplicateRoute> dups;
  auto router = Router::build(m.application.http_base, std::move(entries), &dups);
  if (!router) errors.push_back(m.path + ": " + router.error().message);
  if (!errors.empty()) {
    std::string msg;
    for (const auto& e : errors) msg += (msg.empty() ? "" : "\n") + e;
    return fail(ErrorCode::kAppLoad, msg);
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

}  // namespace tern::trigger
