// The Spin application manifest (spin.toml, `spin_manifest_version = 2`) as typed data.
//
//   auto m = manifest::loadManifest("spin.toml");      // every problem reported at once
//   if (!m) { fputs(m.error().message.c_str(), stderr); return 1; }
//   for (const auto& t : m->http_triggers) ... m->component(t.component) ...
//
// Parsing is strict, as in Spin: unknown keys, wrong types, dangling component references, bad
// routes and missing local files are errors. All of them are collected; the error message holds
// one "FILE:LINE:COLUMN: message" line per problem. Paths are resolved against the manifest's
// folder. Sections later issues will act on (`variables`, `key_value_stores`, `sqlite_databases`,
// `allowed_outbound_hosts`, ...) are parsed, validated and kept.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "manifest/route_pattern.h"

namespace tern::manifest {

// 1-based position in the manifest; 0 when unknown.
struct SourcePos {
  uint32_t line = 0;
  uint32_t column = 0;
};

// `[variables] name = { default = "...", required = true, secret = true }`
struct Variable {
  std::string name;
  std::optional<std::string> default_value;
  bool required = false;
  bool secret = false;
  SourcePos pos;
};

// One entry of a component's `files`: a glob pattern ("static/**") mounted at the same relative
// path under "/", or a `{ source = "dir", destination = "/path" }` placement.
struct FilesMount {
  enum class Kind : uint8_t { kPattern, kPlacement };
  Kind kind = Kind::kPattern;
  std::string pattern;      // kPattern: relative to the manifest folder
  std::string source;       // kPlacement: absolute host path (a file or directory)
  std::string destination;  // kPlacement: absolute guest path
  SourcePos pos;
};

// `[component.<id>.build]`
struct BuildConfig {
  std::vector<std::string> commands;  // `command`, one string or an array
  std::string workdir;                // absolute; the manifest folder when not given
  std::vector<std::string> watch;
};

// `[component.<id>.tern]`: tern's own per-component limits (Spin has no keys for them). An absent
// key falls back to the matching `tern up` flag.
//   request_timeout = "500ms"       wall deadline per request ("0": none)
//   max_instance_memory = "64MiB"   linear memory cap per instance (string with unit, or bytes)
//   max_output = "1MiB"             captured stdout (the whole WAGI response); more gives 500
//   max_request_body = "1MiB"       request body; more gives 413
//   max_concurrent = 8              instances at once; more wait in the node's bounded queue, then
//   503
struct ComponentLimits {
  std::optional<std::chrono::milliseconds> request_timeout;  // 0: none
  std::optional<uint64_t> max_instance_memory;               // bytes, > 0
  std::optional<uint64_t> max_output;                        // bytes, > 0
  std::optional<uint64_t> max_request_body;                  // bytes
  std::optional<uint32_t> max_concurrent;                    // > 0
  SourcePos pos;
};

struct Component {
  std::string id;      // kebab-case
  std::string source;  // absolute path of the local .wasm file
  SourcePos source_pos;
  std::string description;
  std::vector<std::pair<std::string, std::string>> variables;    // name -> template
  std::vector<std::pair<std::string, std::string>> environment;  // KEY -> value, in order
  std::vector<FilesMount> files;
  std::vector<std::string> exclude_files;  // glob patterns relative to the manifest folder
  std::vector<std::string> allowed_outbound_hosts;
  std::vector<std::string> key_value_stores;
  std::vector<std::string> sqlite_databases;
  std::vector<std::string> ai_models;
  std::optional<BuildConfig> build;
  ComponentLimits limits;  // [component.<id>.tern]
  SourcePos pos;
};

enum class ExecutorKind : uint8_t {
  kHttp,  // wasi:http / Spin inbound-http components (the default)
  kWagi,  // CGI over WASI preview 1
};

struct Executor {
  ExecutorKind kind = ExecutorKind::kHttp;
  std::string argv = "${SCRIPT_NAME} ${ARGS}";  // kWagi: template, space separated
  std::string entrypoint = "_start";            // kWagi: deprecated in Spin, kept
};

// `static_response = { status_code = 200, headers = { ... }, body = "..." }`
struct StaticResponse {
  uint16_t status_code = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// One `[[trigger.http]]` entry.
struct HttpTrigger {
  std::string id;
  RoutePattern route;     // private routes are kept but never routed
  std::string component;  // component id (inline components get a generated one); empty with a
                          // static response
  Executor executor;
  std::optional<StaticResponse> static_response;
  SourcePos pos;
};

struct Application {
  std::string name;
  std::string version;
  std::string description;
  std::vector<std::string> authors;
  std::string http_base = "/";  // [application.trigger.http] base
};

struct Manifest {
  std::string path;  // as given
  std::string dir;   // absolute folder of the manifest
  Application application;
  std::vector<Variable> variables;
  std::vector<HttpTrigger> http_triggers;
  std::vector<Component> components;  // manifest order, inline components after named ones

  const Component* component(std::string_view id) const;
};

struct LoadOptions {
  // Check that local files (component sources, `files` placements) exist. Off for `tern build`,
  // which runs before the .wasm files exist.
  bool check_files = true;
};

// Reads and parses `path`. Errors: kIo when the file cannot be read; kManifest with one
// "PATH:LINE:COL: message" line per problem found.
Result<Manifest> loadManifest(const std::string& path, const LoadOptions& options = {});

// Parses manifest text; `path` names it in messages and its folder anchors relative paths.
Result<Manifest> parseManifest(std::string_view text, const std::string& path,
                               const LoadOptions& options = {});

// `-f` resolution as in `spin up`: a folder means FOLDER/spin.toml; empty means ./spin.toml.
std::string resolveManifestPath(const std::string& file_or_dir);

}  // namespace tern::manifest
