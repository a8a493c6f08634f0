// Process plumbing for the spec runner: run a tool with stderr captured, run a script in a child.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "spec_script.h"

namespace tern::spec {

struct ToolResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that killed it, or 0
  std::string stderr_text;
};

// Runs argv[0] (looked up in PATH when it has no slash) with stdout discarded and stderr
// captured. An error means the process could not be started; a failing tool is a ToolResult.
Result<ToolResult> runTool(const std::vector<std::string>& argv);

// A forked child that runs one script. Its Tally lives in shared memory, so the parent still sees
// the counts and the current line when the child dies of a signal. Move-only; the destructor
// kills (SIGKILL) and reaps a child still running, then unmaps the tally.
class ScriptChild {
 public:
  // Flushes stdio, forks, points the child's stdout and stderr at `log`, runs `body` there and
  // exits the child with _exit(0). `body` must flush what it prints if that is to survive a crash
  // (stdout stays fully buffered in the child). Errors: fork or mmap failed (kResourceExhausted).
  static Result<ScriptChild> start(const std::function<void(Tally&)>& body,
                                   const std::filesystem::path& log);

  ScriptChild(ScriptChild&& other) noexcept;
  ScriptChild& operator=(ScriptChild&& other) noexcept;
  ScriptChild(const ScriptChild&) = delete;
  ScriptChild& operator=(const ScriptChild&) = delete;
  ~ScriptChild();

  // Non-blocking: true once the child has exited (then exitCode()/signal() are meaningful).
  bool poll();
  // SIGKILLs the child and waits for it.
  void kill();

  const Tally& tally() const { return *tally_; }
  int exitCode() const { return exit_code_; }
  int signal() const { return signal_; }

 private:
  ScriptChild() = default;
  void release();

  pid_t pid_ = -1;
  Tally* tally_ = nullptr;
  int exit_code_ = -1;
  int signal_ = 0;
  bool exited_ = false;
};

}  // namespace tern::spec
