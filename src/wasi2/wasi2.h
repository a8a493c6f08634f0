// The WASI 0.2 host's per-request state (args, env, pre-opens, stdio, exit) and the function
// that defines every WASI 0.2 interface in a ComponentLinker.
//
//   WasiP2Context wasi;
//   wasi.args = {"app.wasm"};
//   wasi.preopens.push_back({.host_path = "/srv", .guest_path = "/data", .read_only = true});
//   wasi.stdout_output.mode = WasiP2Output::Mode::kCapture;
//   instance::RequestContext request;  request.wasi2 = &wasi;  request.deadline = ...;
//   ComponentLinker linker;  defineWasiP2(linker);
//   Session session(engine, limits, &request);
//   ... instantiate, call wasi:cli/run.run ...
//   wasi.capturedStdout();  wasi.exit_code;
//
// Host functions find it as the `wasi2` part of the call's request context (wasiContext());
// the deadline every blocking call stops at is the request's (RequestContext::deadline). A call
// from a session without one traps.
//
// Capability model: as preview 1 (wasi/wasi.h). The guest reaches only the pre-opened
// directories; paths resolve beneath them with openat2(RESOLVE_BENEATH); read-only pre-opens
// refuse every mutation with error-code not-permitted. Nothing is inherited implicitly.
//
// Thread safety: a context belongs to one Session and is used by one thread at a time; it must
// outlive the Session.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "wasi2/io.h"
#include "wasi/fd_table.h"
#include "wasi/output_buffer.h"
#include "wasi/wasi.h"

namespace tern::wasi2 {

// Where a guest's stdout or stderr goes.
struct WasiP2Output {
  enum class Mode : uint8_t {
    kInherit,  // the tern process's fd 1 / fd 2
    kCapture,  // a capped in-memory buffer (capturedStdout/Stderr); excess dropped and flagged
    kLines,    // on_line is called once per complete line (without '\n'), e.g. per-component logs
    kDiscard,  // accepted and dropped
  };
  Mode mode = Mode::kInherit;
  wasi::ByteSize cap{limits::kDefaultCaptureBytes};  // kCapture: bytes kept; kLines: longest line
  std::function<void(std::string_view line)> on_line;
};

// The state of one output stream of a context (what the host functions write into).
class StdioSink {
 public:
  explicit StdioSink(int host_fd) : host_fd_(host_fd) {}
  // Writes all of `data` per `options` (inherit: to the host fd; EPIPE etc. -> kFailed).
  StreamStatus write(const WasiP2Output& options, std::string_view data);
  // kLines: emits a pending partial line.
  void flushLines(const WasiP2Output& options);
  std::string_view captured() const { return buffer_ ? buffer_->text() : std::string_view(); }
  bool truncated() const { return buffer_ && buffer_->truncated(); }

 private:
  int host_fd_;
  std::optional<wasi::OutputBuffer> buffer_;
  std::string partial_;  // kLines: bytes after the last '\n'
};

struct WasiP2Context {
  WasiP2Context() = default;
  virtual ~WasiP2Context();
  WasiP2Context(const WasiP2Context&) = delete;
  WasiP2Context& operator=(const WasiP2Context&) = delete;

  // Configuration (set by the embedder before the session runs).
  std::vector<std::string> args;                         // argv, argv[0] included
  std::vector<std::pair<std::string, std::string>> env;  // exactly what the guest sees
  std::vector<wasi::Preopen> preopens;                   // preopens.get-directories order
  wasi::StdinMode stdin_mode = wasi::StdinMode::kEmpty;
  std::string stdin_bytes;  // kBytes only
  WasiP2Output stdout_output;
  WasiP2Output stderr_output;

  // Set when the guest called wasi:cli/exit (exit(ok) = 0, exit(err) = 1, exit-with-code).
  std::optional<int32_t> exit_code;

  // Opens the pre-opened directories (done on first use if not called). Errors: kIo naming the
  // directory. Call it before running the guest to report a bad --dir clearly.
  Result<void> openPreopens();
  // kLines: emits partial last lines (also done by the destructor).
  void flushOutput();

  std::string_view capturedStdout() const { return stdout_sink.captured(); }
  std::string_view capturedStderr() const { return stderr_sink.captured(); }
  bool stdoutTruncated() const { return stdout_sink.truncated(); }
  bool stderrTruncated() const { return stderr_sink.truncated(); }

  // Host state, used by the wasi_*.cc host functions.
  StdioSink stdout_sink{1};
  StdioSink stderr_sink{2};
  size_t stdin_pos = 0;                     // kBytes: bytes already read
  std::vector<wasi::UniqueFd> preopen_fds;  // one per preopens entry, once opened
  size_t open_fds = 0;  // host fds held by this session's descriptors (at most limits::kMaxFds)
  std::optional<std::pair<uint64_t, uint64_t>> insecure_seed;
};

// The WASI 0.2 state of the call's request (RequestContext::wasi2); null when it has none.
WasiP2Context* wasiContext(HostCall& call);
// The same, as an error (kTrap, TrapKind::kHost) when absent: for host functions.
Result<WasiP2Context*> requireWasiContext(HostCall& call);

// Defines every WASI 0.2 interface (wasi:io, clocks, random, cli, filesystem), for every 0.2.x
// version, in `linker`. Returns the wasi:io resource types.
IoTypes defineWasiP2(ComponentLinker& linker);

// The parts, for embedders that want fewer interfaces (each needs defineWasiIo's types).
void defineWasiClocks(ComponentLinker& linker, const IoTypes& io);
void defineWasiRandom(ComponentLinker& linker);
void defineWasiCli(ComponentLinker& linker, const IoTypes& io);
void defineWasiFilesystem(ComponentLinker& linker, const IoTypes& io);

using limits::kMaxPollList;
using limits::kMaxRandomBytes;
using limits::kMaxStreamChunk;

}  // namespace tern::wasi2
