// Spin's `spin up` flags for `tern up`, and `tern serve X.wasm`, as changes to the manifest model
// and the host-services options (no request path of their own).
#include "cmd/app_flags.h"

#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cmd/up_command.h"
#include "component/component.h"
#include "manifest/adjust.h"

namespace tern::cmd {
namespace {

namespace fs = std::filesystem;
using KeyValues = std::vector<std::pair<std::string, std::string>>;

Result<std::string> readText(const std::string& path, std::string_view flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, flag, ": cannot read ", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `KEY=VALUE` (VALUE may be empty, may hold '='); KEY must not be empty.
Result<std::pair<std::string, std::string>> splitKeyValue(const std::string& spec,
                                                          std::string_view flag) {
  size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) {
    return fail(ErrorCode::kInvalidArgument, flag, " expects KEY=VALUE, got '", spec, "'");
  }
  return std::pair{spec.substr(0, eq), spec.substr(eq + 1)};
}

// A JSON object or TOML table whose values are all strings (Spin's `--variable @file`).
Result<void> readVariableFile(const std::string& path, host::VariableValues& out) {
  auto bad = [&](std::string_view why) {
    return fail(ErrorCode::kInvalidArgument, "--variable @", path, ": ", why);
  };
  if (!path.ends_with(".json") && !path.ends_with(".toml")) {
    return bad("variable files must end in .json or .toml");
  }
  auto text = readText(path, "--variable");
  if (!text) return fail(text.error());
  if (path.ends_with(".json")) {
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return bad("not a JSON object of strings");
    for (const auto& [key, value] : j.items()) {
      if (!value.is_string()) return bad("the value of `" + key + "` is not a string");
      out.insert_or_assign(key, value.get<std::string>());
    }
    return {};
  }
  toml::parse_result parsed = toml::parse(*text, path);
  if (!parsed) return bad("TOML syntax error: " + std::string(parsed.error().description()));
  for (auto&& [key, node] : parsed.table()) {
    const std::string* value = node.as_string() ? &node.as_string()->get() : nullptr;
    if (!value) return bad("the value of `" + std::string(key.str()) + "` is not a string");
    out.insert_or_assign(std::string(key.str()), *value);
  }
  return {};
}

// Every --variable source merged in order (a later value wins).
Result<host::VariableValues> variableValues(const std::vector<std::string>& specs) {
  host::VariableValues out;
  for (const std::string& spec : specs) {
    if (spec.starts_with('@')) {
      TERN_TRY(readVariableFile(spec.substr(1), out));
      continue;
    }
    auto kv = splitKeyValue(spec, "--variable");
    if (!kv) {
      return fail(ErrorCode::kInvalidArgument,
                  "--variable expects KEY=VALUE, KEY=@FILE, @FILE.json or @FILE.toml, got '", spec,
                  "'");
    }
    if (kv->second.starts_with('@')) {
      auto text = readText(kv->second.substr(1), "--variable " + kv->first);
      if (!text) return fail(text.error());
      kv->second = std::move(*text);
    }
    out.insert_or_assign(std::move(kv->first), std::move(kv->second));
  }
  return out;
}

Result<KeyValues> keyValues(const std::vector<std::string>& specs, std::string_view flag) {
  KeyValues out;
  for (const std::string& spec : specs) {
    auto kv = splitKeyValue(spec, flag);
    if (!kv) return fail(kv.error());
    out.push_back(std::move(*kv));
  }
  return out;
}

bool failed(const Error& e) {
  std::fprintf(stderr, "error: %s\n", e.message.c_str());
  return false;
}

// A component (its preamble's layer field) runs as wasi:http; a core module or .wat as WAGI.
Result<manifest::ExecutorKind> executorFor(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot read ", path, ": ", std::strerror(errno));
  std::vector<uint8_t> head(8);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return component::Component::isComponent(head) ? manifest::ExecutorKind::kHttp
                                                 : manifest::ExecutorKind::kWagi;
}

}  // namespace

void addAppFlags(CLI::App* up, AppFlags& f) {
  up->add_option("--variable", f.variables,
                 "set an application variable: KEY=VALUE, KEY=@FILE (its text), @FILE.json or "
                 "@FILE.toml (a table of strings); repeatable, wins over every provider")
      ->allow_extra_args(false);
  up->add_option("-e,--env", f.env, "set KEY=VALUE in every component's environment; repeatable")
      ->allow_extra_args(false);
  up->add_option("-c,--component-id", f.component_ids,
                 "serve only this component's routes (the others are not loaded); repeatable")
      ->allow_extra_args(false);
  up->add_option("--key-value", f.key_values,
                 "set KEY=VALUE in the default key-value store before serving; repeatable")
      ->allow_extra_args(false);
  up->add_option("--temp", f.temp,
                 "folder for the components' staged `files` (default: the system temp folder)");
}

CLI::App* addServeCommand(CLI::App& app, UpOptions& o) {
  CLI::App* serve = app.add_subcommand(
      "serve", "serve one Wasm file on every path: a wasi:http component, or a WAGI module");
  o.app.serve = true;
  serve->add_option("wasm", o.file, "X.wasm (or .wat)")->required();
  serve->add_option("--listen", o.listen, "HOST:PORT to serve on (default 127.0.0.1:3000)");
  serve
      ->add_option("--dir", o.app.dirs,
                   "make a host folder or file visible to the guest, read-only: HOST[::GUEST] "
                   "(GUEST defaults to HOST); repeatable")
      ->allow_extra_args(false);
  serve->add_option("-e,--env", o.app.env, "set KEY=VALUE in the guest's environment; repeatable")
      ->allow_extra_args(false);
  serve->add_option("--request-timeout", o.request_timeout,
                    "deadline per request, e.g. 500ms, 30s (default 30s; 0: none)");
  serve->add_option("--max-instance-memory", o.max_instance_memory,
                    "cap on each instance's linear memory: bytes, 64MB, 1GiB");
  serve->add_option("--threads", o.threads, "event-loop threads (default: one per core)");
  serve->add_option("--temp", o.app.temp, "folder for the staged --dir files");
  serve->add_option("--cache-dir", o.cache_dir, "artifact cache folder");
  serve->add_flag("--no-cache", o.no_cache, "do not read or write the artifact cache");
  serve->add_flag("-O,--optimize", o.optimize, "optimising compile level (LLVM -O2)");
  return serve;
}

Result<manifest::Manifest> loadAppManifest(const std::string& file, const AppFlags& flags) {
  bool wasm = file.ends_with(".wasm") || file.ends_with(".wat");
  if (!flags.serve && !wasm) return manifest::loadManifest(manifest::resolveManifestPath(file));
  if (!wasm) {
    return fail(ErrorCode::kInvalidArgument, "tern serve runs a .wasm (or .wat) file, got '", file,
                "' (for a spin.toml use `tern up -f`)");
  }
  std::vector<manifest::DirMount> dirs;
  for (const std::string& d : flags.dirs) {
    auto mount = manifest::parseDirMount(d);
    if (!mount) return fail(mount.error());
    dirs.push_back(std::move(*mount));
  }
  auto kind = executorFor(file);
  if (!kind) return fail(kind.error());
  return manifest::wasmManifest(file, *kind, dirs);
}

bool applyAppFlags(const AppFlags& f, manifest::Manifest& m, host::ServicesOptions& services,
                   trigger::AppOptions& app_options) {
  if (!f.component_ids.empty()) {
    if (auto r = manifest::retainComponents(m, f.component_ids); !r) return failed(r.error());
  }
  auto env = keyValues(f.env, "--env");
  if (!env) return failed(env.error());
  manifest::overrideEnvironment(m, *env);
  auto kv = keyValues(f.key_values, "--key-value");
  if (!kv) return failed(kv.error());
  services.key_values = std::move(*kv);
  auto vars = variableValues(f.variables);
  if (!vars) return failed(vars.error());
  for (const auto& [name, value] : *vars) {
    bool declared = std::any_of(m.variables.begin(), m.variables.end(),
                                [&](const manifest::Variable& v) { return v.name == name; });
    if (!declared) {
      std::fprintf(stderr, "warning: --variable %s: the application declares no such variable\n",
                   name.c_str());
    }
  }
  services.variables = std::move(*vars);
  if (!f.temp.empty()) {
    std::error_code ec;
    fs::create_directories(f.temp, ec);
    if (ec || !fs::is_directory(f.temp, ec)) {
      std::fprintf(stderr, "error: --temp %s: cannot create a folder there%s%s\n", f.temp.c_str(),
                   ec ? ": " : "", ec ? ec.message().c_str() : "");
      return false;
    }
    app_options.stage_parent = f.temp;
  }
  return true;
}

}  // namespace tern::cmd
