// `tern up` (serve a Spin app over HTTP) and `tern build` (run its components' build commands).
//
// The limit flags of `tern up` are node defaults; a component's `[component.<id>.tern]` table
// overrides them (see manifest/manifest.h, ComponentLimits). Durations and sizes are parsed by
// manifest/units.h. Observability: `--admin-listen` serves Prometheus metrics, the OTEL_* environment
// turns on OTLP trace export (observe/observability.h), `--log-format json` structures server logs.
//
//   UpCommands cmds;                 // must outlive app.parse(): CLI11 binds to its fields
//   addUpCommands(app, cmds);
//   app.parse(argc, argv);
//   if (auto rc = runUpCommands(cmds)) return *rc;
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cmd/app_flags.h"

namespace tern::cmd {

struct UpOptions {
  std::string file;  // -f: spin.toml or its folder; default ./spin.toml; or a registry reference
  std::string from_registry;             // --from-registry REF
  std::vector<std::string> verify_keys;  // --verify-key: registry apps must be signed by one
  std::string policy;                    // --policy: trust policy file for registry apps
  bool insecure = false;                 // plain-HTTP registry
  std::string listen = "127.0.0.1:3000";
  std::string max_instance_memory;      // "64MB", "1GiB", bytes; empty: no cap beyond Wasm's
  std::string request_timeout = "30s";  // "500ms", "30s", "2m"; "0": none
  std::string max_output = "64MiB";     // captured stdout (the WAGI response) per request
  std::string max_request_body = "64MiB";
  unsigned max_concurrent = 0;                // instances at once on the node; 0: no cap
  unsigned max_concurrent_per_component = 0;  // default for components; 0: no cap
  unsigned queue_length = 128;                // waiters per admission gate
  std::string queue_timeout = "1s";           // longest wait for a slot before 503
  unsigned threads = 0;                 // 0: one per core
  std::string log_dir;
  std::string log_format = "text";  // server log lines: text | json
  std::string admin_listen;         // HOST:PORT serving GET /metrics; empty: no admin listener
  bool build = false;
  std::string cache_dir;
  bool no_cache = false;
  bool optimize = false;
  // Host services (src/host): Spin's runtime-config.toml, `--sqlite "SQL"` / `--sqlite @file.sql`
  // run on the default database at start, and the state folder (default: .spin/ beside spin.toml).
  std::string runtime_config_file;
  std::vector<std::string> sqlite;
  std::string state_dir;
  AppFlags app;  // --variable, --env, --component-id, --key-value, --temp (cmd/app_flags.h)
};

struct UpCommands {
  CLI::App* up = nullptr;
  CLI::App* build = nullptr;
  CLI::App* serve = nullptr;  // `tern serve X.wasm` (cmd/app_flags.h)
  UpOptions up_options;
  UpOptions serve_options;
  std::string build_file;
};

void addUpCommands(CLI::App& app, UpCommands& cmds);

// Runs `up`, `serve` or `build` when one of them was parsed and returns the exit code; nullopt
// otherwise.
std::optional<int> runUpCommands(const UpCommands& cmds);

}  // namespace tern::cmd
