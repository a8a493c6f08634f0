// wasi:cli 0.2 host: environment, exit, stdin/stdout/stderr streams and the terminal interfaces.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "wasi2/wasi2.h"
#include "wasi2/util.h"

namespace tern::wasi2 {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kEnvironment = "wasi:cli/environment@0.2.12";
constexpr std::string_view kExit = "wasi:cli/exit@0.2.12";
constexpr std::string_view kStdin = "wasi:cli/stdin@0.2.12";
constexpr std::string_view kStdout = "wasi:cli/stdout@0.2.12";
constexpr std::string_view kStderr = "wasi:cli/stderr@0.2.12";
constexpr std::string_view kTerminalInput = "wasi:cli/terminal-input@0.2.12";
constexpr std::string_view kTerminalOutput = "wasi:cli/terminal-output@0.2.12";

// Ready when a host fd polls readable/writable.
class FdSource final : public PollSource {
 public:
  FdSource(int fd, short events) : fd_(fd), events_(events) {}
  bool ready() override {
    struct pollfd p = {fd_, events_, 0};
    return poll(&p, 1, 0) != 0;  // errors count as ready: the next read reports them
  }
  void block(Clock::time_point until) override {
    struct pollfd p = {fd_, events_, 0};
    int ms = -1;
    if (until != Clock::time_point::max()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()).count();
      ms = static_cast<int>(std::clamp<int64_t>(left, 0, 60'000));
    }
    poll(&p, 1, ms);
  }
  int pollFd(short& events) override {
    events = events_;
    return fd_;
  }

 private:
  int fd_;
  short events_;
};

class StdinStream final : public InputStream {
 public:
  explicit StdinStream(WasiP2Context& ctx) : ctx_(ctx) {}
  StreamStatus read(uint64_t len, bool blocking, std::string& out) override {
    switch (ctx_.stdin_mode) {
      case wasi::StdinMode::kEmpty:
        return StreamStatus::closed();
      case wasi::StdinMode::kBytes: {
        if (ctx_.stdin_pos >= ctx_.stdin_bytes.size()) return StreamStatus::closed();
        size_t n = std::min<uint64_t>(len, ctx_.stdin_bytes.size() - ctx_.stdin_pos);
        out.append(ctx_.stdin_bytes, ctx_.stdin_pos, n);
        ctx_.stdin_pos += n;
        return StreamStatus::ok();
      }
      case wasi::StdinMode::kInherit:
        break;
    }
    if (!blocking && !source_->ready()) return StreamStatus::ok();
    std::string buf(std::min(len, kMaxStreamChunk), '\0');
    ssize_t n;
    do n = ::read(0, buf.data(), buf.size());
    while (n < 0 && errno == EINTR);
    if (n == 0) return StreamStatus::closed();
    if (n < 0 && errno == EAGAIN) return StreamStatus::ok();
    if (n < 0) return StreamStatus::failed(std::string("stdin: ") + std::strerror(errno));
    out.append(buf.data(), static_cast<size_t>(n));
    return StreamStatus::ok();
  }
  std::shared_ptr<PollSource> readiness() override {
    return ctx_.stdin_mode == wasi::StdinMode::kInherit ? source_ : readySource();
  }

 private:
  WasiP2Context& ctx_;
  std::shared_ptr<PollSource> source_ = std::make_shared<FdSource>(0, POLLIN);
};

// stdout/stderr: every write is taken in full (inherited fds are written synchronously).
class StdioStream final : public OutputStream {
 public:
  StdioStream(StdioSink& sink, const WasiP2Output& options) : sink_(sink), options_(options) {}
  StreamStatus checkWrite(uint64_t& permitted) override {
    permitted = kMaxStreamChunk;
    return StreamStatus::ok();
  }
  StreamStatus write(std::string_view data) override { return sink_.write(options_, data); }
  StreamStatus flush(bool) override { return StreamStatus::ok(); }
  std::shared_ptr<PollSource> readiness() override { return readySource(); }

 private:
  StdioSink& sink_;
  const WasiP2Output& options_;
};

struct Terminal : HostObject {};

void defineEnvironment(ComponentLinker& linker) {
  linker.defineFunc(kEnvironment, "get-environment",
                    [](HostCall& call, std::span<Val>, std::span<Val> results) -> Result<void> {
                      P2_TRY(WasiP2Context * ctx, requireWasiContext(call));
                      std::vector<Val> items;
                      for (const auto& [k, v] : ctx->env) {
                        items.push_back(Val::tuple({Val::string(k), Val::string(v)}));
                      }
                      results[0] = Val::list(std::move(items));
                      return {};
                    });
  linker.defineFunc(kEnvironment, "get-arguments",
                    [](HostCall& call, std::span<Val>, std::span<Val> results) -> Result<void> {
                      P2_TRY(WasiP2Context * ctx, requireWasiContext(call));
                      std::vector<Val> items;
                      for (const auto& a : ctx->args) items.push_back(Val::string(a));
                      results[0] = Val::list(std::move(items));
                      return {};
                    });
  // No working directory is exposed (paths are relative to pre-opens only).
  linker.defineFunc(kEnvironment, "initial-cwd",
                    [](HostCall&, std::span<Val>, std::span<Val> results) {
                      results[0] = Val::none();
                      return Result<void>{};
                    });
}

// Ends the guest: the status travels as a kExit error up to the embedder.
Result<void> exitWith(HostCall& call, int32_t code) {
  P2_TRY(WasiP2Context * ctx, requireWasiContext(call));
  ctx->exit_code = code;
  return fail(Error{ErrorCode::kExit, "", code});
}

void defineExit(ComponentLinker& linker) {
  linker.defineFunc(kExit, "exit", [](HostCall& call, std::span<Val> args, std::span<Val>) {
    return exitWith(call, args[0].isOk() ? 0 : 1);
  });
  linker.defineFunc(kExit, "exit-with-code",
                    [](HostCall& call, std::span<Val> args, std::span<Val>) {
                      return exitWith(call, static_cast<int32_t>(args[0].u & 0xff));
                    });
}

void defineStdio(ComponentLinker& linker, const IoTypes& io) {
  linker.defineFunc(kStdin, "get-stdin",
                    [io](HostCall& call, std::span<Val>, std::span<Val> results) -> Result<void> {
                      P2_TRY(WasiP2Context * ctx, requireWasiContext(call));
                      P2_TRY(results[0],
                             ownInputStream(call, io, std::make_unique<StdinStream>(*ctx)));
                      return {};
                    });
  for (bool err : {false, true}) {
    linker.defineFunc(
        err ? kStderr : kStdout, err ? "get-stderr" : "get-stdout",
        [io, err](HostCall& call, std::span<Val>, std::span<Val> results) -> Result<void> {
          P2_TRY(WasiP2Context * ctx, requireWasiContext(call));
          auto s = err ? std::make_unique<StdioStream>(ctx->stderr_sink, ctx->stderr_output)
                       : std::make_unique<StdioStream>(ctx->stdout_sink, ctx->stdout_output);
          P2_TRY(results[0], ownOutputStream(call, io, std::move(s)));
          return {};
        });
  }
}

// A terminal resource only for inherited stdio that is a tty; captured streams are no terminal.
void defineTerminals(ComponentLinker& linker) {
  const ResourceType* input = linker.defineResource(kTerminalInput, "terminal-input");
  const ResourceType* output = linker.defineResource(kTerminalOutput, "terminal-output");
  struct Std {
    std::string_view iface, func;
    int fd;
  };
  for (Std s : {Std{"wasi:cli/terminal-stdin@0.2.12", "get-terminal-stdin", 0},
                Std{"wasi:cli/terminal-stdout@0.2.12", "get-terminal-stdout", 1},
                Std{"wasi:cli/terminal-stderr@0.2.12", "get-terminal-stderr", 2}}) {
    const ResourceType* type = s.fd == 0 ? input : output;
    linker.defineFunc(
        s.iface, s.func,
        [type, s](HostCall& call, std::span<Val>, std::span<Val> results) -> Result<void> {
          P2_TRY(WasiP2Context * ctx, requireWasiContext(call));
          bool inherited = s.fd == 0   ? ctx->stdin_mode == wasi::StdinMode::kInherit
                           : s.fd == 1 ? ctx->stdout_output.mode == WasiP2Output::Mode::kInherit
                                       : ctx->stderr_output.mode == WasiP2Output::Mode::kInherit;
          if (!inherited || !isatty(s.fd)) {
            results[0] = Val::none();
            return {};
          }
          P2_TRY(uint32_t rep, call.resources().add(type, std::make_unique<Terminal>()));
          results[0] = Val::some(Val::own(rep));
          return {};
        });
  }
}

}  // namespace

void defineWasiCli(ComponentLinker& linker, const IoTypes& io) {
  defineEnvironment(linker);
  defineExit(linker);
  defineStdio(linker, io);
  defineTerminals(linker);
}

}  // namespace tern::wasi2
