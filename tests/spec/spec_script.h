// Executes one wast2json script (the .json plus its .wasm files) against the engine.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>

#include "common/result.h"

namespace tern::spec {

struct ScriptOptions {
  bool verbose = false;       // print every failure and every note
  unsigned max_reported = 5;  // failures printed per script without `verbose`
  std::chrono::nanoseconds deadline = std::chrono::seconds(10);  // per call, incl. start funcs
  unsigned compile_threads = 0;                                  // EngineOptions::compile_threads
};

// What a script has counted so far. Plain data on purpose: the runner places it in memory shared
// with the parent process, which reads it once the child has exited, even after a crash; `line`
// then names the command the crash happened in.
struct Tally {
  uint64_t passed = 0;
  uint64_t failed = 0;
  uint64_t skipped = 0;
  uint64_t notes = 0;  // passes whose trap message does not mention the script's expected text
  uint32_t line = 0;   // .wast line of the command being executed
  bool done = false;   // every command ran
};

// Runs every command of the script at `json_path` in one fresh Engine/Store/Linker, counting each
// command and assertion in `tally` and printing failure reports to stdout. A failing command
// never stops the script. An error means the script could not run at all (unreadable JSON,
// engine or `spectest` creation failed); the caller counts that as a failure.
// Not thread-safe; meant to run in a child process of its own.
Result<void> runScript(const std::filesystem::path& json_path, const ScriptOptions& options,
                       Tally& tally);

}  // namespace tern::spec
