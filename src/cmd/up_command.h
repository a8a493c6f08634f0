// `tern up` (serve a Spin app over HTTP) and `tern build` (run its components' build commands).
//
//   UpCommands cmds;                 // must outlive app.parse(): CLI11 binds to its fields
//   addUpCommands(app, cmds);
//   app.parse(argc, argv);
//   if (auto rc = runUpCommands(cmds)) return *rc;
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace tern::cmd {

struct UpOptions {
  std::string file;  // -f: spin.toml or its folder; default ./spin.toml
  std::string listen = "127.0.0.1:3000";
  std::string max_instance_memory;      // "64MB", "1GiB", bytes; empty: no cap beyond Wasm's
  std::string request_timeout = "30s";  // "500ms", "30s", "2m"; "0": none
  unsigned threads = 0;                 // 0: one per core
  std::string log_dir;
  bool build = false;
  std::string cache_dir;
  bool no_cache = false;
  bool optimize = false;
};

struct UpCommands {
  CLI::App* up = nullptr;
  CLI::App* build = nullptr;
  UpOptions up_options;
  std::string build_file;
};

void addUpCommands(CLI::App& app, UpCommands& cmds);

// Runs `up` or `build` when one of them was parsed and returns the exit code; nullopt otherwise.
std::optional<int> runUpCommands(const UpCommands& cmds);

// "500ms", "30s", "2m", "1h" (a bare number is seconds). nullopt when malformed.
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text);
// "65536", "64KB"/"64MB"/"1GB" (powers of 1000), "64KiB"/"64MiB"/"1GiB" (powers of 1024).
std::optional<uint64_t> parseSize(std::string_view text);

}  // namespace tern::cmd
