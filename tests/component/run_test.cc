// `tern run` on a wasi:cli/run component (guests/command.c built by tern_component_from_c): the
// guest's stdout/stderr reach the terminal, args/env/pre-opens apply as for core modules, and
// the exit status follows exit-with-code, exit(err)/run returning err (1) and traps (134).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct RunResult {
  int status = -1;  // exit code, or -1 when killed by a signal
  std::string out, err;
};

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `argv` with `input` on stdin; collects stdout and stderr (both drained with poll so that
// neither pipe can fill up).
RunResult runProcess(std::vector<std::string> argv, const std::string& input = "") {
  int in[2], out[2], err[2];
  if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    std::vector<char*> c;
    for (auto& a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    execv(c[0], c.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (!input.empty()) (void)!write(in[1], input.data(), input.size());
  close(in[1]);
  RunResult r;
  struct pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open = 2;
  while (open > 0 && poll(p, 2, -1) > 0) {
    for (int i = 0; i < 2; ++i) {
      if (p[i].fd < 0 || !p[i].revents) continue;
      char buf[4096];
      ssize_t n = read(p[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(p[i].fd);
        p[i].fd = -1;
        --open;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class ComponentRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(COMMAND_COMPONENT).empty()) {
      GTEST_SKIP() << "clang-14, node or jco missing: no command component was built";
    }
    root_ = fs::temp_directory_path() /
            ("tern-component-run-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "data");
    fs::create_directories(root_ / "ro");
    std::ofstream(root_ / "data" / "input.txt") << "line from the host\n";
    std::ofstream(root_ / "ro" / "readme.txt") << "read only\n";
    std::ofstream(root_ / "secret.txt") << "outside\n";
  }
  void TearDown() override {
    if (!root_.empty()) fs::remove_all(root_);
  }
  RunResult tern(std::vector<std::string> options, std::vector<std::string> guest_args,
                 const std::string& input = "") {
    std::vector<std::string> argv = {TERN_BIN, "run", "--cache-dir", CACHE_DIR};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back(COMMAND_COMPONENT);
    argv.insert(argv.end(), guest_args.begin(), guest_args.end());
    return runProcess(argv, input);
  }
  fs::path root_;
};

TEST_F(ComponentRunTest, PrintsReadsEnvAndFilesAndExitsWithCode) {
  RunResult r = tern({"--env", "GREETING=hi there", "--dir", (root_ / "data").string() + "::/data"},
                     {"main", "extra-arg"});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_EQ(r.out,
            "hello from a component\n"
            "argc=3 last=extra-arg\n"
            "GREETING=hi there\n"
            "input: line from the host\n");
  EXPECT_EQ(r.err, "a line on stderr\n");
  EXPECT_EQ(readFile(root_ / "data" / "out.txt"), "written by the guest\n");
}

TEST_F(ComponentRunTest, NothingIsInheritedImplicitly) {
  RunResult r = tern({}, {"main"});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.out.find("GREETING=(unset)\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("input:"), std::string::npos) << r.out;
}

TEST_F(ComponentRunTest, RunReturningErrExitsOne) {
  RunResult r = tern({}, {"fail"});
  EXPECT_EQ(r.status, 1) << r.err;
}

TEST_F(ComponentRunTest, TrapExits134WithAMessage) {
  RunResult r = tern({}, {"trap"});
  EXPECT_EQ(r.status, 134);
  EXPECT_NE(r.err.find("error:"), std::string::npos) << r.err;
}

TEST_F(ComponentRunTest, DeadlineStopsASleepingGuest) {
  auto t0 = std::chrono::steady_clock::now();
  RunResult r = tern({"--deadline-ms", "300"}, {"sleep"});
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.status, 134) << r.out << r.err;
  EXPECT_NE(r.err.find("deadline"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("woke up"), std::string::npos);
  EXPECT_LT(took, std::chrono::seconds(20));
}

TEST_F(ComponentRunTest, SandboxAndReadOnlyPreopen) {
  RunResult r = tern({"--dir", (root_ / "data").string() + "::/data", "--dir",
                      (root_ / "ro").string() + "::/ro:ro"},
                     {"sandbox"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "/data/../secret.txt: EPERM\n"
            "/ro/new.txt: EPERM\n"
            "/ro/readme.txt: opened\n");
  EXPECT_FALSE(fs::exists(root_ / "ro" / "new.txt"));
}

TEST_F(ComponentRunTest, StdinIsInherited) {
  RunResult r = tern({}, {"echo"}, "piped input\n");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "piped input\n");
}

TEST_F(ComponentRunTest, MissingPreopenIsALoadError) {
  RunResult r = tern({"--dir", (root_ / "nope").string() + "::/nope"}, {"main"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
}

}  // namespace
