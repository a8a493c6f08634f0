// wasi:io 0.2 (error, poll, streams) host objects: the stream/pollable interfaces that other
// host interfaces (cli stdio, filesystem, http bodies) implement.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "component/linker.h"

namespace tern::wasi2 {

// The component-model types this host is written against (component/ is the stage to its left).
using component::ComponentLinker;
using component::HostCall;
using component::HostFunc;
using component::HostObject;
using component::HostResources;
using component::ResourceType;
using component::Session;
using component::Val;
using component::TypeKind;
using component::ValType;

// Something a pollable waits for. Shared (shared_ptr) between the object that produces readiness
// (a stream, a clock deadline, a pending outgoing request) and the pollables subscribed to it, so
// dropping either first is safe.
class PollSource {
 public:
  virtual ~PollSource() = default;
  virtual bool ready() = 0;
  // Waits until ready() or `until` (steady clock) passes, whichever is first. Implementations
  // never block past the Session's request deadline.
  virtual void block(std::chrono::steady_clock::time_point until) = 0;
  // Optional hints that let wasi:io/poll.poll wait on many sources with one ppoll(2): a host fd
  // and the poll(2) events that make this source ready, and/or the steady-clock time at which it
  // becomes ready by itself (timers). Sources with neither are polled in short slices.
  virtual int pollFd(short& events) { return -1; }
  virtual std::optional<std::chrono::steady_clock::time_point> readyAt() { return std::nullopt; }
};

// A source that is always ready (files, captured stdout, in-memory bodies).
std::shared_ptr<PollSource> readySource();

// The outcome of a stream operation, mapped onto wasi:io/streams.stream-error.
struct StreamStatus {
  enum Kind : uint8_t { kOk, kClosed, kFailed } kind = kOk;
  std::string error;  // kFailed: the message of the wasi:io/error.error resource
  // kFailed on a file stream: the wasi:filesystem error-code case (filesystem-error-code), or -1.
  int32_t fs_code = -1;
  static StreamStatus ok() { return {}; }
  static StreamStatus closed() { return {kClosed, {}}; }
  static StreamStatus failed(std::string msg) { return {kFailed, std::move(msg)}; }
};

// wasi:io/streams.input-stream.
class InputStream : public HostObject {
 public:
  // Appends up to `len` bytes to `out`. Non-blocking: may append nothing. Blocking: waits for at
  // least one byte or end of stream. kClosed only when no byte was appended.
  virtual StreamStatus read(uint64_t len, bool blocking, std::string& out) = 0;
  virtual std::shared_ptr<PollSource> readiness() = 0;
};

// wasi:io/streams.output-stream.
class OutputStream : public HostObject {
 public:
  // Bytes the next write() may take now (0 = must wait; the pollable says when).
  virtual StreamStatus checkWrite(uint64_t& permitted) = 0;
  virtual StreamStatus write(std::string_view data) = 0;
  virtual StreamStatus flush(bool blocking) = 0;
  virtual std::shared_ptr<PollSource> readiness() = 0;
};

// wasi:io/poll.pollable.
struct Pollable : HostObject {
  explicit Pollable(std::shared_ptr<PollSource> s) : source(std::move(s)) {}
  std::shared_ptr<PollSource> source;
};

// wasi:io/error.error.
struct IoError : HostObject {
  explicit IoError(std::string m, int32_t fs = -1) : message(std::move(m)), fs_code(fs) {}
  std::string message;
  int32_t fs_code;  // wasi:filesystem error-code case for filesystem-error-code, or -1
};

// The wasi:io resource types, as registered in a linker.
struct IoTypes {
  const ResourceType* error = nullptr;
  const ResourceType* pollable = nullptr;
  const ResourceType* input_stream = nullptr;
  const ResourceType* output_stream = nullptr;
};

// Defines wasi:io/error, wasi:io/poll and wasi:io/streams (every 0.2.x) in `linker`.
IoTypes defineWasiIo(ComponentLinker& linker);

// Helpers for other interfaces: add a stream/pollable object and return Val::own(rep);
// turn a StreamStatus into the WIT `result<T, stream-error>` (creating the error resource):
// Val::ok() (no payload) for kOk, else Val::err(stream-error). Errors: kResourceExhausted past
// the host-resource limit (traps the guest).
Result<Val> ownInputStream(HostCall& call, const IoTypes& io, std::unique_ptr<InputStream> s);
Result<Val> ownOutputStream(HostCall& call, const IoTypes& io, std::unique_ptr<OutputStream> s);
Result<Val> ownPollable(HostCall& call, const IoTypes& io, std::shared_ptr<PollSource> source);
Result<Val> streamError(HostCall& call, const IoTypes& io, const StreamStatus& status);

// Waits until `source` is ready, never past the request's deadline (the call's
// RequestContext::deadline, when set): then a kTrap error with TrapKind::kDeadline. Other host
// interfaces (wasi:http) use it for their blocking calls.
Result<void> waitReady(HostCall& call, PollSource& source);

}  // namespace tern::wasi2
