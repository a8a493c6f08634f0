// Start-up: wall time from exec to exit of `tern run hello.wasm` (warm artifact cache) against the
// same program built natively, alternating, medians over N runs in one process.
// Usage: startup_bench TERN HELLO.wasm HELLO_NATIVE [runs]
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench_util.h"

extern char** environ;

namespace {

// Runs argv with stdout/stderr to /dev/null; returns milliseconds, or -1 on failure.
double timeRun(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  auto t1 = std::chrono::steady_clock::now();
  posix_spawn_file_actions_destroy(&actions);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: startup_bench TERN HELLO.wasm HELLO_NATIVE [runs]\n");
    return 2;
  }
  int runs = argc > 4 ? std::atoi(argv[4]) : 50;
  auto cache = std::filesystem::temp_directory_path() / ("tern-startup-" + std::to_string(getpid()));
  std::vector<std::string> tern = {argv[1], "run", "--cache-dir", cache.string(), argv[2]};
  std::vector<std::string> native = {argv[3]};
  if (timeRun(tern) < 0) {  // warms the artifact cache
    std::fprintf(stderr, "tern run failed\n");
    return 1;
  }
  std::vector<double> t, n;
  for (int i = 0; i < runs; ++i) {
    n.push_back(timeRun(native));
    t.push_back(timeRun(tern));
  }
  double mt = tern::bench::median(t), mn = tern::bench::median(n);
  std::printf("native hello:           median %.2f ms\n", mn);
  std::printf("tern run hello.wasm:    median %.2f ms (warm cache)\n", mt);
  std::printf("difference: %.2f ms (target <= 2 ms), %d runs each\n", mt - mn, runs);
  std::filesystem::remove_all(cache);
  return 0;
}
