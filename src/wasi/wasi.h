// Public API of the WASI preview 1 host: configure a WasiContext, bind it into a Linker.
//
//   wasi::WasiOptions options;
//   options.args = {"app.wasm", "--flag"};
//   options.preopens.push_back({.host_path = "/srv/data", .guest_path = "/data", .read_only =
//   true}); options.stdout_options = {wasi::OutputMode::kCapture, wasi::ByteSize{1 << 20}}; auto
//   ctx = wasi::WasiContext::create(std::move(options)).value(); instance::Linker linker;
//   wasi::defineWasi(linker, *ctx);        // all of wasi_snapshot_preview1
//   ... instantiate, store.call(inst->func("_start"), {}) ...
//   ctx->capturedStdout();                 // what the guest printed (at most the cap)
//
// Capability model: the guest reaches only the pre-opened directories (and sockets) given here.
// Paths are resolved beneath their directory fd (openat2 RESOLVE_BENEATH); absolute paths, ".."
// above a pre-open and symlinks leading out fail with EPERM. Rights are tracked per fd and only
// ever shrink. The guest sees exactly `args` and `env`; nothing is inherited implicitly.
//
// Thread safety: a WasiContext belongs to one Store and is used by one thread at a time. It must
// outlive every Store that instantiated modules through a Linker it was defined into.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "instance/engine.h"
#include "wasi/output_buffer.h"
#include "wasi/wasi_limits.h"

namespace tern::wasi {

// One pre-opened directory: the guest sees `guest_path` (fd_prestat_dir_name) and reaches the host
// directory `host_path` and nothing outside it. `read_only` removes every mutating right (create,
// write, truncate, rename, link, unlink, set times) from it and from all it opens; such calls fail
// with EPERM.
struct Preopen {
  std::string host_path;
  std::string guest_path;
  bool read_only = false;
};

// Parses a command-line pre-open spec: `HOST[::GUEST][:ro|:rw]`. GUEST defaults to HOST. Errors:
// kInvalidArgument for an empty host or guest path.
Result<Preopen> parsePreopen(std::string_view spec);

enum class StdinMode : uint8_t {
  kEmpty,    // reads see end-of-file at once
  kInherit,  // the tern process's fd 0
  kBytes,    // WasiOptions::stdin_bytes
};

enum class OutputMode : uint8_t {
  kInherit,  // the tern process's fd 1 / fd 2
  kCapture,  // a capped in-memory buffer (WasiContext::capturedStdout/Stderr)
  kDiscard,  // accepted and dropped
};

struct OutputOptions {
  OutputMode mode = OutputMode::kInherit;
  ByteSize cap{kDefaultCaptureBytes};  // kCapture only: bytes kept; the rest is dropped + flagged
};

struct WasiOptions {
  std::vector<std::string> args;  // argv exactly as the guest sees it, argv[0] included
  std::vector<std::string> env;   // "KEY=VALUE" entries, exactly what the guest sees
  std::vector<Preopen> preopens;  // become fds 3, 4, ... in this order
  // Listening sockets (host fds, ownership passes to the context) for sock_accept; they follow
  // the pre-opened directories in fd order.
  std::vector<int> listen_sockets;
  StdinMode stdin_mode = StdinMode::kEmpty;
  std::string stdin_bytes;  // kBytes only
  OutputOptions stdout_options;
  OutputOptions stderr_options;
  // No deadline here: poll_oneoff sleeps stop at the request's (RequestContext::deadline).
};

class Syscalls;

// Per-Store WASI state: the fd table (owning every host fd it opened), args, env, stdio buffers.
class WasiContext {
 public:
  // Opens the pre-opened directories. Errors: kIo naming a directory that cannot be opened.
  static Result<std::unique_ptr<WasiContext>> create(WasiOptions options);
  ~WasiContext();
  WasiContext(const WasiContext&) = delete;
  WasiContext& operator=(const WasiContext&) = delete;

  // Captured output (empty unless the stream's mode is kCapture); truncated when the guest wrote
  // more than the cap.
  std::string_view capturedStdout() const;
  std::string_view capturedStderr() const;
  bool stdoutTruncated() const;
  bool stderrTruncated() const;

  Syscalls& syscalls() { return *syscalls_; }

 private:
  explicit WasiContext(std::unique_ptr<Syscalls> host);
  std::unique_ptr<Syscalls> syscalls_;
};

// Defines every wasi_snapshot_preview1 function in `linker`, bound to `ctx` (which must outlive
// the stores instantiated through `linker`). Modules that import none of them are unaffected.
void defineWasi(instance::Linker& linker, WasiContext& ctx);

// The same functions, each finding its context through the calling store's request context
// (`caller.store().context()->wasi`, instance/request_context.h): one Linker can then serve many
// concurrent per-request stores. A call from a store without a WasiContext traps.
void defineWasi(instance::Linker& linker);

}  // namespace tern::wasi
