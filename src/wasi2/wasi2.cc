// WasiP2Context (stdio sinks, pre-opened directories) and defineWasiP2, which defines every
// WASI 0.2 interface.
#include "wasi2/wasi2.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "wasi2/util.h"

namespace tern::wasi2 {
namespace {

// Writes all of `data` to a (possibly non-blocking) host fd.
StreamStatus writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno == EAGAIN) {
      struct pollfd p = {fd, POLLOUT, 0};
      poll(&p, 1, 100);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EPIPE) {
      return StreamStatus::closed();
    } else {
      return StreamStatus::failed(std::string("write: ") + std::strerror(errno));
    }
  }
  return StreamStatus::ok();
}

}  // namespace

StreamStatus StdioSink::write(const WasiP2Output& options, std::string_view data) {
  switch (options.mode) {
    case WasiP2Output::Mode::kInherit:
      return writeAll(host_fd_, data);
    case WasiP2Output::Mode::kDiscard:
      return StreamStatus::ok();
    case WasiP2Output::Mode::kCapture:
      if (!buffer_) buffer_.emplace(options.cap);
      buffer_->append(std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
      return StreamStatus::ok();
    case WasiP2Output::Mode::kLines:
      break;
  }
  // kLines: whole lines go to the callback; a line longer than the cap is cut there (the rest
  // follows as the next line), so a guest cannot grow the pending buffer without bound.
  const size_t cap = std::max<size_t>(options.cap.bytes, 1);
  while (!data.empty()) {
    size_t nl = data.find('\n');
    size_t room = cap > partial_.size() ? cap - partial_.size() : 0;
    size_t take = std::min(nl == std::string_view::npos ? data.size() : nl, room);
    partial_.append(data.substr(0, take));
    data.remove_prefix(take);
    bool end_of_line = !data.empty() && data.front() == '\n';
    if (end_of_line) data.remove_prefix(1);
    if (end_of_line || partial_.size() >= cap) {
      if (options.on_line) options.on_line(partial_);
      partial_.clear();
    }
  }
  return StreamStatus::ok();
}

void StdioSink::flushLines(const WasiP2Output& options) {
  if (options.mode != WasiP2Output::Mode::kLines || partial_.empty()) return;
  if (options.on_line) options.on_line(partial_);
  partial_.clear();
}

WasiP2Context::~WasiP2Context() { flushOutput(); }

void WasiP2Context::flushOutput() {
  stdout_sink.flushLines(stdout_output);
  stderr_sink.flushLines(stderr_output);
}

Result<void> WasiP2Context::openPreopens() {
  if (preopen_fds.size() == preopens.size()) return {};
  preopen_fds.clear();
  for (const wasi::Preopen& p : preopens) {
    int fd = ::open(p.host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      preopen_fds.clear();
      return fail(ErrorCode::kIo, "cannot open directory ", p.host_path, ": ",
                  std::strerror(errno));
    }
    preopen_fds.emplace_back(fd);
  }
  return {};
}

WasiP2Context* wasiContext(HostCall& call) {
  instance::RequestContext* request = call.context();
  return request ? request->wasi2 : nullptr;
}

Result<WasiP2Context*> requireWasiContext(HostCall& call) {
  WasiP2Context* ctx = wasiContext(call);
  if (!ctx) return hostTrap("wasi: the session has no WASI context");
  return ctx;
}

IoTypes defineWasiP2(ComponentLinker& linker) {
  IoTypes io = defineWasiIo(linker);
  defineWasiClocks(linker, io);
  defineWasiRandom(linker);
  defineWasiCli(linker, io);
  defineWasiFilesystem(linker, io);
  return io;
}

}  // namespace tern::wasi2
