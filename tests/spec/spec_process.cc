// posix_spawn with captured stderr, and fork-per-script children with a shared-memory Tally.
#include "spec_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <utility>

extern char** environ;

namespace tern::spec {
namespace {

void decodeStatus(int status, int& exit_code, int& signal) {
  if (WIFEXITED(status)) {
    exit_code = WEXITSTATUS(status);
    signal = 0;
  } else if (WIFSIGNALED(status)) {
    exit_code = -1;
    signal = WTERMSIG(status);
  }
}

}  // namespace

Result<ToolResult> runTool(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return fail(ErrorCode::kIo, "pipe: ", std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return fail(ErrorCode::kIo, "cannot start ", argv[0], ": ", std::strerror(rc));
  }
  ToolResult result;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      result.stderr_text.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  decodeStatus(status, result.exit_code, result.signal);
  return result;
}

Result<ScriptChild> ScriptChild::start(const std::function<void(Tally&)>& body,
                                       const std::filesystem::path& log) {
  void* shared =
      mmap(nullptr, sizeof(Tally), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) {
    return fail(ErrorCode::kResourceExhausted, "mmap: ", std::strerror(errno));
  }
  ScriptChild child;
  child.tally_ = new (shared) Tally{};
  std::fflush(stdout);
  std::fflush(stderr);
  child.pid_ = fork();
  if (child.pid_ < 0) return fail(ErrorCode::kResourceExhausted, "fork: ", std::strerror(errno));
  if (child.pid_ == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    body(*child.tally_);
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(0);
  }
  return child;
}

ScriptChild::ScriptChild(ScriptChild&& other) noexcept { *this = std::move(other); }

ScriptChild& ScriptChild::operator=(ScriptChild&& other) noexcept {
  if (this != &other) {
    release();
    pid_ = std::exchange(other.pid_, -1);
    tally_ = std::exchange(other.tally_, nullptr);
    exit_code_ = other.exit_code_;
    signal_ = other.signal_;
    exited_ = other.exited_;
  }
  return *this;
}

ScriptChild::~ScriptChild() { release(); }

void ScriptChild::release() {
  if (pid_ > 0 && !exited_) kill();
  if (tally_ != nullptr) munmap(tally_, sizeof(Tally));
  tally_ = nullptr;
  pid_ = -1;
}

bool ScriptChild::poll() {
  if (exited_ || pid_ <= 0) return true;
  int status = 0;
  pid_t rc = waitpid(pid_, &status, WNOHANG);
  if (rc == 0 || (rc < 0 && errno == EINTR)) return false;
  if (rc == pid_) decodeStatus(status, exit_code_, signal_);
  exited_ = true;
  return true;
}

void ScriptChild::kill() {
  if (exited_ || pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  decodeStatus(status, exit_code_, signal_);
  exited_ = true;
}

}  // namespace tern::spec
