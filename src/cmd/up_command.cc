// `tern up`, `tern serve` and `tern build`: load a Spin manifest (or one Wasm file), compile its
// components, serve HTTP.
#include "cmd/up_command.h"

#include "cmd/registry_command.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <tuple>

#include "host/services.h"
#include "http/log.h"
#include "http/server.h"
#include "instance/engine.h"
#include "manifest/manifest.h"
#include "manifest/units.h"
#include "oci/reference.h"
#include "observe/admin_server.h"
#include "observe/observability.h"
#include "trigger/app.h"
#include "trigger/app_loader.h"

namespace tern::cmd {
namespace {

namespace fs = std::filesystem;
using manifest::parseDuration;
using manifest::parseSize;

std::string cacheDir(const UpOptions& o) {
  if (!o.cache_dir.empty()) return o.cache_dir;
  if (const char* x = std::getenv("TERN_CACHE_DIR")) return x;
  if (const char* x = std::getenv("XDG_CACHE_HOME")) return std::string(x) + "/tern";
  if (const char* h = std::getenv("HOME")) return std::string(h) + "/.cache/tern";
  return "/tmp/tern-cache";
}

void printErrors(const std::string& what, const std::string& message) {
  std::fprintf(stderr, "error: %s\n", what.c_str());
  size_t start = 0;
  while (start <= message.size()) {
    size_t nl = message.find('\n', start);
    std::fprintf(stderr, "  %s\n", message.substr(start, nl - start).c_str());
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
}

// `sh -c COMMAND` in `workdir`; the exit status, or -1 when it could not start.
int runShell(const std::string& command, const std::string& workdir) {
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (chdir(workdir.c_str()) != 0) _exit(127);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int runBuild(const std::string& file) {
  std::string path = manifest::resolveManifestPath(file);
  auto m = manifest::loadManifest(path, {.check_files = false});
  if (!m) {
    printErrors("cannot load " + path, m.error().message);
    return 1;
  }
  bool any = false;
  for (const auto& c : m->components) {
    if (!c.build) continue;
    any = true;
    for (const auto& cmd : c.build->commands) {
      std::printf("Building component %s with `%s`\n", c.id.c_str(), cmd.c_str());
      int rc = runShell(cmd, c.build->workdir);
      if (rc != 0) {
        std::fprintf(stderr, "error: build command for component %s failed (exit status %d): %s\n",
                     c.id.c_str(), rc, cmd.c_str());
        return 1;
      }
    }
  }
  std::printf(any ? "Finished building all Spin components\n"
                  : "None of the components have a build command.\n");
  return 0;
}

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};

std::optional<ListenAddress> parseListen(const std::string& spec) {
  size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  ListenAddress a;
  a.host = spec.substr(0, colon);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(spec.data() + colon + 1, spec.data() + spec.size(), port);
  if (ec != std::errc() || p != spec.data() + spec.size() || port > 65535) return std::nullopt;
  a.port = static_cast<uint16_t>(port);
  return a;
}

void printBanner(const trigger::App& app, const std::string& host, uint16_t port) {
  std::string h =
      host.find(':') != std::string::npos && !host.starts_with('[') ? "[" + host + "]" : host;
  std::string base = "http://" + h + ":" + std::to_string(port);
  std::printf("Serving %s\nAvailable Routes:\n", base.c_str());
  const auto& triggers = app.manifest().http_triggers;
  for (const auto& r : app.router().routes()) {
    const auto& t = triggers[r.entry.trigger_index];
    std::string name =
        t.static_response ? (t.id.empty() ? "(static response)" : t.id) : r.entry.component_id;
    std::string shown =
        manifest::joinBase(app.manifest().application.http_base, r.entry.route.prefix());
    std::printf("  %s: %s%s%s\n", name.c_str(), base.c_str(), shown.empty() ? "/" : shown.c_str(),
                r.based.trailing_wildcard ? " (wildcard)" : "");
  }
  std::fflush(stdout);
}

// The limit flags (node defaults for every component) into `out`; false after printing an error.
bool parseLimitFlags(const UpOptions& o, trigger::AppOptions& out) {
  auto timeout = parseDuration(o.request_timeout);
  if (!timeout) {
    std::fprintf(stderr, "error: --request-timeout '%s' is not a duration (try 500ms, 30s, 2m)\n",
                 o.request_timeout.c_str());
    return false;
  }
  if (timeout->count() > 0) out.limits.request_timeout = *timeout;
  if (!o.max_instance_memory.empty()) {
    auto mem = parseSize(o.max_instance_memory);
    if (!mem || *mem == 0) {
      std::fprintf(stderr, "error: --max-instance-memory '%s' is not a size (try 64MB, 1GiB)\n",
                   o.max_instance_memory.c_str());
      return false;
    }
    out.limits.max_instance_memory = *mem;
  }
  for (auto [flag, text, field] :
       {std::tuple{"--max-output", &o.max_output, &out.limits.max_output},
        std::tuple{"--max-request-body", &o.max_request_body, &out.max_request_body}}) {
    auto size = parseSize(*text);
    if (!size || *size == 0) {
      std::fprintf(stderr, "error: %s '%s' is not a size above 0 (try 1MiB, 64MB)\n", flag,
                   text->c_str());
      return false;
    }
    *field = *size;
  }
  auto queue_timeout = parseDuration(o.queue_timeout);
  if (!queue_timeout) {
    std::fprintf(stderr, "error: --queue-timeout '%s' is not a duration (try 200ms, 1s)\n",
                 o.queue_timeout.c_str());
    return false;
  }
  out.queue = {o.queue_length, *queue_timeout};
  out.max_concurrent = o.max_concurrent;
  out.max_concurrent_per_component = o.max_concurrent_per_component;
  return true;
}

// Metrics and traces: an Observability when --admin-listen or an OTLP endpoint asks for one.
struct Observing {
  std::unique_ptr<observe::Observability> obs;
  std::optional<ListenAddress> admin;
};

// --log-format, --admin-listen and the OTEL_* environment; nullopt after printing an error.
std::optional<Observing> setUpObserving(const UpOptions& o, const ListenAddress& listen) {
  if (o.log_format == "json") {
    http::setLogFormat(http::LogFormat::kJson);
  } else if (o.log_format != "text") {
    std::fprintf(stderr, "error: --log-format expects text or json, got '%s'\n",
                 o.log_format.c_str());
    return std::nullopt;
  }
  Observing out;
  if (!o.admin_listen.empty()) {
    out.admin = parseListen(o.admin_listen);
    if (!out.admin) {
      std::fprintf(stderr, "error: --admin-listen expects HOST:PORT, got '%s'\n",
                   o.admin_listen.c_str());
      return std::nullopt;
    }
    // Both listeners use SO_REUSEPORT: the same address would silently share connections.
    if (out.admin->port != 0 && out.admin->port == listen.port && out.admin->host == listen.host) {
      std::fprintf(stderr, "error: --admin-listen %s is also the --listen address\n",
                   o.admin_listen.c_str());
      return std::nullopt;
    }
  }
  std::vector<std::string> warnings;
  observe::ObserveOptions options = observe::optionsFromEnv(&warnings);
  for (const auto& w : warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  options.metrics = out.admin.has_value();
  if (!options.metrics && !options.traces) return out;
  auto obs = observe::Observability::create(std::move(options));
  if (!obs) {
    printErrors("cannot start tracing", obs.error().toString());
    return std::nullopt;
  }
  out.obs = std::move(*obs);
  return out;
}

// --log-dir (created if missing) into `out`; false after printing an error.
bool parseLogDir(const UpOptions& o, trigger::AppOptions& out) {
  if (o.log_dir.empty()) return true;
  std::error_code ec;
  fs::create_directories(o.log_dir, ec);
  if (ec) {
    std::fprintf(stderr, "error: cannot create --log-dir %s: %s\n", o.log_dir.c_str(),
                 ec.message().c_str());
    return false;
  }
  out.log_dir = fs::absolute(o.log_dir).string();
  return true;
}

// Starts the admin listener when asked for, prints the banner, serves until shutdown.
int serve(http::Server& server, const trigger::App& app, const std::string& host,
          Observing& observing) {
  std::unique_ptr<observe::AdminServer> admin;
  if (observing.admin) {
    auto a = observe::AdminServer::start(observing.admin->host, observing.admin->port,
                                         *observing.obs);
    if (!a) {
      printErrors("cannot serve --admin-listen", a.error().toString());
      return 1;
    }
    admin = std::move(*a);
  }
  printBanner(app, host, server.port());
  if (admin) {
    std::printf("Metrics: http://%s:%u/metrics\n", observing.admin->host.c_str(),
                static_cast<unsigned>(admin->port()));
  }
  std::fflush(stdout);
  server.run();
  return 0;
}

// Caps the node-wide defaults at a policy rule's limits (components are capped in the manifest).
void capNodeLimits(const sign::PolicyLimits& lim, trigger::AppOptions& app_options) {
  auto& l = app_options.limits;
  if (lim.max_instance_memory) {
    l.max_instance_memory = l.max_instance_memory
                                ? std::min(l.max_instance_memory, *lim.max_instance_memory)
                                : *lim.max_instance_memory;
  }
  if (lim.request_timeout) {
    auto cap = std::chrono::duration_cast<std::chrono::nanoseconds>(*lim.request_timeout);
    l.request_timeout = l.request_timeout ? std::min(*l.request_timeout, cap) : cap;
  }
}

// `--from REF` (or --from-registry): a registry app, verified as --verify-key/--policy say and
// pulled into the cache; `o.file` then names its spin.toml. False after printing an error.
bool resolveRegistryApp(UpOptions& o, std::optional<RegistryApp>& out) {
  if (o.app.serve) return true;
  std::string ref = o.from_registry;
  std::error_code ec;
  if (ref.empty() && !o.file.empty() && !std::filesystem::exists(o.file, ec) &&
      oci::looksLikeReference(o.file)) {
    ref = o.file;
  }
  if (ref.empty()) {
    if (o.verify_keys.empty() && o.policy.empty()) return true;
    std::fprintf(stderr, "error: --verify-key and --policy apply to registry apps (--from REF)\n");
    return false;
  }
  out = pullForRun({ref, o.verify_keys, o.policy, o.insecure, o.cache_dir});
  if (!out) return false;
  o.file = out->manifest_path;
  o.build = false;
  return true;
}

int runUp(const UpOptions& given) {
  UpOptions o = given;
  std::optional<RegistryApp> registry_app;
  if (!resolveRegistryApp(o, registry_app)) return 1;
  auto listen = parseListen(o.listen);
  if (!listen) {
    std::fprintf(stderr, "error: --listen expects HOST:PORT, got '%s'\n", o.listen.c_str());
    return 1;
  }
  auto observing = setUpObserving(o, *listen);
  if (!observing) return 1;
  bool wasm = o.app.serve || o.file.ends_with(".wasm") || o.file.ends_with(".wat");
  if (o.build && !wasm) {  // a bare Wasm file has nothing to build (as `spin up --build`)
    if (int rc = runBuild(o.file); rc != 0) return rc;
  }
  trigger::AppOptions app_options;
  if (!parseLimitFlags(o, app_options) || !parseLogDir(o, app_options)) return 1;
  app_options.optimize = o.optimize;
  app_options.observer = observing->obs.get();

  std::string path = wasm ? o.file : manifest::resolveManifestPath(o.file);
  auto m = loadAppManifest(o.file, o.app);
  if (!m) {
    printErrors("cannot load " + path, m.error().message);
    return 1;
  }
  if (registry_app) {
    applyPolicyLimits(registry_app->limits, *m);
    capNodeLimits(registry_app->limits, app_options);
  }
  // Stores, databases and variables are checked and opened before anything is served: a required
  // variable with no value or an unconfigured store stops the app here.
  host::ServicesOptions service_options;
  if (!applyAppFlags(o.app, *m, service_options, app_options)) return 1;
  service_options.runtime_config_file = o.runtime_config_file;
  service_options.sqlite_statements = o.sqlite;
  service_options.state_dir = o.state_dir;
  auto services = host::AppServices::create(*m, service_options);
  if (!services) {
    printErrors("cannot load " + path, services.error().message);
    return 1;
  }
  app_options.services = services->get();
  instance::EngineOptions eo;
  if (!o.no_cache) eo.cache_dir = cacheDir(o);
  auto engine = instance::Engine::create(eo);
  if (!engine) {
    printErrors("cannot start the engine", engine.error().toString());
    return 1;
  }
  std::vector<std::string> warnings;
  auto app = trigger::AppLoader(**engine, app_options).load(std::move(*m), &warnings);
  if (!app) {
    printErrors("cannot load " + path, app.error().message);
    return 1;
  }
  for (const auto& w : warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());

  http::ServerOptions so;
  so.host = listen->host;
  so.port = listen->port;
  so.threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  so.max_body_bytes = (*app)->maxRequestBody();
  if (app_options.limits.request_timeout) {
    so.shutdown_grace =
        std::chrono::duration_cast<std::chrono::milliseconds>(*app_options.limits.request_timeout) +
        std::chrono::seconds(10);
  }
  const trigger::App& served = **app;
  auto server =
      http::Server::create(so, [&served](http::Request& req) { return served.handle(req); });
  if (!server) {
    printErrors("cannot serve", server.error().toString());
    return 1;
  }
  return serve(**server, served, listen->host, *observing);
}

}  // namespace

void addUpCommands(CLI::App& app, UpCommands& cmds) {
  UpOptions& o = cmds.up_options;
  cmds.up = app.add_subcommand("up", "serve a Spin application (spin.toml) over HTTP");
  cmds.up->add_option("-f,--from", o.file,
                      "spin.toml, the folder holding it (default: ./spin.toml), or a registry "
                      "reference REGISTRY/REPOSITORY[:TAG][@sha256:HEX]");
  cmds.up->add_option("--from-registry", o.from_registry, "a registry reference to run");
  cmds.up->add_option("--verify-key", o.verify_keys,
                      "public key (PEM) that must have signed the registry app; repeatable: any");
  cmds.up->add_option("--policy", o.policy, "trust policy (TOML) for registry apps");
  cmds.up->add_flag("-k,--insecure", o.insecure, "plain HTTP to the registry (loopback tests)");
  cmds.up->add_option("--listen", o.listen, "HOST:PORT to serve on (default 127.0.0.1:3000)");
  cmds.up->add_option("--max-instance-memory", o.max_instance_memory,
                      "cap on each instance's linear memory: bytes, 64MB, 1GiB");
  cmds.up->add_option("--request-timeout", o.request_timeout,
                      "deadline per request, e.g. 500ms, 30s (default 30s; 0: none)");
  cmds.up->add_option("--max-output", o.max_output,
                      "cap on a guest's response (captured stdout) per request (default 64MiB)");
  cmds.up->add_option("--max-request-body", o.max_request_body,
                      "largest request body; more gives 413 (default 64MiB)");
  cmds.up->add_option("--max-concurrent", o.max_concurrent,
                      "instances running at once on this node (default 0: no cap)");
  cmds.up->add_option("--max-concurrent-per-component", o.max_concurrent_per_component,
                      "instances of one component at once (default 0: no cap)");
  cmds.up->add_option("--queue-length", o.queue_length,
                      "requests that may wait for a slot per cap; more get 503 (default 128)");
  cmds.up->add_option("--queue-timeout", o.queue_timeout,
                      "longest wait for a slot before 503 + Retry-After (default 1s)");
  cmds.up->add_option("--threads", o.threads, "event-loop threads (default: one per core)");
  cmds.up->add_option("--log-dir", o.log_dir,
                      "write each component's stderr to DIR/<id>_stderr.txt (default: console, "
                      "each line prefixed with [component])");
  cmds.up->add_option("--log-format", o.log_format, "server log lines: text (default) or json");
  cmds.up->add_option("--admin-listen", o.admin_listen,
                      "HOST:PORT serving Prometheus metrics at /metrics (default: off)");
  cmds.up->add_flag("--build", o.build, "run `tern build` first");
  cmds.up->add_option("--cache-dir", o.cache_dir, "artifact cache folder");
  cmds.up->add_flag("--no-cache", o.no_cache, "do not read or write the artifact cache");
  cmds.up->add_flag("-O,--optimize", o.optimize, "optimising compile level (LLVM -O2)");
  cmds.up->add_option("--runtime-config-file", o.runtime_config_file,
                      "Spin runtime config (key-value stores, sqlite databases, variable providers)");
  cmds.up->add_option("--sqlite", o.sqlite,
                      "SQL (or @file.sql) run on the default sqlite database before serving; "
                      "repeatable")
      ->allow_extra_args(false);
  cmds.up->add_option("--state-dir", o.state_dir,
                      "folder for the default key-value store and sqlite database (default .spin)");
  addAppFlags(cmds.up, o.app);  // Spin's --variable, --env, --component-id, --key-value, --temp
  cmds.build = app.add_subcommand("build", "run each component's [component.<id>.build] command");
  cmds.build->add_option("-f,--from", cmds.build_file, "spin.toml, or the folder holding it");
  cmds.serve = addServeCommand(app, cmds.serve_options);
}

std::optional<int> runUpCommands(const UpCommands& cmds) {
  if (cmds.up && cmds.up->parsed()) return runUp(cmds.up_options);
  if (cmds.serve && cmds.serve->parsed()) return runUp(cmds.serve_options);
  if (cmds.build && cmds.build->parsed()) return runBuild(cmds.build_file);
  return std::nullopt;
}

}  // namespace tern::cmd
