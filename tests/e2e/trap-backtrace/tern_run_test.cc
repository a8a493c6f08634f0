// `tern run` on a guest built with -g that divides by zero: the error names the function and its
// source line (found in the guest source by its marker), compiled fresh and from the cache.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

// The 1-based line of `source` that contains `marker`, or 0.
int lineOf(const std::string& source, const std::string& marker) {
  std::ifstream in(source);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find(marker) != std::string::npos) return n;
  }
  return 0;
}

struct RunResult {
  int exit_code = -1;
  std::string err;
};

RunResult tern(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {TERN_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  int err[2];
  if (pipe(err) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(err[1], 2);
    close(err[0]);
    std::vector<char*> c;
    for (auto& a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    execv(c[0], c.data());
    _exit(127);
  }
  close(err[1]);
  RunResult r;
  char buf[4096];
  ssize_t n;
  while ((n = read(err[0], buf, sizeof buf)) > 0) r.err.append(buf, static_cast<size_t>(n));
  close(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(TernRunTrapTest, BacktraceNamesTheFunctionAndSourceLine) {
  if (!std::filesystem::exists(DIVIDE_WASM)) GTEST_SKIP() << "no clang-14 guest " << DIVIDE_WASM;
  const std::string source = std::string(SOURCE_DIR) + "/tests/e2e/guests/divide.c";
  int trap_line = lineOf(source, "// trap here");
  int call_line = lineOf(source, "divide(100, parts)");
  ASSERT_GT(trap_line, 0);
  ASSERT_GT(call_line, 0);
  const std::string cache = std::string(CACHE_DIR) + "/" + std::to_string(getpid());
  std::filesystem::remove_all(cache);
  for (const char* round : {"compiled", "cached"}) {
    RunResult r = tern({"run", "--cache-dir", cache, DIVIDE_WASM});
    EXPECT_EQ(r.exit_code, 134) << round << ": " << r.err;
    std::string frame0 =
        "error: instance: trap: integer divide by zero\n  0: divide "
        "(tests/e2e/guests/divide.c:" +
        std::to_string(trap_line) + ") [func ";
    EXPECT_NE(r.err.find(frame0), std::string::npos) << round << ": " << r.err;
    std::string frame1 = "\n  1: ";
    size_t at = r.err.find(frame1);
    ASSERT_NE(at, std::string::npos) << round << ": " << r.err;
    std::string line1 = r.err.substr(at + 1, r.err.find('\n', at + 1) - at - 1);
    EXPECT_NE(line1.find("(tests/e2e/guests/divide.c:" + std::to_string(call_line) + ")"),
              std::string::npos)
        << round << ": " << line1;
  }
  std::filesystem::remove_all(cache);
}

}  // namespace
