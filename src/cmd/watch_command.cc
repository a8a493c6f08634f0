// Polling, rebuilding and restarting for `tern watch`.
#include "cmd/watch_command.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <thread>
#include <vector>

#include "common/glob.h"
#include "manifest/manifest.h"

namespace tern::cmd {
namespace {

namespace fs = std::filesystem;

volatile sig_atomic_t g_stop = 0;
void onStop(int) { g_stop = 1; }

// path -> last write time, for every file the app is made of.
using Snapshot = std::map<std::string, fs::file_time_type>;

struct WatchSet {
  Snapshot build_inputs;  // the manifest and the build `watch` globs
  Snapshot outputs;       // the components' .wasm files
};

bool skippedDir(const fs::path& p) {
  std::string n = p.filename().string();
  return n == ".git" || n == "node_modules" || n == "target" || n == ".spin";
}

void addGlob(const std::string& root, const std::string& pattern, Snapshot& out) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_directory(ec) && skippedDir(it->path())) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    std::string rel = fs::relative(it->path(), root, ec).generic_string();
    if (globMatch(pattern, rel)) out[it->path().string()] = it->last_write_time(ec);
  }
}

WatchSet scan(const std::string& manifest_path) {
  WatchSet w;
  std::error_code ec;
  w.build_inputs[manifest_path] = fs::last_write_time(manifest_path, ec);
  manifest::LoadOptions lo;
  lo.check_files = false;
  auto m = manifest::loadManifest(manifest_path, lo);
  if (!m) return w;  // a broken manifest: only the manifest itself is watched
  for (const auto& c : m->components) {
    w.outputs[c.source] = fs::last_write_time(c.source, ec);
    if (!c.build) continue;
    for (const auto& pattern : c.build->watch) addGlob(c.build->workdir, pattern, w.build_inputs);
  }
  return w;
}

pid_t spawn(const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv("/proc/self/exe", argv.data());
  std::perror("tern watch: exec");
  ::_exit(127);
}

int waitFor(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void stopServer(pid_t& pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 150; ++i) {  // up to 15 s for in-flight requests, then SIGKILL
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid, SIGKILL);
  waitFor(pid);
  pid = -1;
}

bool build(const WatchCommand& cmd, const std::string& path) {
  if (cmd.skip_build) return true;
  int rc = waitFor(spawn({"tern", "build", "-f", path}));
  if (rc != 0) std::fprintf(stderr, "tern watch: build failed; keeping the running app\n");
  return rc == 0;
}

// Sleeps one poll period in small steps, so a stop signal is seen promptly.
void pause(unsigned ms) {
  for (unsigned t = 0; t < ms && !g_stop; t += 50) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

void addWatchCommand(CLI::App& app, WatchCommand& cmd) {
  cmd.watch = app.add_subcommand(
      "watch", "build and serve an app, rebuilding and restarting it when its files change");
  cmd.watch->add_option("-f,--from", cmd.file, "spin.toml, or the folder holding it");
  cmd.watch->add_flag("--skip-build", cmd.skip_build, "only restart; never run build commands");
  cmd.watch->add_option("--poll-ms", cmd.poll_ms, "how often files are checked (default 500)");
  cmd.watch->allow_extras();
  cmd.watch->footer("Other flags (--listen, --variable, ...) are passed to `tern up`.");
}

std::optional<int> runWatchCommand(const WatchCommand& cmd) {
  if (!cmd.watch || !cmd.watch->parsed()) return std::nullopt;
  std::string path = manifest::resolveManifestPath(cmd.file);
  std::vector<std::string> up = {"tern", "up", "-f", path};
  for (const auto& extra : cmd.watch->remaining()) up.push_back(extra);
  struct sigaction sa {};
  sa.sa_handler = onStop;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  WatchSet seen = scan(path);
  pid_t server = build(cmd, path) ? spawn(up) : -1;
  seen = scan(path);
  while (!g_stop) {
    pause(cmd.poll_ms);
    if (g_stop) break;
    WatchSet now = scan(path);
    bool rebuild = now.build_inputs != seen.build_inputs;
    bool restart = rebuild || now.outputs != seen.outputs;
    if (server > 0 && ::waitpid(server, nullptr, WNOHANG) == server) server = -1;
    if (!restart) continue;
    pause(200);  // let an editor or a build finish writing
    if (rebuild) std::printf("tern watch: sources changed; rebuilding\n");
    std::fflush(stdout);
    if (rebuild && !build(cmd, path)) {
      seen = scan(path);
      continue;
    }
    std::printf("tern watch: restarting the app\n");
    std::fflush(stdout);
    stopServer(server);
    server = spawn(up);
    seen = scan(path);
  }
  stopServer(server);
  return 0;
}

}  // namespace tern::cmd
