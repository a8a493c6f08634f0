// The `tern` command line: compile and run WebAssembly modules.
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include "compile/wat.h"
#include "instance/engine.h"

namespace tern::cmd {
namespace {

using instance::Value;
using compile::ValType;

std::string defaultCacheDir() {
  if (const char* x = std::getenv("TERN_CACHE_DIR")) return x;
  if (const char* x = std::getenv("XDG_CACHE_HOME")) return std::string(x) + "/tern";
  if (const char* h = std::getenv("HOME")) return std::string(h) + "/.cache/tern";
  return "/tmp/tern-cache";
}

Result<std::vector<uint8_t>> readModule(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot read ", path);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
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
  return fail(ErrorCode::kInvalidArgument, "'", text, "' is not a valid ", compile::valTypeName(type));
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
  auto module = (*engine)->compile(*bytes, o.optimize ? instance::OptLevel::kOptimized
                                                      : instance::OptLevel::kFast);
  if (!module) return reportError(module.error());
  const auto& st = (*module)->stats();
  const auto& info = (*module)->info();
  std::printf("module:     %s (%zu bytes)\n", path.c_str(), bytes->size());
  std::printf("functions:  %u defined, %u imported\n", info.numDefinedFuncs(), info.num_imported_funcs);
  std::printf("code size:  %zu bytes\n", st.code_bytes);
  std::printf("compile:    %s\n", st.cache_hit ? "cache hit (0 s)" : (std::to_string(st.seconds) + " s").c_str());
  std::printf("cache path: %s\n", st.cache_path.empty() ? "(cache disabled)" : st.cache_path.c_str());
  return 0;
}

struct RunOptions {
  std::string invoke;
  uint64_t deadline_ms = 0;
  uint64_t max_memory = 0;
};

int runInvoke(const CommonOptions& o, const RunOptions& r, const std::string& path,
              const std::vector<std::string>& args) {
  auto engine = makeEngine(o);
  if (!engine) return reportError(engine.error());
  auto bytes = readModule(path);
  if (!bytes) return reportError(bytes.error());
  auto module = (*engine)->compile(*bytes, o.optimize ? instance::OptLevel::kOptimized
                                                      : instance::OptLevel::kFast);
  if (!module) return reportError(module.error());
  instance::StoreLimits limits;
  if (r.deadline_ms) limits.deadline = std::chrono::milliseconds(r.deadline_ms);
  if (r.max_memory) limits.max_memory_bytes = r.max_memory;
  instance::Store store(**engine, limits);
  instance::Linker linker;
  auto inst = linker.instantiate(store, *module);
  if (!inst) return reportError(inst.error());
  std::string name = r.invoke.empty() ? "_start" : r.invoke;
  instance::Func* f = (*inst)->func(name);
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
  auto results = store.call(f, values);
  if (!results) {
    if (results.error().code == ErrorCode::kExit) return results.error().detail;
    std::fprintf(stderr, "error: %s\n", results.error().toString().c_str());
    return 128 + 6;  // distinct from any guest exit status a shell sees as normal
  }
  for (const auto& v : *results) std::printf("%s\n", v.toString().c_str());
  return 0;
}

}  // namespace
}  // namespace tern::cmd

int main(int argc, char** argv) {
  using namespace tern::cmd;
  CLI::App app{"tern: a WebAssembly serverless platform"};
  app.require_subcommand(1);
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
  auto* run = app.add_subcommand("run", "run a module: call --invoke NAME, or _start");
  addCommon(run);
  run->add_option("--invoke", run_opts.invoke, "exported function to call; prints its results");
  run->add_option("--deadline-ms", run_opts.deadline_ms, "stop the guest after this many ms");
  run->add_option("--max-memory", run_opts.max_memory, "cap on linear memory bytes");
  run->add_option("module", path, "X.wasm (or .wat)")->required();
  run->add_option("args", run_args, "arguments");
  run->prefix_command(false);
  run->allow_extras(false);

  CLI11_PARSE(app, argc, argv);
  if (compile->parsed()) return runCompile(common, path);
  return runInvoke(common, run_opts, path, run_args);
}
