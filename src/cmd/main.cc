// The `tern` command line: compile and run WebAssembly modules.
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>

#include "cmd/doctor_command.h"
#include "cmd/new_command.h"
#include "cmd/registry_command.h"
#include "cmd/up_command.h"
#include "cmd/watch_command.h"
#include "cmd/version.h"
#include "compile/wat.h"
#include "component/component.h"
#include "wasi2/wasi2.h"
#include "instance/engine.h"
#include "wasi/wasi.h"

extern char** environ;

namespace tern::cmd {
namespace {

using compile::ValType;
using instance::Value;

std::string defaultCacheDir() {
  if (const char* x = std::getenv("TERN_CACHE_DIR")) return x;
  if (const char* x = std::getenv("XDG_CACHE_HOME")) return std::string(x) + "/tern";
  if (const char* h = std::getenv("HOME")) return std::string(h) + "/.cache/tern";
  return "/tmp/tern-cache";
}

Result<std::vector<uint8_t>> readModule(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot read ", path);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (compile::isWasmBinary(bytes) || !(path.ends_with(".wat") || path.ends_with(".wast"))) {
    return bytes;
  }
  return compile::watToWasm(path, bytes);
}

Result<Value> parseArg(const std::string& text, ValType type) {
  errno = 0;
  char* end = nullptr;
  switch (type) {
    case ValType::kI32:
    case ValType::kI64: {
      bool neg = !text.empty() && text[0] == '-';
      uint64_t u = neg ? static_cast<uint64_t>(std::strtoll(text.c_str(), &end, 0))
                       : std::strtoull(text.c_str(), &end, 0);
      if (errno || *end || text.empty()) break;
      if (type == ValType::kI32) return Value::i32(static_cast<int32_t>(u));
      return Value::i64(static_cast<int64_t>(u));
    }
    case ValType::kF32: {
      float f = std::strtof(text.c_str(), &end);
      if (*end || text.empty()) break;
      return Value::f32(f);
    }
    case ValType::kF64: {
      double d = std::strtod(text.c_str(), &end);
      if (*end || text.empty()) break;
      return Value::f64(d);
    }
    default:
      return fail(ErrorCode::kInvalidArgument, "cannot pass a ", compile::valTypeName(type),
                  " from the command line");
  }
  return fail(ErrorCode::kInvalidArgument, "'", text, "' is not a valid ",
              compile::valTypeName(type));
}

struct CommonOptions {
  std::string cache_dir = defaultCacheDir();
  bool no_cache = false;
  bool optimize = false;
};

Result<std::unique_ptr<instance::Engine>> makeEngine(const CommonOptions& o) {
  instance::EngineOptions eo;
  if (!o.no_cache) eo.cache_dir = o.cache_dir;
  return instance::Engine::create(eo);
}

int reportError(const Error& e) {
  std::fprintf(stderr, "error: %s\n", e.toString().c_str());
  return 1;
}

int runCompile(const CommonOptions& o, const std::string& path) {
  auto engine = makeEngine(o);
  if (!engine) return reportError(engine.error());
  auto bytes = readModule(path);
  if (!bytes) return reportError(bytes.error());
  auto module = (*engine)->compile(
      *bytes, o.optimize ? instance::OptLevel::kOptimized : instance::OptLevel::kFast);
  if (!module) return reportError(module.error());
  const auto& st = (*module)->stats();
  const auto& info = (*module)->info();
  std::printf("module:     %s (%zu bytes)\n", path.c_str(), bytes->size());
  std::printf("functions:  %u defined, %u imported\n", info.numDefinedFuncs(),
              info.num_imported_funcs);
  std::printf("code size:  %zu bytes\n", st.code_bytes);
  std::printf("compile:    %s\n",
              st.cache_hit ? "cache hit (0 s)" : (std::to_string(st.seconds) + " s").c_str());
  std::printf("cache path: %s\n",
              st.cache_path.empty() ? "(cache disabled)" : st.cache_path.c_str());
  return 0;
}

struct RunOptions {
  std::string invoke;
  uint64_t deadline_ms = 0;
  uint64_t max_memory = 0;
  std::vector<std::string> dirs;     // --dir HOST[::GUEST][:ro]
  std::vector<std::string> envs;     // --env KEY=VALUE (or KEY: the host's value)
  bool inherit_env = false;          // --inherit-env
  std::vector<std::string> listens;  // --tcplisten HOST:PORT
};

// Exit status of `tern run` when the guest traps (SIGABRT's shell code; distinct from load
// errors, which exit 1). A guest's own proc_exit status is passed through.
constexpr int kTrapExitCode = 128 + 6;

// The guest's exit status as a process exit code (statuses outside 0..255 cannot be represented).
int exitCodeOf(int32_t status) { return status >= 0 && status <= 255 ? status : 255; }

Result<int> listenOn(const std::string& spec) {
  size_t colon = spec.rfind(':');
  if (colon == std::string::npos) {
    return fail(ErrorCode::kInvalidArgument, "--tcplisten expects HOST:PORT, got '", spec, "'");
  }
  std::string host = spec.substr(0, colon);
  std::string port = spec.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  struct addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  struct addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res)) {
    return fail(ErrorCode::kInvalidArgument, "--tcplisten ", spec, ": ", gai_strerror(rc));
  }
  int fd = -1;
  std::string why = "no address";
  for (auto* ai = res; ai; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0) break;
    why = std::strerror(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) return fail(ErrorCode::kIo, "--tcplisten ", spec, ": ", why);
  return fd;
}

// WASI configuration for `tern run`: stdio inherited, args/env/dirs/sockets from the flags.
Result<wasi::WasiOptions> wasiOptions(const RunOptions& r, const std::string& path,
                                      const std::vector<std::string>& args) {
  wasi::WasiOptions w;
  w.args.push_back(path);
  if (r.invoke.empty()) w.args.insert(w.args.end(), args.begin(), args.end());
  if (r.inherit_env) {
    for (char** e = environ; e && *e; ++e) w.env.emplace_back(*e);
  }
  for (const std::string& kv : r.envs) {
    std::string entry = kv;
    if (kv.find('=') == std::string::npos) {
      const char* v = std::getenv(kv.c_str());
      if (!v) continue;
      entry = kv + "=" + v;
    }
    std::string key = entry.substr(0, entry.find('='));
    std::erase_if(w.env, [&](const std::string& e) { return e.starts_with(key + "="); });
    w.env.push_back(entry);
  }
  for (const std::string& d : r.dirs) {
    auto p = wasi::parsePreopen(d);
    if (!p) return fail(p.error());
    w.preopens.push_back(*p);
  }
  for (const std::string& l : r.listens) {
    auto fd = listenOn(l);
    if (!fd) return fail(fd.error());
    w.listen_sockets.push_back(*fd);
  }
  w.stdin_mode = wasi::StdinMode::kInherit;
  return w;
}

// --deadline-ms: the whole run must be over this many ms from now (guest code and WASI waits).
std::optional<std::chrono::steady_clock::time_point> deadlineOf(const RunOptions& r) {
  if (!r.deadline_ms) return std::nullopt;
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(r.deadline_ms);
}

// How a guest that stopped early ends `tern run`: its proc_exit status, or a trap message and
// kTrapExitCode.
int guestFailure(const Error& e) {
  if (e.code == ErrorCode::kExit) return exitCodeOf(e.detail);
  std::fprintf(stderr, "error: %s\n", e.toString().c_str());
  return kTrapExitCode;
}

// A WASI command: `_start` with no arguments; returning from it means exit status 0.
int runCommand(instance::Store& store, instance::Instance& inst) {
  instance::Func* f = inst.func("_start");
  if (!f) {
    std::fprintf(stderr, "error: module has no exported function \"_start\" (use --invoke)\n");
    return 1;
  }
  if (!f->type().params.empty() || !f->type().results.empty()) {
    std::fprintf(stderr, "error: _start has type %s; use --invoke\n", f->type().toString().c_str());
    return 1;
  }
  auto results = store.call(f, {});
  return results ? 0 : guestFailure(results.error());
}

// --invoke NAME ARGS: parse ARGS by the export's parameter types and print its results. A WASI
// reactor's `_initialize` runs first.
int invokeExport(instance::Store& store, instance::Instance& inst, const std::string& name,
                 const std::vector<std::string>& args) {
  instance::Func* f = inst.func(name);
  if (!f) {
    std::fprintf(stderr, "error: module has no exported function \"%s\"\n", name.c_str());
    return 1;
  }
  const auto& type = f->type();
  if (args.size() != type.params.size()) {
    std::fprintf(stderr, "error: %s takes %zu arguments %s, got %zu\n", name.c_str(),
                 type.params.size(), type.toString().c_str(), args.size());
    return 1;
  }
  std::vector<Value> values;
  for (size_t i = 0; i < args.size(); ++i) {
    auto v = parseArg(args[i], type.params[i]);
    if (!v) return reportError(v.error());
    values.push_back(*v);
  }
  if (instance::Func* init = inst.func("_initialize"); init && init->type().params.empty()) {
    auto r = store.call(init, {});
    if (!r) return guestFailure(r.error());
  }
  auto results = store.call(f, values);
  if (!results) return guestFailure(results.error());
  for (const auto& v : *results) std::printf("%s\n", v.toString().c_str());
  return 0;
}

// The WASI 0.2 state for a component: the same args, env and pre-opens as a core module gets
// (wasiOptions), stdio inherited.
Result<wasi2::WasiP2Context*> componentContext(const wasi::WasiOptions& w,
                                                   wasi2::WasiP2Context& ctx) {
  if (!w.listen_sockets.empty()) {
    return fail(ErrorCode::kInvalidArgument, "--tcplisten is not supported for components");
  }
  ctx.args = w.args;
  for (const std::string& e : w.env) {
    size_t eq = e.find('=');
    ctx.env.emplace_back(e.substr(0, eq), eq == std::string::npos ? "" : e.substr(eq + 1));
  }
  ctx.preopens = w.preopens;
  ctx.stdin_mode = w.stdin_mode;
  TERN_TRY(ctx.openPreopens());
  return &ctx;
}

// A wasi:cli/run component: instantiate it with the WASI 0.2 host and call `run`. Exit code:
// exit-with-code's status, 1 for exit(err) or `run` returning err, 0 otherwise, kTrapExitCode
// on a trap.
int runComponent(instance::Engine& engine, const CommonOptions& o, const RunOptions& r,
                 const std::string& path, const std::vector<std::string>& args,
                 std::span<const uint8_t> bytes) {
  if (!r.invoke.empty()) {
    std::fprintf(stderr, "error: --invoke is not supported for components\n");
    return 1;
  }
  auto comp = component::Component::compile(
      engine, bytes, o.optimize ? instance::OptLevel::kOptimized : instance::OptLevel::kFast);
  if (!comp) return reportError(comp.error());
  const component::ExternDesc* run = (*comp)->findExport("wasi:cli/run@0.2.0");
  if (!run) {
    std::fprintf(stderr, "error: %s does not export wasi:cli/run@0.2.x (not a command)\n",
                 path.c_str());
    return 1;
  }
  auto w = wasiOptions(r, path, args);
  if (!w) return reportError(w.error());
  wasi2::WasiP2Context ctx;
  if (auto c = componentContext(*w, ctx); !c) return reportError(c.error());
  instance::RequestContext request{.deadline = deadlineOf(r), .wasi2 = &ctx};
  instance::StoreLimits limits;
  if (r.max_memory) limits.max_memory_bytes = r.max_memory;
  component::ComponentLinker linker;
  wasi2::defineWasiP2(linker);
  component::Session session(engine, limits, &request);
  auto inst = session.instantiate(linker, *comp);
  if (!inst) {
    if (inst.error().code == ErrorCode::kExit) return exitCodeOf(inst.error().detail);
    return reportError(inst.error());
  }
  const component::ExportFunc* fn = (*inst)->exportFunc(run->name, "run");
  if (!fn) {
    std::fprintf(stderr, "error: %s has no function \"run\"\n", run->name.c_str());
    return 1;
  }
  std::fflush(stdout);  // the guest writes to fd 1 directly
  auto results = (*inst)->call(fn, {});
  if (!results) return guestFailure(results.error());
  return !results->empty() && !(*results)[0].isOk() ? 1 : 0;
}

int runModule(const CommonOptions& o, const RunOptions& r, const std::string& path,
              const std::vector<std::string>& args) {
  auto engine = makeEngine(o);
  if (!engine) return reportError(engine.error());
  auto bytes = readModule(path);
  if (!bytes) return reportError(bytes.error());
  if (component::Component::isComponent(*bytes)) {
    return runComponent(**engine, o, r, path, args, *bytes);
  }
  auto module = (*engine)->compile(
      *bytes, o.optimize ? instance::OptLevel::kOptimized : instance::OptLevel::kFast);
  if (!module) return reportError(module.error());
  auto wasi_opts = wasiOptions(r, path, args);
  if (!wasi_opts) return reportError(wasi_opts.error());
  auto wasi_ctx = wasi::WasiContext::create(std::move(*wasi_opts));
  if (!wasi_ctx) return reportError(wasi_ctx.error());
  instance::RequestContext request{.deadline = deadlineOf(r), .wasi = wasi_ctx->get()};
  instance::StoreLimits limits;
  if (r.max_memory) limits.max_memory_bytes = r.max_memory;
  instance::Store store(**engine, limits);
  store.setContext(&request);
  instance::Linker linker;
  wasi::defineWasi(linker, **wasi_ctx);  // always: --invoke works with or without WASI imports
  auto inst = linker.instantiate(store, *module);
  if (!inst) {
    // A start function may call proc_exit; anything else that stops instantiation is a load error.
    if (inst.error().code == ErrorCode::kExit) return exitCodeOf(inst.error().detail);
    return reportError(inst.error());
  }
  std::fflush(stdout);  // the guest writes to fd 1 directly
  if (r.invoke.empty()) return runCommand(store, **inst);
  return invokeExport(store, **inst, r.invoke, args);
}

// Names of the options of `sub` that take a value (from CLI11 itself, so new options of
// `tern run` stay in sync with findModuleArg).
std::set<std::string> optionsWithValues(const CLI::App& sub) {
  std::set<std::string> out;
  for (const CLI::Option* opt : sub.get_options()) {
    if (opt->get_positional() || opt->get_expected_min() == 0) continue;  // flags expect none
    for (const auto& n : opt->get_lnames()) out.insert("--" + n);
    for (const auto& n : opt->get_snames()) out.insert("-" + n);
  }
  return out;
}

// `tern run [OPTIONS] MODULE [ARGS...]`: everything after MODULE belongs to the guest (it may
// look like an option). Returns the index of MODULE in argv, or argc when there is none.
int findModuleArg(int argc, char** argv, int run_index, const std::set<std::string>& takes_value) {
  for (int i = run_index + 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") return i + 1 < argc ? i + 1 : argc;
    if (a.size() > 1 && a[0] == '-') {
      if (a.find('=') == std::string::npos && takes_value.contains(a)) ++i;
      continue;
    }
    return i;
  }
  return argc;
}

}  // namespace
}  // namespace tern::cmd

int main(int argc, char** argv) {
  using namespace tern::cmd;
  // A guest writing to a closed pipe gets EPIPE from fd_write; the host must not die of SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"tern: a WebAssembly serverless platform"};
  app.require_subcommand(1);
  app.set_version_flag("-V,--version", "tern " TERN_VERSION " (" TERN_GIT_COMMIT ")");
  CommonOptions common;
  auto addCommon = [&](CLI::App* sub) {
    sub->add_option("--cache-dir", common.cache_dir, "artifact cache folder");
    sub->add_flag("--no-cache", common.no_cache, "do not read or write the artifact cache");
    sub->add_flag("-O,--optimize", common.optimize, "optimising compile level (LLVM -O2)");
  };

  std::string path;
  auto* compile = app.add_subcommand("compile", "compile a module ahead of time into the cache");
  addCommon(compile);
  compile->add_option("module", path, "X.wasm (or .wat)")->required();

  RunOptions run_opts;
  std::vector<std::string> run_args;
  auto* run = app.add_subcommand(
      "run",
      "run a WASI command (_start, or a wasi:cli/run component) with ARGS, or call --invoke NAME "
      "with ARGS as values");
  addCommon(run);
  run->add_option("--invoke", run_opts.invoke, "exported function to call; prints its results");
  run->add_option("--deadline-ms", run_opts.deadline_ms, "stop the guest after this many ms");
  run->add_option("--max-memory", run_opts.max_memory, "cap on linear memory bytes");
  run->add_option("--dir", run_opts.dirs,
                  "pre-open a directory: HOST[::GUEST][:ro] (GUEST defaults to HOST; :ro makes it "
                  "read-only)");
  run->add_option("--env", run_opts.envs,
                  "set a guest environment variable: KEY=VALUE (KEY alone "
                  "copies the host's value)");
  run->add_flag("--inherit-env", run_opts.inherit_env, "give the guest the whole host environment");
  run->add_option("--tcplisten", run_opts.listens,
                  "pre-open a listening TCP socket for sock_accept: HOST:PORT");
  run->add_option("module", path, "X.wasm (or .wat)")->required();
  run->footer("Arguments after MODULE go to the guest unchanged (argv[0] is MODULE).");

  UpCommands up_commands;  // `tern up`, `tern serve`, `tern build` (cmd/up_command.h)
  addUpCommands(app, up_commands);
  NewCommands new_commands;  // `tern new`, `tern templates list` (cmd/new_command.h)
  addNewCommands(app, new_commands);
  DoctorCommand doctor;  // `tern doctor` (cmd/doctor_command.h)
  addDoctorCommand(app, doctor);
  WatchCommand watch;  // `tern watch` (cmd/watch_command.h)
  addWatchCommand(app, watch);
  RegistryCommands registry_commands;  // `tern registry`, `sign`, `verify`, `policy` (cmd/registry_command.h)
  addRegistryCommands(app, registry_commands);

  // Everything after the module belongs to the guest; CLI11 only sees what comes before.
  int cli_argc = argc;
  if (argc > 1 && std::string(argv[1]) == "run") {
    int module = findModuleArg(argc, argv, 1, optionsWithValues(*run));
    if (module < argc) {
      run_args.assign(argv + module + 1, argv + argc);
      cli_argc = module + 1;
    }
  }
  try {
    app.parse(cli_argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (auto rc = runUpCommands(up_commands)) return *rc;
  if (auto rc = runNewCommands(new_commands)) return *rc;
  if (auto rc = runRegistryCommands(registry_commands)) return *rc;
  if (auto rc = runDoctorCommand(doctor)) return *rc;
  if (auto rc = runWatchCommand(watch)) return *rc;
  if (compile->parsed()) return runCompile(common, path);
  return runModule(common, run_opts, path, run_args);
}
