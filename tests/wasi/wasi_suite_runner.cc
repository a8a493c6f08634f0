// Runs the official wasi-testsuite (prebuilt preview 1 binaries + .json specs) against `tern run`.
//
//   wasi_suite_runner --tern build/tern --suite ../shared/testsuites/wasi --work build/wasi-work
//
// For every suite directory (one holding a manifest.json) each NAME.wasm is a test; NAME.json, if
// present, gives args, env, root, exit_code, stdout and stderr (see the suite's README). A `root`
// folder is copied to a fresh work directory first (the suite is read-only in CI and tests mutate
// their root) and pre-opened as "/". The real tern binary runs each test with stdin from
// /dev/null and stdout/stderr captured; a test passes when the exit status matches and both
// streams begin with the expected text. The last line is `wasi: N passed, N failed, N skipped`.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Options {
  std::string tern;
  fs::path suite;
  fs::path work;
  int timeout_s = 120;
  std::string filter;
  bool verbose = false;
  // --component JCO: each test module is first made a wasi:cli/run component with
  // `JCO new --wasi-command` and run as a component. The preview 1 adapter turns proc_exit(n)
  // for every n != 0 into exit(err), so a nonzero expected exit code then means 1.
  std::string component_jco;
};

struct Spec {
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::optional<std::string> root;
  int exit_code = 0;
  std::optional<std::string> stdout_text;
  std::optional<std::string> stderr_text;
  std::string skip_reason;  // non-empty: a spec form this runner does not drive
};

struct RunResult {
  int exit_code = -1;
  int signal = 0;
  bool timed_out = false;
  std::string out;
  std::string err;
};

Spec loadSpec(const fs::path& json_path) {
  Spec spec;
  if (!fs::exists(json_path)) return spec;  // every key has a default
  std::ifstream in(json_path);
  json j = json::parse(in);
  if (j.contains("operations")) spec.skip_reason = "operation-based spec (preview 3 form)";
  if (j.contains("dirs")) spec.skip_reason = "legacy `dirs` spec form";
  if (j.contains("args")) spec.args = j["args"].get<std::vector<std::string>>();
  if (j.contains("env")) {
    for (auto& [k, v] : j["env"].items()) spec.env.emplace_back(k, v.get<std::string>());
  }
  if (j.contains("root") && !j["root"].is_null()) spec.root = j["root"].get<std::string>();
  if (j.contains("exit_code")) spec.exit_code = j["exit_code"].get<int>();
  if (j.contains("stdout")) spec.stdout_text = j["stdout"].get<std::string>();
  if (j.contains("stderr")) spec.stderr_text = j["stderr"].get<std::string>();
  return spec;
}

// Runs argv with stdin from /dev/null and both outputs captured; SIGKILL after the timeout.
RunResult runProcess(const std::vector<std::string>& argv, int timeout_s) {
  RunResult r;
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    r.err = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  pid_t pid = fork();
  if (pid == 0) {
    int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    execv(cargv[0], cargv.data());
    std::fprintf(stderr, "exec %s: %s\n", cargv[0], std::strerror(errno));
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_count = 2;
  while (open_count > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<size_t>(got));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

// Copies a test's root folder (symlinks kept as links). The suite's files are read-only; the
// copy is made owner-writable, as a writable checkout would be, because tests create, truncate
// and delete in it (root ignores modes, other users would not).
void copyTree(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const auto& e : fs::recursive_directory_iterator(from)) {
    fs::path dst = to / fs::relative(e.path(), from);
    if (e.is_symlink()) {
      fs::copy_symlink(e.path(), dst);
    } else if (e.is_directory()) {
      fs::create_directory(dst);
    } else if (e.is_regular_file()) {
      fs::copy_file(e.path(), dst);
      fs::permissions(dst, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::add);
    }
  }
}

std::string tail(const std::string& text, size_t n) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

// Returns "" on pass, else why it failed.
std::string check(const Spec& spec, const RunResult& r) {
  if (r.timed_out) return "timed out";
  if (r.signal) return "tern killed by signal " + std::to_string(r.signal);
  if (r.exit_code != spec.exit_code) {
    return "exit code " + std::to_string(r.exit_code) + ", expected " +
           std::to_string(spec.exit_code);
  }
  if (spec.stdout_text && !r.out.starts_with(*spec.stdout_text)) {
    return "stdout does not begin with the expected text";
  }
  if (spec.stderr_text && !r.err.starts_with(*spec.stderr_text)) {
    return "stderr does not begin with the expected text";
  }
  return "";
}

std::vector<fs::path> suiteDirs(const fs::path& root) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && e.path().filename() == "manifest.json") {
      out.push_back(e.path().parent_path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

int parseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--tern")
      o.tern = value();
    else if (a == "--suite")
      o.suite = value();
    else if (a == "--work")
      o.work = value();
    else if (a == "--timeout-s")
      o.timeout_s = std::stoi(value());
    else if (a == "--filter")
      o.filter = value();
    else if (a == "--component")
      o.component_jco = value();
    else if (a == "-v")
      o.verbose = true;
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (o.tern.empty() || o.suite.empty() || o.work.empty()) {
    std::fprintf(stderr,
                 "usage: wasi_suite_runner --tern PATH --suite DIR --work DIR [--timeout-s N] "
                 "[--filter SUBSTR] [--component JCO] [-v]\n");
    return 2;
  }
  return 0;
}

enum class Outcome { kPass, kFail, kSkip };

// Runs one test case and prints its PASS/FAIL/SKIP line.
Outcome runCase(const Options& o, const fs::path& dir, const std::string& suite_key,
                const fs::path& wasm) {
  std::string name = wasm.stem().string();
  Spec spec = loadSpec(dir / (name + ".json"));
  if (!spec.skip_reason.empty()) {
    std::printf("SKIP %s: %s\n", name.c_str(), spec.skip_reason.c_str());
    return Outcome::kSkip;
  }
  std::vector<std::string> cmd = {o.tern, "run", "--cache-dir", (o.work / "cache").string()};
  if (spec.root) {
    fs::path copy = o.work / suite_key / name / "root";
    try {
      copyTree(dir / *spec.root, copy);
    } catch (const fs::filesystem_error& e) {
      std::printf("FAIL %s: cannot prepare root: %s\n", name.c_str(), e.what());
      return Outcome::kFail;
    }
    cmd.push_back("--dir");
    cmd.push_back(copy.string() + "::/");
  }
  for (const auto& [k, v] : spec.env) {
    cmd.push_back("--env");
    cmd.push_back(k + "=" + v);
  }
  fs::path guest = wasm;
  // Programs that jco's own preview 1 adapter mishandles: they fail the same way under
  // `jco run` (the reference host), so they say nothing about Tern's WASI 0.2 host.
  static const std::set<std::string> kAdapterFails = {
      "assemblyscript_testsuite_wasm32-wasip1/args_get-multiple-arguments",  // adapter assert
      "assemblyscript_testsuite_wasm32-wasip1/environ_get-multiple-variables",  // adapter assert
      "assemblyscript_testsuite_wasm32-wasip1/fd_write-to-invalid-fd",  // errno differs
  };
  if (!o.component_jco.empty() && kAdapterFails.contains(suite_key + "/" + name)) {
    std::printf("SKIP %s: the preview 1 adapter fails it under jco run too\n", name.c_str());
    return Outcome::kSkip;
  }
  if (!o.component_jco.empty()) {
    guest = o.work / suite_key / (name + ".component.wasm");
    fs::create_directories(guest.parent_path());
    RunResult made = runProcess({o.component_jco, "new", wasm.string(), "--wasi-command", "-o",
                                 guest.string()}, o.timeout_s);
    if (made.exit_code != 0) {
      std::printf("FAIL %s: jco new failed: %s\n", name.c_str(), tail(made.err, 400).c_str());
      return Outcome::kFail;
    }
    if (spec.exit_code != 0) spec.exit_code = 1;
  }
  cmd.push_back(guest.string());
  cmd.insert(cmd.end(), spec.args.begin(), spec.args.end());
  auto start = std::chrono::steady_clock::now();
  RunResult r = runProcess(cmd, o.timeout_s);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string why = check(spec, r);
  if (why.empty()) {
    std::printf("PASS %s (%.2fs)\n", name.c_str(), secs);
  } else {
    std::printf("FAIL %s: %s\n", name.c_str(), why.c_str());
    std::printf("  stdout: %s\n  stderr: %s\n", tail(r.out, 400).c_str(),
                tail(r.err, 1200).c_str());
  }
  if (o.verbose) std::printf("  stdout: %s\n  stderr: %s\n", r.out.c_str(), r.err.c_str());
  std::fflush(stdout);
  return why.empty() ? Outcome::kPass : Outcome::kFail;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (int rc = parseArgs(argc, argv, o)) return rc;
  std::error_code ec;
  fs::remove_all(o.work, ec);
  fs::create_directories(o.work);
  int counts[3] = {0, 0, 0};  // indexed by Outcome
  for (const fs::path& dir : suiteDirs(o.suite)) {
    std::ifstream manifest(dir / "manifest.json");
    std::string suite_name = json::parse(manifest).value("name", dir.string());
    std::printf("== %s\n", suite_name.c_str());
    std::vector<fs::path> wasms;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".wasm") wasms.push_back(e.path());
    }
    std::sort(wasms.begin(), wasms.end());
    std::string suite_key = fs::relative(dir, o.suite).string();
    std::replace(suite_key.begin(), suite_key.end(), '/', '_');
    for (const fs::path& wasm : wasms) {
      std::string full = suite_key + "/" + wasm.stem().string();
      if (!o.filter.empty() && full.find(o.filter) == std::string::npos) continue;
      ++counts[static_cast<int>(runCase(o, dir, suite_key, wasm))];
    }
  }
  std::printf("wasi: %d passed, %d failed, %d skipped\n", counts[0], counts[1], counts[2]);
  return counts[1] == 0 ? 0 : 1;
}
