// `tern watch [-f spin.toml|DIR] [--skip-build] [UP_FLAGS...]`, as `spin watch`: builds the app,
// serves it with `tern up -f FILE UP_FLAGS...` in a child process, and polls the files that make
// it: on a change to the manifest or a component's `[component.<id>.build] watch` globs it runs
// `tern build` again and, when that succeeds, restarts the server; a change to a component's
// .wasm alone restarts it. A failed build keeps the old server running. SIGINT/SIGTERM stop both.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace tern::cmd {

struct WatchCommand {
  CLI::App* watch = nullptr;
  std::string file;
  bool skip_build = false;
  unsigned poll_ms = 500;
};

void addWatchCommand(CLI::App& app, WatchCommand& cmd);
std::optional<int> runWatchCommand(const WatchCommand& cmd);

}  // namespace tern::cmd
