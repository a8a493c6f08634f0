// WasiContext: builds the fd table (stdio, pre-opened directories and sockets) from WasiOptions.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "wasi/syscalls.h"

namespace tern::wasi {

Result<Preopen> parsePreopen(std::string_view spec) {
  Preopen out;
  if (spec.ends_with(":ro")) {
    out.read_only = true;
    spec.remove_suffix(3);
  } else if (spec.ends_with(":rw")) {
    spec.remove_suffix(3);
  }
  size_t sep = spec.find("::");
  out.host_path = std::string(spec.substr(0, sep));
  out.guest_path =
      sep == std::string_view::npos ? out.host_path : std::string(spec.substr(sep + 2));
  if (out.host_path.empty() || out.guest_path.empty()) {
    return fail(ErrorCode::kInvalidArgument, "--dir expects HOST[::GUEST][:ro], got '",
                std::string(spec), "'");
  }
  return out;
}

namespace {

abi::Filetype stdioFiletype(int host_fd) {
  // As wasmtime: a terminal is a character device, anything else (pipe, file, /dev/null) is
  // reported as unknown, so guests do not assume seekability or tty behaviour.
  // Asked once per stdio fd and process: a per-request ioctl(TCGETS) shows in server profiles.
  static const std::array<abi::Filetype, 3> kStdio = [] {
    std::array<abi::Filetype, 3> out{};
    for (int fd = 0; fd < 3; ++fd) {
      out[fd] = isatty(fd) ? abi::Filetype::kCharacterDevice : abi::Filetype::kUnknown;
    }
    return out;
  }();
  if (host_fd >= 0 && host_fd < 3) return kStdio[host_fd];
  return isatty(host_fd) ? abi::Filetype::kCharacterDevice : abi::Filetype::kUnknown;
}

std::unique_ptr<FdEntry> stdioEntry(FdKind kind, int host_fd, bool inherit) {
  auto e = std::make_unique<FdEntry>();
  e->kind = kind;
  e->host_fd = inherit ? host_fd : -1;
  e->borrowed = true;
  e->filetype = inherit ? stdioFiletype(host_fd) : abi::Filetype::kUnknown;
  abi::Rights io = kind == FdKind::kStdin
                       ? abi::kRightFdRead
                       : abi::kRightFdWrite | abi::kRightFdDatasync | abi::kRightFdSync;
  e->base =
      io | abi::kRightFdFdstatSetFlags | abi::kRightFdFilestatGet | abi::kRightPollFdReadwrite;
  e->inheriting = 0;
  return e;
}

}  // namespace

Syscalls::Syscalls(WasiOptions options) : options_(std::move(options)) {}

Result<void> Syscalls::init() {
  auto in = stdioEntry(FdKind::kStdin, STDIN_FILENO, options_.stdin_mode == StdinMode::kInherit);
  if (options_.stdin_mode == StdinMode::kBytes) in->input = &options_.stdin_bytes;
  fds_.insertAt(0, std::move(in));
  const OutputOptions* outs[2] = {&options_.stdout_options, &options_.stderr_options};
  std::unique_ptr<OutputBuffer>* bufs[2] = {&stdout_buf_, &stderr_buf_};
  for (int i = 0; i < 2; ++i) {
    FdKind kind = i == 0 ? FdKind::kStdout : FdKind::kStderr;
    auto e = stdioEntry(kind, i + 1, outs[i]->mode == OutputMode::kInherit);
    if (outs[i]->mode == OutputMode::kCapture) {
      *bufs[i] = std::make_unique<OutputBuffer>(outs[i]->cap);
      e->output = bufs[i]->get();
    }
    fds_.insertAt(static_cast<uint32_t>(i + 1), std::move(e));
  }
  for (const Preopen& p : options_.preopens) {
    UniqueFd fd(open(p.host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) {
      return fail(ErrorCode::kIo, "cannot pre-open directory '", p.host_path,
                  "': ", std::strerror(errno));
    }
    auto e = std::make_unique<FdEntry>();
    e->kind = FdKind::kDirectory;
    e->host_fd = fd.release();
    e->filetype = abi::Filetype::kDirectory;
    // A read-only pre-open advertises the usual directory rights (guests such as wasi-libc
    // derive their open requests from them) and refuses every mutation with EPERM instead.
    e->read_only = p.read_only;
    e->base = abi::kDirectoryRights;
    e->inheriting = abi::kDirectoryRights | abi::kFileRights;
    e->preopen_name = p.guest_path;
    auto n = fds_.insert(std::move(e));
    if (!n) return fail(ErrorCode::kResourceExhausted, "too many pre-opened directories");
  }
  for (int& sock : options_.listen_sockets) {
    auto e = std::make_unique<FdEntry>();
    e->kind = FdKind::kListener;
    e->host_fd = std::exchange(sock, -1);  // owned by the entry from here on
    e->filetype = abi::Filetype::kSocketStream;
    e->base = abi::kListenerRights;
    e->inheriting = abi::kSocketRights;
    auto n = fds_.insert(std::move(e));
    if (!n) return fail(ErrorCode::kResourceExhausted, "too many pre-opened sockets");
  }
  return {};
}

Syscalls::~Syscalls() {
  for (int sock : options_.listen_sockets) {
    if (sock >= 0) close(sock);  // not yet handed to the fd table (init failed early)
  }
}

// ---- WasiContext ----

WasiContext::WasiContext(std::unique_ptr<Syscalls> host) : syscalls_(std::move(host)) {}
WasiContext::~WasiContext() = default;

Result<std::unique_ptr<WasiContext>> WasiContext::create(WasiOptions options) {
  auto host = std::make_unique<Syscalls>(std::move(options));
  TERN_TRY(host->init());
  return std::unique_ptr<WasiContext>(new WasiContext(std::move(host)));
}

std::string_view WasiContext::capturedStdout() const {
  return syscalls_->stdoutBuffer() ? syscalls_->stdoutBuffer()->text() : std::string_view();
}
std::string_view WasiContext::capturedStderr() const {
  return syscalls_->stderrBuffer() ? syscalls_->stderrBuffer()->text() : std::string_view();
}
bool WasiContext::stdoutTruncated() const {
  return syscalls_->stdoutBuffer() && syscalls_->stdoutBuffer()->truncated();
}
bool WasiContext::stderrTruncated() const {
  return syscalls_->stderrBuffer() && syscalls_->stderrBuffer()->truncated();
}

}  // namespace tern::wasi
