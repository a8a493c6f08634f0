// wasi:io 0.2 host: error, poll and streams over the InputStream/OutputStream/PollSource objects
// that the other WASI interfaces (stdio, files, HTTP bodies) implement.
#include "wasi2/io.h"

#include <poll.h>

#include <algorithm>
#include <thread>

#include "compile/vm_abi.h"
#include "wasi2/wasi2.h"
#include "wasi2/util.h"

namespace tern::wasi2 {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kError = "wasi:io/error@0.2.12";
constexpr std::string_view kPoll = "wasi:io/poll@0.2.12";
constexpr std::string_view kStreams = "wasi:io/streams@0.2.12";
// Sources that offer neither an fd nor a wake-up time are re-checked this often by poll.
constexpr auto kPollSlice = std::chrono::milliseconds(1);

class ReadySource final : public PollSource {
 public:
  bool ready() override { return true; }
  void block(Clock::time_point) override {}
};

Result<void> deadlineTrap(std::string_view what) {
  return fail(Error{ErrorCode::kTrap, "wasi: " + std::string(what) + " passed the request deadline",
                    static_cast<int32_t>(vm::TrapKind::kDeadline)});
}

Clock::time_point deadlineOf(HostCall& call) {
  instance::RequestContext* request = call.context();
  return request ? request->deadlineOrMax() : Clock::time_point::max();
}

// One ppoll(2) round over several sources: fds and timers are waited on together; sources with
// neither are re-checked after kPollSlice.
void waitAny(std::span<PollSource* const> sources, Clock::time_point until) {
  std::vector<struct pollfd> fds;
  bool opaque = false;
  for (PollSource* s : sources) {
    short events = 0;
    int fd = s->pollFd(events);
    if (fd >= 0) {
      fds.push_back({fd, events, 0});
    } else if (auto at = s->readyAt()) {
      until = std::min(until, *at);
    } else {
      opaque = true;
    }
  }
  Clock::time_point now = Clock::now();
  if (opaque) until = std::min(until, now + kPollSlice);
  struct timespec ts;
  struct timespec* tsp = nullptr;
  if (until != Clock::time_point::max()) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(until - now).count();
    if (ns < 0) ns = 0;
    ts = {static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    tsp = &ts;
  }
  ppoll(fds.data(), fds.size(), tsp, nullptr);
}

// wasi:io/poll.poll: the indices of the ready pollables, waiting until at least one is.
Result<Val> pollList(HostCall& call, std::span<PollSource* const> sources) {
  if (sources.empty()) return hostTrap("wasi:io/poll.poll: empty list");
  if (sources.size() > kMaxPollList) return hostTrap("wasi:io/poll.poll: too many pollables");
  Clock::time_point deadline = deadlineOf(call);
  for (;;) {
    std::vector<Val> ready;
    for (size_t i = 0; i < sources.size(); ++i) {
      if (sources[i]->ready()) ready.push_back(Val::u32(static_cast<uint32_t>(i)));
    }
    if (!ready.empty()) return Val::list(std::move(ready));
    if (Clock::now() >= deadline) {
      TERN_TRY(deadlineTrap("wasi:io/poll.poll"));
    }
    if (sources.size() == 1) {
      sources[0]->block(deadline);
    } else {
      waitAny(sources, deadline);
    }
  }
}

void definePoll(ComponentLinker& linker, const IoTypes& io) {
  linker.defineFunc(
      kPoll, "[method]pollable.ready",
      [io](HostCall& call, std::span<Val> args, std::span<Val> results) -> Result<void> {
        P2_TRY(auto* p, self<Pollable>(call, io.pollable, args[0]));
        results[0] = Val::boolean(p->source->ready());
        return {};
      });
  linker.defineFunc(kPoll, "[method]pollable.block",
                    [io](HostCall& call, std::span<Val> args, std::span<Val>) -> Result<void> {
                      P2_TRY(auto* p, self<Pollable>(call, io.pollable, args[0]));
                      return waitReady(call, *p->source);
                    });
  linker.defineFunc(
      kPoll, "poll",
      [io](HostCall& call, std::span<Val> args, std::span<Val> results) -> Result<void> {
        std::vector<PollSource*> sources;
        for (const Val& v : args[0].items) {
          P2_TRY(auto* p, self<Pollable>(call, io.pollable, v));
          sources.push_back(p->source.get());
        }
        P2_TRY(results[0], pollList(call, sources));
        return {};
      });
}

void defineError(ComponentLinker& linker, const IoTypes& io) {
  linker.defineFunc(
      kError, "[method]error.to-debug-string",
      [io](HostCall& call, std::span<Val> args, std::span<Val> results) -> Result<void> {
        P2_TRY(auto* e, self<IoError>(call, io.error, args[0]));
        results[0] = Val::string(e->message);
        return {};
      });
}

// Reads (or skips) up to `len` bytes; blocking variants wait for data first.
Result<Val> readOp(HostCall& call, const IoTypes& io, const Val& handle, uint64_t len,
                   bool blocking, bool skip) {
  P2_TRY(auto* s, self<InputStream>(call, io.input_stream, handle));
  std::string out;
  uint64_t want = std::min(len, kMaxStreamChunk);
  for (;;) {
    StreamStatus st = want ? s->read(want, false, out) : StreamStatus::ok();
    if (st.kind != StreamStatus::kOk) return streamError(call, io, st);
    if (!out.empty() || !blocking || want == 0) break;
    TERN_TRY(waitReady(call, *s->readiness()));
  }
  if (skip) return Val::ok(Val::u64(out.size()));
  return Val::ok(Val::byteList(std::move(out)));
}

void defineInputStream(ComponentLinker& linker, const IoTypes& io) {
  struct Op {
    const char* name;
    bool blocking, skip;
  };
  for (Op op : {Op{"[method]input-stream.read", false, false},
                Op{"[method]input-stream.blocking-read", true, false},
                Op{"[method]input-stream.skip", false, true},
                Op{"[method]input-stream.blocking-skip", true, true}}) {
    linker.defineFunc(
        kStreams, op.name,
        [io, op](HostCall& call, std::span<Val> args, std::span<Val> results) -> Result<void> {
          P2_TRY(results[0], readOp(call, io, args[0], args[1].u, op.blocking, op.skip));
          return {};
        });
  }
  linker.defineFunc(
      kStreams, "[method]input-stream.subscribe",
      [io](HostCall& call, std::span<Val> args, std::span<Val> results) -> Result<void> {
        P2_TRY(auto* s, self<InputStream>(call, io.input_stream, args[0]));
        P2_TRY(results[0], ownPollable(call, io, s->readiness()));
        return {};
      });
}

// Writes `data` after checking the stream's grant (writing more than check-write allows traps,
// as the WIT says); `flush`: then flushes, waiting for it when `blocking`.
Result<Val> writeOp(HostCall& call, const IoTypes& io, OutputStream& s, std::string_view data,
                    bool flush, bool blocking) {
  while (blocking && !data.empty()) {
    uint64_t permitted = 0;
    StreamStatus st = s.checkWrite(permitted);
    if (st.kind != StreamStatus::kOk) return streamError(call, io, st);
    if (permitted == 0) {
      TERN_TRY(waitReady(call, *s.readiness()));
      continue;
    }
    size_t n = std::min<uint64_t>(permitted, data.size());
    st = s.write(data.substr(0, n));
    if (st.kind != StreamStatus::kOk) return streamError(call, io, st);
    data.remove_prefix(n);
  }
  if (!blocking && !data.empty()) {
    uint64_t permitted = 0;
    StreamStatus st = s.checkWrite(permitted);
    if (st.kind != StreamStatus::kOk) return streamError(call, io, st);
    if (data.size() > permitted) {
      return hostTrap("wasi:io/streams: write of ", std::to_string(data.size()),
                      " bytes exceeds check-write's ", std::to_string(permitted));
    }
    st = s.write(data);
    if (st.kind != StreamStatus::kOk) return streamError(call, io, st);
  }
  if (!flush) return Val::ok();
  StreamStatus st = s.flush(false);
  if (st.kind != StreamStatus::kOk) return streamError(call, io, st);
  if (blocking) TERN_TRY(waitReady(call, *s.readiness()));
  return Val::ok();
}

void defineOutputWrites(ComponentLinker& linker, const IoTypes& io) {
  struct Op {
    const char* name;
    bool zeroes, flush, blocking;
  };
  for (Op op : {Op{"[method]output-stream.write", false, false, false},
                Op{"[method]output-stream.blocking-write-and-flush", false, true, true},
                Op{"[method]output-stream.write-zeroes", true, false, false},
                Op{"[method]output-stream.blocking-write-zeroes-and-flush", true, true, true}}) {
    linker.defineFunc(
        kStreams, op.name,
        [io, op](HostCall& call, std::span<Val> args, std::span<Val> results) -> Result<void> {
          P2_TRY(auto* s, self<OutputStream>(call, io.output_stream, args[0]));
          std::string zeroes;
          if (op.zeroes) {
            if (args[1].u > kMaxStreamChunk) {
              return hostTrap("wasi:io/streams: write-zeroes of more than ",
                              std::to_string(kMaxStreamChunk), " bytes");
            }
            zeroes.assign(args[1].u, '\0');
          }
          std::string_view data = op.zeroes ? std::string_view(zeroes) : args[1].bytes;
          P2_TRY(results[0], writeOp(call, io, *s, data, op.flush, op.blocking));
          return {};
        });
  }
}

// output-stream.splice: moves up to `len` bytes from `src` (what it has now, or after waiting
// for it when blocking) to the stream, limited by check-write.
Result<Val> spliceOp(HostCall& call, const IoTypes& io, std::span<Val> args, bool blocking) {
  P2_TRY(auto* dst, self<OutputStream>(call, io.output_stream, args[0]));
  P2_TRY(auto* src, self<InputStream>(call, io.input_stream, args[1]));
  uint64_t permitted = 0;
  StreamStatus st = dst->checkWrite(permitted);
  if (st.kind != StreamStatus::kOk) return streamError(call, io, st);
  if (blocking && permitted == 0) {
    TERN_TRY(waitReady(call, *dst->readiness()));
    st = dst->checkWrite(permitted);
    if (st.kind != StreamStatus::kOk) return streamError(call, io, st);
  }
  uint64_t want = std::min({args[2].u, permitted, kMaxStreamChunk});
  std::string data;
  for (;;) {
    st = want ? src->read(want, false, data) : StreamStatus::ok();
    if (st.kind != StreamStatus::kOk) return streamError(call, io, st);
    if (!data.empty() || !blocking || want == 0) break;
    TERN_TRY(waitReady(call, *src->readiness()));
  }
  st = data.empty() ? StreamStatus::ok() : dst->write(data);
  if (st.kind != StreamStatus::kOk) return streamError(call, io, st);
  return Val::ok(Val::u64(data.size()));
}

void defineOutputStream(ComponentLinker& linker, const IoTypes& io) {
  defineOutputWrites(linker, io);
  linker.defineFunc(
      kStreams, "[method]output-stream.check-write",
      [io](HostCall& call, std::span<Val> args, std::span<Val> results) -> Result<void> {
        P2_TRY(auto* s, self<OutputStream>(call, io.output_stream, args[0]));
        uint64_t permitted = 0;
        StreamStatus st = s->checkWrite(permitted);
        permitted = std::min(permitted, kMaxStreamChunk);
        if (st.kind == StreamStatus::kOk) {
          results[0] = Val::ok(Val::u64(permitted));
          return {};
        }
        P2_TRY(results[0], streamError(call, io, st));
        return {};
      });
  for (bool blocking : {false, true}) {
    linker.defineFunc(
        kStreams, blocking ? "[method]output-stream.blocking-flush" : "[method]output-stream.flush",
        [io, blocking](HostCall& call, std::span<Val> args,
                       std::span<Val> results) -> Result<void> {
          P2_TRY(auto* s, self<OutputStream>(call, io.output_stream, args[0]));
          P2_TRY(results[0], writeOp(call, io, *s, {}, true, blocking));
          return {};
        });
    linker.defineFunc(
        kStreams,
        blocking ? "[method]output-stream.blocking-splice" : "[method]output-stream.splice",
        [io, blocking](HostCall& call, std::span<Val> args,
                       std::span<Val> results) -> Result<void> {
          P2_TRY(results[0], spliceOp(call, io, args, blocking));
          return {};
        });
  }
  linker.defineFunc(
      kStreams, "[method]output-stream.subscribe",
      [io](HostCall& call, std::span<Val> args, std::span<Val> results) -> Result<void> {
        P2_TRY(auto* s, self<OutputStream>(call, io.output_stream, args[0]));
        P2_TRY(results[0], ownPollable(call, io, s->readiness()));
        return {};
      });
}

}  // namespace

std::shared_ptr<PollSource> readySource() {
  static const std::shared_ptr<PollSource> ready = std::make_shared<ReadySource>();
  return ready;
}

Result<void> waitReady(HostCall& call, PollSource& source) {
  Clock::time_point deadline = deadlineOf(call);
  while (!source.ready()) {
    if (Clock::now() >= deadline) return deadlineTrap("a blocking wasi:io call");
    source.block(deadline);
  }
  return {};
}

IoTypes defineWasiIo(ComponentLinker& linker) {
  IoTypes io;
  io.error = linker.defineResource(kError, "error");
  io.pollable = linker.defineResource(kPoll, "pollable");
  io.input_stream = linker.defineResource(kStreams, "input-stream");
  io.output_stream = linker.defineResource(kStreams, "output-stream");
  defineError(linker, io);
  definePoll(linker, io);
  defineInputStream(linker, io);
  defineOutputStream(linker, io);
  return io;
}

Result<Val> ownInputStream(HostCall& call, const IoTypes& io, std::unique_ptr<InputStream> s) {
  P2_TRY(uint32_t rep, call.resources().add(io.input_stream, std::move(s)));
  return Val::own(rep);
}

Result<Val> ownOutputStream(HostCall& call, const IoTypes& io, std::unique_ptr<OutputStream> s) {
  P2_TRY(uint32_t rep, call.resources().add(io.output_stream, std::move(s)));
  return Val::own(rep);
}

Result<Val> ownPollable(HostCall& call, const IoTypes& io, std::shared_ptr<PollSource> source) {
  P2_TRY(uint32_t rep,
         call.resources().add(io.pollable, std::make_unique<Pollable>(std::move(source))));
  return Val::own(rep);
}

Result<Val> streamError(HostCall& call, const IoTypes& io, const StreamStatus& status) {
  switch (status.kind) {
    case StreamStatus::kOk:
      return Val::ok();
    case StreamStatus::kClosed:
      return Val::err(Val::variant(1));
    case StreamStatus::kFailed:
      break;
  }
  P2_TRY(uint32_t rep,
         call.resources().add(io.error, std::make_unique<IoError>(status.error, status.fs_code)));
  return Val::err(Val::variant(0, Val::own(rep)));
}

}  // namespace tern::wasi2
