// Sandbox tests: a C guest (guests/sandbox_probe.c, built with clang-14 for wasm32-wasi) tries to
// leave its pre-opened directories through `tern run`; every attempt must fail with the WASI errno
// wasmtime gives (EPERM for escapes and for writes to a read-only pre-open) and leave the host
// file system outside the sandbox untouched.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every entry under `root` (symlinks not followed) with its contents or link target.
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const auto& e = *it;
    std::string key = fs::relative(e.path(), root).string();
    if (e.is_symlink()) {
      out[key] = "-> " + fs::read_symlink(e.path()).string();
    } else if (e.is_regular_file()) {
      out[key] = readFile(e.path());
    } else {
      out[key] = "<dir>";
    }
  }
  return out;
}

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(PROBE_WASM).empty()) GTEST_SKIP() << "clang-14 for wasm32-wasi not found";
    root_ = fs::temp_directory_path() /
            ("tern-wasi-sandbox-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "outside" / "inner");
    fs::create_directories(root_ / "sandbox" / "sub");
    fs::create_directories(root_ / "ro" / "docs");
    std::ofstream(root_ / "outside" / "secret.txt") << "TOP SECRET\n";
    std::ofstream(root_ / "sandbox" / "hello.txt") << "hello\n";
    std::ofstream(root_ / "ro" / "existing.txt") << "read only\n";
    fs::create_symlink("../outside/secret.txt", root_ / "sandbox" / "escape_link");
    fs::create_symlink("/etc/passwd", root_ / "sandbox" / "abs_link");
    fs::create_symlink("../outside", root_ / "sandbox" / "dir_link");
    fs::create_symlink("../outside/new.txt", root_ / "sandbox" / "dangling_escape");
    outside_before_ = snapshot(root_ / "outside");
    ro_before_ = snapshot(root_ / "ro");
  }

  void TearDown() override {
    if (root_.empty()) return;
    // Nothing the guest did may show outside the sandbox or inside the read-only pre-open.
    EXPECT_EQ(snapshot(root_ / "outside"), outside_before_);
    EXPECT_EQ(snapshot(root_ / "ro"), ro_before_);
    fs::remove_all(root_);
  }

  // Runs the probe with one command; returns its stdout (first line) after checking it exited 0.
  std::string probe(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {TERN_BIN,      "run",
                                     "--cache-dir", CACHE_DIR,
                                     "--dir",       (root_ / "sandbox").string() + "::/sandbox",
                                     "--dir",       (root_ / "ro").string() + "::/ro:ro",
                                     PROBE_WASM};
    argv.insert(argv.end(), args.begin(), args.end());
    int out[2];
    if (pipe(out) != 0) return "pipe failed";
    pid_t pid = fork();
    if (pid == 0) {
      dup2(out[1], 1);
      close(out[0]);
      std::vector<char*> c;
      for (auto& a : argv) c.push_back(a.data());
      c.push_back(nullptr);
      execv(c[0], c.data());
      _exit(127);
    }
    close(out[1]);
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    close(out[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "probe exited " << status;
    if (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }

  fs::path root_;
  std::map<std::string, std::string> outside_before_;
  std::map<std::string, std::string> ro_before_;
};

TEST_F(SandboxTest, PositiveControl) {
  EXPECT_EQ(probe({"read", "/sandbox/hello.txt"}), "ok hello");
  EXPECT_EQ(probe({"read", "/ro/existing.txt"}), "ok read only");
  EXPECT_EQ(probe({"write", "/sandbox/new.txt"}), "ok");
  EXPECT_EQ(readFile(root_ / "sandbox" / "new.txt"), "pwned\n");
  // Links that stay inside are fine.
  EXPECT_EQ(probe({"symlink", "hello.txt", "/sandbox/inner_link"}), "ok");
  EXPECT_EQ(probe({"read", "/sandbox/inner_link"}), "ok hello");
}

TEST_F(SandboxTest, DotDotCannotLeaveThePreopen) {
  // The host sees the raw path (wasi_snapshot_preview1.path_open on the pre-open fd).
  EXPECT_EQ(probe({"raw-read", "/sandbox", "../../etc/passwd"}), "wasi-errno EPERM");
  EXPECT_EQ(probe({"raw-read", "/sandbox", "../outside/secret.txt"}), "wasi-errno EPERM");
  EXPECT_EQ(probe({"raw-read", "/sandbox", "sub/../../outside/secret.txt"}), "wasi-errno EPERM");
  EXPECT_EQ(probe({"raw-create", "/sandbox", "sub/../../outside/new.txt"}), "wasi-errno EPERM");
  // Through wasi-libc: it maps "/sandbox/..." onto the pre-open and passes "../..." to the host.
  EXPECT_EQ(probe({"read", "/sandbox/../outside/secret.txt"}), "errno EPERM");
  EXPECT_EQ(probe({"read", "/sandbox/sub/../../outside/secret.txt"}), "errno EPERM");
  // A relative path from cwd "/" names no pre-open at all: wasi-libc refuses before any call.
  EXPECT_EQ(probe({"read", "../../etc/passwd"}), "errno ENOTCAPABLE");
}

TEST_F(SandboxTest, AbsolutePathsAreRefused) {
  EXPECT_EQ(probe({"raw-read", "/sandbox", "/etc/passwd"}), "wasi-errno EPERM");
  EXPECT_EQ(probe({"raw-stat", "/sandbox", "/etc/passwd"}), "wasi-errno EPERM");
  EXPECT_EQ(probe({"raw-create", "/sandbox", "/tmp/tern-wasi-escape"}), "wasi-errno EPERM");
  EXPECT_FALSE(fs::exists("/tmp/tern-wasi-escape"));
  EXPECT_EQ(probe({"read", "/etc/passwd"}), "errno ENOTCAPABLE");
}

TEST_F(SandboxTest, SymlinksCannotPointOut) {
  EXPECT_EQ(probe({"raw-read", "/sandbox", "escape_link"}), "wasi-errno EPERM");
  EXPECT_EQ(probe({"raw-read", "/sandbox", "abs_link"}), "wasi-errno EPERM");
  EXPECT_EQ(probe({"raw-read", "/sandbox", "dir_link/secret.txt"}), "wasi-errno EPERM");
  EXPECT_EQ(probe({"raw-stat", "/sandbox", "escape_link"}), "wasi-errno EPERM");
  EXPECT_EQ(probe({"raw-read-nofollow", "/sandbox", "escape_link"}), "wasi-errno ELOOP");
  // Creating through a dangling link that points outside must not create the target.
  EXPECT_EQ(probe({"raw-create", "/sandbox", "dangling_escape"}), "wasi-errno EPERM");
  EXPECT_EQ(probe({"read", "/sandbox/escape_link"}), "errno EPERM");
  EXPECT_EQ(probe({"read", "/sandbox/dir_link/secret.txt"}), "errno EPERM");
  EXPECT_EQ(probe({"ls", "/sandbox/dir_link"}), "errno EPERM");
  EXPECT_EQ(probe({"write", "/sandbox/dir_link/new.txt"}), "errno EPERM");
  // A link the guest makes itself is no better.
  EXPECT_EQ(probe({"symlink", "../outside/secret.txt", "/sandbox/mine"}), "ok");
  EXPECT_EQ(probe({"read", "/sandbox/mine"}), "errno EPERM");
  // Absolute link targets are refused at creation.
  EXPECT_EQ(probe({"raw-symlink", "/sandbox", "/etc/passwd", "abs2"}), "wasi-errno EPERM");
  EXPECT_FALSE(fs::exists(fs::symlink_status(root_ / "sandbox" / "abs2")));
}

TEST_F(SandboxTest, ReadOnlyPreopenRefusesWrites) {
  EXPECT_EQ(probe({"write", "/ro/new.txt"}), "errno EPERM");
  EXPECT_EQ(probe({"write", "/ro/existing.txt"}), "errno EPERM");
  EXPECT_EQ(probe({"append", "/ro/existing.txt"}), "errno EPERM");
  EXPECT_EQ(probe({"write", "/ro/docs/new.txt"}), "errno EPERM");
  EXPECT_EQ(probe({"mkdir", "/ro/newdir"}), "errno EPERM");
  EXPECT_EQ(probe({"rmdir", "/ro/docs"}), "errno EPERM");
  EXPECT_EQ(probe({"unlink", "/ro/existing.txt"}), "errno EPERM");
  EXPECT_EQ(probe({"rename", "/ro/existing.txt", "/ro/moved.txt"}), "errno EPERM");
  EXPECT_EQ(probe({"rename", "/ro/existing.txt", "/sandbox/moved.txt"}), "errno EPERM");
  EXPECT_EQ(probe({"symlink", "existing.txt", "/ro/link"}), "errno EPERM");
  EXPECT_EQ(probe({"read", "/ro/existing.txt"}), "ok read only");
}

}  // namespace
