// Unit tests of the WASI 0.2 host's io, cli, clocks and random interfaces, calling host
// functions directly through ComponentLinker::findFunc with a Session.
#include <chrono>
#include <thread>

#include "compile/vm_abi.h"
#include "wasi2/wasi2_test_util.h"

namespace tern::wasi2::testing {
namespace {

using Clock = std::chrono::steady_clock;
using Mode = WasiP2Output::Mode;

class WasiP2Test : public WasiP2Fixture {
 protected:
  Val stdoutStream() { return ok("wasi:cli/stdout@0.2.12", "get-stdout", {}); }
  Val write(const Val& s, std::string data) {
    return ok(kStreams, "[method]output-stream.write", {Val::borrow(s.rep()), Val::byteList(data)});
  }
};

TEST_F(WasiP2Test, StdoutCaptureTakesWritesAndBlockingWriteAndFlush) {
  ctx_.stdout_output.mode = Mode::kCapture;
  Val out = stdoutStream();
  ASSERT_EQ(out.kind, TypeKind::kOwn);
  Val permit = ok(kStreams, "[method]output-stream.check-write", {Val::borrow(out.rep())});
  ASSERT_TRUE(permit.isOk());
  EXPECT_GE(permit.payload().u, 4096u);
  EXPECT_TRUE(write(out, "hello ").isOk());
  Val r = ok(kStreams, "[method]output-stream.blocking-write-and-flush",
             {Val::borrow(out.rep()), Val::byteList("world\n")});
  EXPECT_TRUE(r.isOk());
  EXPECT_TRUE(
      ok(kStreams, "[method]output-stream.write-zeroes", {Val::borrow(out.rep()), Val::u64(2)})
          .isOk());
  EXPECT_EQ(ctx_.capturedStdout(), std::string("hello world\n\0\0", 14));
  EXPECT_TRUE(ctx_.capturedStderr().empty());
}

TEST_F(WasiP2Test, WriteBeyondCheckWriteTraps) {
  ctx_.stdout_output.mode = Mode::kDiscard;
  Val out = stdoutStream();
  auto r = call(kStreams, "[method]output-stream.write",
                {Val::borrow(out.rep()), Val::byteList(std::string(kMaxStreamChunk + 1, 'x'))});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kTrap);
}

TEST_F(WasiP2Test, CaptureIsCappedAndFlagged) {
  ctx_.stderr_output = {Mode::kCapture, wasi::ByteSize{4}, nullptr};
  Val err = ok("wasi:cli/stderr@0.2.12", "get-stderr", {});
  EXPECT_TRUE(write(err, "abcdefgh").isOk());  // the guest sees its write succeed in full
  EXPECT_EQ(ctx_.capturedStderr(), "abcd");
  EXPECT_TRUE(ctx_.stderrTruncated());
}

TEST_F(WasiP2Test, LineModeCallsBackPerLineAndFlushesTheRest) {
  std::vector<std::string> lines;
  ctx_.stdout_output.mode = Mode::kLines;
  ctx_.stdout_output.cap = wasi::ByteSize{8};
  ctx_.stdout_output.on_line = [&](std::string_view l) { lines.emplace_back(l); };
  Val out = stdoutStream();
  write(out, "one\ntw");
  write(out, "o\n0123456789\nlast");
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "01234567", "89"}));
  ctx_.flushOutput();
  EXPECT_EQ(lines.back(), "last");
}

TEST_F(WasiP2Test, StdinBytesReadThenClosed) {
  ctx_.stdin_mode = wasi::StdinMode::kBytes;
  ctx_.stdin_bytes = "hello";
  Val in = ok("wasi:cli/stdin@0.2.12", "get-stdin", {});
  Val a = ok(kStreams, "[method]input-stream.read", {Val::borrow(in.rep()), Val::u64(3)});
  ASSERT_TRUE(a.isOk());
  EXPECT_EQ(a.payload().bytes, "hel");
  Val s = ok(kStreams, "[method]input-stream.skip", {Val::borrow(in.rep()), Val::u64(1)});
  EXPECT_EQ(s.payload().u, 1u);
  Val b =
      ok(kStreams, "[method]input-stream.blocking-read", {Val::borrow(in.rep()), Val::u64(100)});
  EXPECT_EQ(b.payload().bytes, "o");
  Val c = ok(kStreams, "[method]input-stream.read", {Val::borrow(in.rep()), Val::u64(1)});
  ASSERT_FALSE(c.isOk());
  EXPECT_EQ(c.payload().kind, TypeKind::kVariant);
  EXPECT_EQ(c.payload().disc, 1u);  // stream-error.closed
}

TEST_F(WasiP2Test, EmptyStdinIsClosedAtOnce) {
  Val in = ok("wasi:cli/stdin@0.2.12", "get-stdin", {});
  Val r = ok(kStreams, "[method]input-stream.blocking-read", {Val::borrow(in.rep()), Val::u64(8)});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.payload().disc, 1u);
}

TEST_F(WasiP2Test, EnvironmentAndArguments) {
  ctx_.args = {"app.wasm", "--flag"};
  ctx_.env = {{"A", "1"}, {"B", "two=2"}};
  Val env = ok("wasi:cli/environment@0.2.12", "get-environment", {});
  ASSERT_EQ(env.items.size(), 2u);
  EXPECT_EQ(env.items[1].items[0].bytes, "B");
  EXPECT_EQ(env.items[1].items[1].bytes, "two=2");
  Val args = ok("wasi:cli/environment@0.2.12", "get-arguments", {});
  ASSERT_EQ(args.items.size(), 2u);
  EXPECT_EQ(args.items[1].bytes, "--flag");
  EXPECT_FALSE(ok("wasi:cli/environment@0.2.12", "initial-cwd", {}).isSome());
}

TEST_F(WasiP2Test, ExitEndsTheGuestWithItsStatus) {
  auto r = call("wasi:cli/exit@0.2.12", "exit", {Val::err()});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kExit);
  EXPECT_EQ(r.error().detail, 1);
  EXPECT_EQ(ctx_.exit_code, 1);
  r = call("wasi:cli/exit@0.2.12", "exit", {Val::ok()});
  EXPECT_EQ(r.error().detail, 0);
  r = call("wasi:cli/exit@0.2.12", "exit-with-code", {Val::u8(3)});
  EXPECT_EQ(r.error().code, ErrorCode::kExit);
  EXPECT_EQ(r.error().detail, 3);
  EXPECT_EQ(ctx_.exit_code, 3);
}

TEST_F(WasiP2Test, CapturedStdioIsNoTerminal) {
  ctx_.stdout_output.mode = Mode::kCapture;
  EXPECT_FALSE(ok("wasi:cli/terminal-stdout@0.2.12", "get-terminal-stdout", {}).isSome());
  EXPECT_FALSE(ok("wasi:cli/terminal-stdin@0.2.12", "get-terminal-stdin", {}).isSome());
}

TEST_F(WasiP2Test, VersionsAreMatchedSemverCompatibly) {
  EXPECT_NE(linker_.findFunc("wasi:cli/environment@0.2.0", "get-environment"), nullptr);
  EXPECT_NE(linker_.findFunc("wasi:io/streams@0.2.3", "[method]output-stream.write"), nullptr);
  EXPECT_EQ(linker_.findResource("wasi:io/streams@0.2.0", "input-stream"), io_.input_stream);
}

TEST_F(WasiP2Test, MonotonicClockAndDurationPollable) {
  uint64_t t0 = ok("wasi:clocks/monotonic-clock@0.2.12", "now", {}).u;
  EXPECT_GT(ok("wasi:clocks/monotonic-clock@0.2.12", "resolution", {}).u, 0u);
  Val p = ok("wasi:clocks/monotonic-clock@0.2.12", "subscribe-duration", {Val::u64(20'000'000)});
  EXPECT_FALSE(ok(kPoll, "[method]pollable.ready", {Val::borrow(p.rep())}).b);
  ok(kPoll, "[method]pollable.block", {Val::borrow(p.rep())});
  uint64_t t1 = ok("wasi:clocks/monotonic-clock@0.2.12", "now", {}).u;
  EXPECT_GE(t1 - t0, 20'000'000u);
  EXPECT_TRUE(ok(kPoll, "[method]pollable.ready", {Val::borrow(p.rep())}).b);
}

TEST_F(WasiP2Test, PollReturnsTheReadyIndices) {
  uint64_t now = ok("wasi:clocks/monotonic-clock@0.2.12", "now", {}).u;
  Val late = ok("wasi:clocks/monotonic-clock@0.2.12", "subscribe-instant",
                {Val::u64(now + 10'000'000'000ull)});
  Val soon = ok("wasi:clocks/monotonic-clock@0.2.12", "subscribe-duration", {Val::u64(5'000'000)});
  auto t0 = Clock::now();
  Val ready = ok(kPoll, "poll", {Val::list({Val::borrow(late.rep()), Val::borrow(soon.rep())})});
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(2));
  ASSERT_EQ(ready.items.size(), 1u);
  EXPECT_EQ(ready.items[0].u, 1u);
  ctx_.stdout_output.mode = Mode::kDiscard;
  Val out = stdoutStream();
  Val ready_now = ok(kStreams, "[method]output-stream.subscribe", {Val::borrow(out.rep())});
  Val both =
      ok(kPoll, "poll", {Val::list({Val::borrow(late.rep()), Val::borrow(ready_now.rep())})});
  ASSERT_EQ(both.items.size(), 1u);
  EXPECT_EQ(both.items[0].u, 1u);
}

TEST_F(WasiP2Test, BlockingPastTheDeadlineTraps) {
  request_.deadline = Clock::now() + std::chrono::milliseconds(50);
  Val p =
      ok("wasi:clocks/monotonic-clock@0.2.12", "subscribe-duration", {Val::u64(60'000'000'000ull)});
  auto t0 = Clock::now();
  auto r = call(kPoll, "[method]pollable.block", {Val::borrow(p.rep())});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kTrap);
  EXPECT_EQ(r.error().detail, static_cast<int32_t>(vm::TrapKind::kDeadline));
  auto r2 = call(kPoll, "poll", {Val::list({Val::borrow(p.rep()), Val::borrow(p.rep())})});
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().detail, static_cast<int32_t>(vm::TrapKind::kDeadline));
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(5));
}

TEST_F(WasiP2Test, EmptyPollListTraps) {
  auto r = call(kPoll, "poll", {Val::list({})});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kTrap);
}

TEST_F(WasiP2Test, PollableOutlivesItsStream) {
  ctx_.stdin_mode = wasi::StdinMode::kBytes;
  ctx_.stdin_bytes = "x";
  Val in = ok("wasi:cli/stdin@0.2.12", "get-stdin", {});
  Val p = ok(kStreams, "[method]input-stream.subscribe", {Val::borrow(in.rep())});
  size_t live = resources().live();
  EXPECT_TRUE(resources().remove(io_.input_stream, in.rep()));  // resource.drop of the stream
  EXPECT_EQ(resources().live(), live - 1);
  EXPECT_TRUE(ok(kPoll, "[method]pollable.ready", {Val::borrow(p.rep())}).b);
  // A dropped handle's rep is no longer accepted.
  auto r = call(kStreams, "[method]input-stream.read", {Val::borrow(in.rep()), Val::u64(1)});
  EXPECT_FALSE(r.has_value());
}

TEST_F(WasiP2Test, StreamErrorCarriesAnErrorResource) {
  HostCall hc(session(), nullptr);
  StreamStatus st = StreamStatus::failed("disk on fire");
  st.fs_code = 13;
  Val r = streamError(hc, io_, st).value();
  ASSERT_FALSE(r.isOk());
  ASSERT_EQ(r.payload().disc, 0u);  // last-operation-failed(error)
  uint32_t rep = r.payload().payload().rep();
  EXPECT_EQ(ok(kError, "[method]error.to-debug-string", {Val::borrow(rep)}).bytes, "disk on fire");
  Val code = ok("wasi:filesystem/types@0.2.12", "filesystem-error-code", {Val::borrow(rep)});
  ASSERT_TRUE(code.isSome());
  EXPECT_EQ(code.payload().disc, 13u);
  Val plain = streamError(hc, io_, StreamStatus::failed("other")).value();
  uint32_t rep2 = plain.payload().payload().rep();
  EXPECT_FALSE(
      ok("wasi:filesystem/types@0.2.12", "filesystem-error-code", {Val::borrow(rep2)}).isSome());
  EXPECT_TRUE(streamError(hc, io_, StreamStatus::ok()).value().isOk());
}

TEST_F(WasiP2Test, RandomBytesAndLimits) {
  Val a = ok("wasi:random/random@0.2.12", "get-random-bytes", {Val::u64(32)});
  Val b = ok("wasi:random/random@0.2.12", "get-random-bytes", {Val::u64(32)});
  ASSERT_EQ(a.bytes.size(), 32u);
  EXPECT_NE(a.bytes, b.bytes);
  EXPECT_EQ(
      ok("wasi:random/insecure@0.2.12", "get-insecure-random-bytes", {Val::u64(5)}).bytes.size(),
      5u);
  EXPECT_NE(ok("wasi:random/random@0.2.12", "get-random-u64", {}).u,
            ok("wasi:random/random@0.2.12", "get-random-u64", {}).u);
  auto big = call("wasi:random/random@0.2.12", "get-random-bytes", {Val::u64(kMaxRandomBytes + 1)});
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code, ErrorCode::kTrap);
  Val s1 = ok("wasi:random/insecure-seed@0.2.12", "insecure-seed", {});
  Val s2 = ok("wasi:random/insecure-seed@0.2.12", "insecure-seed", {});
  EXPECT_EQ(s1.items[0].u, s2.items[0].u);
  EXPECT_EQ(s1.items[1].u, s2.items[1].u);
}

TEST_F(WasiP2Test, WallClockIsNearTheSystemClock) {
  Val now = ok("wasi:clocks/wall-clock@0.2.12", "now", {});
  auto sys = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  EXPECT_NEAR(static_cast<double>(now.items[0].u), static_cast<double>(sys), 5.0);
  EXPECT_LT(now.items[1].u, 1'000'000'000u);
}

TEST(WasiP2NoContext, HostFunctionsTrapWithoutAContext) {
  auto engine = instance::Engine::create({}).value();
  ComponentLinker linker;
  defineWasiP2(linker);
  Session session(*engine, {}, nullptr);
  HostCall hc(session, nullptr);
  std::vector<Val> results(1);
  auto r = (*linker.findFunc("wasi:cli/environment@0.2.12", "get-arguments"))(hc, {}, results);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kTrap);
}

}  // namespace
}  // namespace tern::wasi2::testing
