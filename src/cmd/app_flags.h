// The `tern up` flags Spin users type (`--variable`, `--env`, `--component-id`, `--key-value`,
// `--temp`) and `tern serve X.wasm` (one component or WAGI module, no manifest, as
// `wasmtime serve`). Both feed the same path as `tern up`: a manifest model, AppServices,
// AppLoader.
//
//   addAppFlags(up_subcommand, options.app);      // declares the flags on `tern up`
//   auto m = loadAppManifest(options.file, options.app);     // spin.toml, or X.wasm
//   if (!applyAppFlags(options.app, *m, services, app_options)) return 1;
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "host/services.h"
#include "manifest/manifest.h"
#include "trigger/app_loader.h"

namespace tern::cmd {

struct UpOptions;

struct AppFlags {
  // --variable KEY=VALUE | KEY=@FILE (the file's text) | @FILE.json | @FILE.toml (a table of
  // strings); repeatable, a later value wins. Above every other variable provider.
  std::vector<std::string> variables;
  std::vector<std::string> env;            // -e/--env KEY=VALUE, every component's environment
  std::vector<std::string> component_ids;  // -c/--component-id ID: serve only these components
  std::vector<std::string> key_values;     // --key-value KEY=VALUE, set in the "default" store
  std::string temp;                        // --temp DIR: where `files` are staged
  // `tern serve` only: --dir HOST[::GUEST] mounts, and that the source must be a Wasm file.
  std::vector<std::string> dirs;
  bool serve = false;
};

// Declares the flags above (not `--dir`) on `tern up`.
void addAppFlags(CLI::App* up, AppFlags& flags);

// Declares `tern serve WASM [--listen] [--dir] [--env] ...`, bound to `options`.
CLI::App* addServeCommand(CLI::App& app, UpOptions& options);

// The application `tern up -f FILE` or `tern serve FILE` runs: a spin.toml (or its folder), or
// a .wasm/.wat file as a one-component app on `/...` (manifest::wasmManifest; a component runs
// as wasi:http, a core module as WAGI). Errors as manifest::loadManifest, plus kIo/kManifest for
// the Wasm file and the --dir mounts.
Result<manifest::Manifest> loadAppManifest(const std::string& file, const AppFlags& flags);

// Applies --component-id and --env to `m`, and puts --variable, --key-value and --temp into the
// services and loader options. Unknown variable names are warnings. Returns false after printing
// an error (a malformed flag, an unreadable or malformed variable file, an unknown component).
bool applyAppFlags(const AppFlags& flags, manifest::Manifest& m, host::ServicesOptions& services,
                   trigger::AppOptions& app_options);

}  // namespace tern::cmd
