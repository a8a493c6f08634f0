// WASI host unit tests: calls driven over a plain byte buffer (the "null guest"), plus one module
// run through the engine to check the bindings.
#include "wasi/wasi.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "compile/vm_abi.h"
#include "compile/wat.h"
#include "instance/engine.h"
#include "wasi/syscalls.h"
#include "wasi/sandbox_path.h"

namespace tern::wasi {
namespace {

namespace fs = std::filesystem;

// Guest memory for the null guest, with helpers that lay out arguments like a compiler would.
class Mem {
 public:
  Mem() : bytes_(1 << 16), m_(bytes_) {}
  const GuestMemory& m() const { return m_; }
  uint32_t put(std::string_view s, uint32_t at) {
    std::memcpy(bytes_.data() + at, s.data(), s.size());
    return at;
  }
  // One iovec at `at` pointing at `buf_at` of `len` bytes.
  uint32_t iov(uint32_t at, uint32_t buf_at, uint32_t len) {
    std::memcpy(bytes_.data() + at, &buf_at, 4);
    std::memcpy(bytes_.data() + at + 4, &len, 4);
    return at;
  }
  template <class T>
  T get(uint32_t at) const {
    T v;
    std::memcpy(&v, bytes_.data() + at, sizeof v);
    return v;
  }
  template <class T>
  void set(uint32_t at, T v) {
    std::memcpy(bytes_.data() + at, &v, sizeof v);
  }
  std::string str(uint32_t at, uint32_t len) const {
    return std::string(reinterpret_cast<const char*>(bytes_.data() + at), len);
  }

 private:
  std::vector<uint8_t> bytes_;
  GuestMemory m_;
};

Errno ok(const Result<Errno>& r) {
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().toString());
  return r.value_or(Errno::kIo);
}

std::unique_ptr<WasiContext> makeContext(WasiOptions o) {
  auto ctx = WasiContext::create(std::move(o));
  EXPECT_TRUE(ctx.has_value()) << (ctx ? "" : ctx.error().toString());
  return ctx ? std::move(*ctx) : nullptr;
}

TEST(SyscallsTest, ArgsAndEnvironLayout) {
  WasiOptions o;
  o.args = {"prog", "a b", ""};
  o.env = {"K=V", "EMPTY="};
  auto ctx = makeContext(o);
  Syscalls& h = ctx->syscalls();
  Mem mem;
  EXPECT_EQ(ok(h.argsSizesGet(mem.m(), 0, 4)), Errno::kSuccess);
  EXPECT_EQ(mem.get<uint32_t>(0), 3u);
  EXPECT_EQ(mem.get<uint32_t>(4), 5u + 4u + 1u);
  EXPECT_EQ(ok(h.argsGet(mem.m(), 100, 200)), Errno::kSuccess);
  EXPECT_EQ(mem.get<uint32_t>(100), 200u);
  EXPECT_EQ(mem.str(mem.get<uint32_t>(104), 4), std::string("a b\0", 4));
  EXPECT_EQ(mem.get<uint8_t>(mem.get<uint32_t>(108)), 0);
  EXPECT_EQ(ok(h.environSizesGet(mem.m(), 0, 4)), Errno::kSuccess);
  EXPECT_EQ(mem.get<uint32_t>(0), 2u);
  EXPECT_EQ(ok(h.environGet(mem.m(), 300, 400)), Errno::kSuccess);
  EXPECT_EQ(mem.str(mem.get<uint32_t>(304), 7), std::string("EMPTY=\0", 7));
}

TEST(SyscallsTest, OutOfBoundsPointersTrap) {
  auto ctx = makeContext({});
  Mem mem;
  auto r = ctx->syscalls().argsSizesGet(mem.m(), 65534, 0);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kTrap);
  EXPECT_EQ(r.error().detail, static_cast<int32_t>(vm::TrapKind::kMemoryOutOfBounds));
  // So does an iovec whose buffer runs past the end of memory.
  mem.iov(0, 65530, 100);
  auto w = ctx->syscalls().fdWrite(mem.m(), 1, 0, 1, 16);
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().code, ErrorCode::kTrap);
  // No memory at all: the first access traps.
  auto none = ctx->syscalls().clockTimeGet(GuestMemory(), abi::kClockMonotonic, 0, 0);
  ASSERT_FALSE(none.has_value());
}

TEST(SyscallsTest, CapturedOutputIsCappedAndFlagged) {
  WasiOptions o;
  o.stdout_options = {OutputMode::kCapture, ByteSize{8}};
  o.stderr_options = {OutputMode::kDiscard, ByteSize{0}};
  auto ctx = makeContext(o);
  Mem mem;
  mem.put("hello, world", 100);
  mem.iov(0, 100, 5);
  mem.iov(8, 105, 7);
  EXPECT_EQ(ok(ctx->syscalls().fdWrite(mem.m(), 1, 0, 2, 16)), Errno::kSuccess);
  EXPECT_EQ(mem.get<uint32_t>(16), 12u);  // the guest sees everything accepted
  EXPECT_EQ(ctx->capturedStdout(), "hello, w");
  EXPECT_TRUE(ctx->stdoutTruncated());
  EXPECT_EQ(ok(ctx->syscalls().fdWrite(mem.m(), 2, 0, 2, 16)), Errno::kSuccess);
  EXPECT_EQ(ctx->capturedStderr(), "");
  EXPECT_FALSE(ctx->stderrTruncated());
}

TEST(SyscallsTest, StdinBytesAndEmptyStdin) {
  WasiOptions o;
  o.stdin_mode = StdinMode::kBytes;
  o.stdin_bytes = "abcdef";
  auto ctx = makeContext(o);
  Mem mem;
  mem.iov(0, 100, 4);
  EXPECT_EQ(ok(ctx->syscalls().fdRead(mem.m(), 0, 0, 1, 16)), Errno::kSuccess);
  EXPECT_EQ(mem.get<uint32_t>(16), 4u);
  EXPECT_EQ(mem.str(100, 4), "abcd");
  EXPECT_EQ(ok(ctx->syscalls().fdRead(mem.m(), 0, 0, 1, 16)), Errno::kSuccess);
  EXPECT_EQ(mem.get<uint32_t>(16), 2u);
  EXPECT_EQ(ok(ctx->syscalls().fdRead(mem.m(), 0, 0, 1, 16)), Errno::kSuccess);
  EXPECT_EQ(mem.get<uint32_t>(16), 0u);  // end of file
  auto empty = makeContext({});
  EXPECT_EQ(ok(empty->syscalls().fdRead(mem.m(), 0, 0, 1, 16)), Errno::kSuccess);
  EXPECT_EQ(mem.get<uint32_t>(16), 0u);
}

TEST(SyscallsTest, ProcExitAndRaise) {
  auto ctx = makeContext({});
  auto e = ctx->syscalls().procExit(42);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, ErrorCode::kExit);
  EXPECT_EQ(e.error().detail, 42);
  auto r = ctx->syscalls().procRaise(6);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kTrap);
}

TEST(SyscallsTest, FdTableBasics) {
  auto ctx = makeContext({});
  Syscalls& h = ctx->syscalls();
  EXPECT_EQ(ok(h.fdClose(7)), Errno::kBadf);
  EXPECT_EQ(ok(h.fdRenumber(1, 9)), Errno::kBadf);
  EXPECT_EQ(ok(h.fdRenumber(2, 1)), Errno::kSuccess);
  EXPECT_EQ(ok(h.fdClose(2)), Errno::kBadf);
  EXPECT_EQ(ok(h.fdClose(1)), Errno::kSuccess);
  EXPECT_EQ(ok(h.sockShutdown(0, abi::kSdflagRd)), Errno::kNotsock);
  EXPECT_EQ(ok(h.sockShutdown(5, abi::kSdflagRd)), Errno::kBadf);
}

TEST(SyscallsTest, PollClockAndReadyStdin) {
  WasiOptions o;
  o.stdin_mode = StdinMode::kBytes;
  o.stdin_bytes = "xyz";
  auto ctx = makeContext(o);
  Mem mem;
  EXPECT_EQ(ok(ctx->syscalls().pollOneoff(mem.m(), 0, 1000, 0, 2000)), Errno::kInval);
  // One relative monotonic clock of 20 ms.
  mem.set<uint64_t>(0 + abi::subscription::kUserdata, 77);
  mem.set<uint8_t>(0 + abi::subscription::kTag, abi::kEventClock);
  mem.set<uint32_t>(0 + abi::subscription::kClockId, abi::kClockMonotonic);
  mem.set<uint64_t>(0 + abi::subscription::kClockTimeout, 20'000'000);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(ok(ctx->syscalls().pollOneoff(mem.m(), 0, 1000, 1, 2000)), Errno::kSuccess);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(20));
  EXPECT_EQ(mem.get<uint32_t>(2000), 1u);
  EXPECT_EQ(mem.get<uint64_t>(1000 + abi::event::kUserdata), 77u);
  EXPECT_EQ(mem.get<uint8_t>(1000 + abi::event::kType), abi::kEventClock);
  // Add a read subscription on stdin: it is ready at once and the clock is not.
  mem.set<uint64_t>(48 + abi::subscription::kUserdata, 88);
  mem.set<uint8_t>(48 + abi::subscription::kTag, abi::kEventFdRead);
  mem.set<uint32_t>(48 + abi::subscription::kFd, 0);
  mem.set<uint64_t>(0 + abi::subscription::kClockTimeout, 10'000'000'000);
  EXPECT_EQ(ok(ctx->syscalls().pollOneoff(mem.m(), 0, 1000, 2, 2000)), Errno::kSuccess);
  EXPECT_EQ(mem.get<uint32_t>(2000), 1u);
  EXPECT_EQ(mem.get<uint64_t>(1000 + abi::event::kUserdata), 88u);
  EXPECT_EQ(mem.get<uint64_t>(1000 + abi::event::kNbytes), 3u);
}

TEST(SyscallsTest, PollStopsAtTheRequestDeadline) {
  auto ctx = makeContext(WasiOptions{});
  Mem mem;
  mem.set<uint8_t>(abi::subscription::kTag, abi::kEventClock);
  mem.set<uint32_t>(abi::subscription::kClockId, abi::kClockMonotonic);
  mem.set<uint64_t>(abi::subscription::kClockTimeout, 60'000'000'000);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(30);
  auto r = ctx->syscalls().pollOneoff(mem.m(), 0, 1000, 1, 2000, deadline);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().detail, static_cast<int32_t>(vm::TrapKind::kDeadline));
}

// ---- file system: sandboxed paths, rights, directory listing ----

class WasiFsTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    sandbox::forceManualWalkForTesting(GetParam());
    root_ = fs::temp_directory_path() / ("tern-wasi-unit-" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "box" / "sub");
    fs::create_directories(root_ / "ro");
    std::ofstream(root_ / "secret") << "secret";
    std::ofstream(root_ / "box" / "file") << "data";
    std::ofstream(root_ / "ro" / "file") << "ro";
    fs::create_symlink("../secret", root_ / "box" / "out");
    fs::create_symlink("/etc/passwd", root_ / "box" / "abs");
    fs::create_symlink("file", root_ / "box" / "in");
    fs::create_symlink("sub/../file", root_ / "box" / "in2");
    fs::create_symlink("loop", root_ / "box" / "loop");
    fs::create_symlink("../newfile", root_ / "box" / "dangling_out");
    WasiOptions o;
    o.preopens = {{(root_ / "box").string(), "/box", false},
                  {(root_ / "ro").string(), "/ro", true}};
    ctx_ = makeContext(o);
  }
  void TearDown() override {
    sandbox::forceManualWalkForTesting(false);
    EXPECT_FALSE(fs::exists(root_ / "newfile"));
    fs::remove_all(root_);
  }
  // path_open on fd 3 (/box) or 4 (/ro); returns the errno and leaves the new fd at mem[16].
  Errno open(std::string_view path, uint32_t oflags = 0, uint64_t base = abi::kRightFdRead,
             uint32_t dirflags = abi::kLookupSymlinkFollow, uint32_t dir = 3) {
    mem_.put(path, 1000);
    return ok(ctx_->syscalls().pathOpen(mem_.m(), dir, dirflags, 1000,
                                    static_cast<uint32_t>(path.size()), oflags, base, 0, 0, 16));
  }
  std::string readAll(uint32_t fd) {
    mem_.iov(0, 4000, 100);
    EXPECT_EQ(ok(ctx_->syscalls().fdRead(mem_.m(), fd, 0, 1, 8)), Errno::kSuccess);
    return mem_.str(4000, mem_.get<uint32_t>(8));
  }

  fs::path root_;
  std::unique_ptr<WasiContext> ctx_;
  Mem mem_;
};

TEST_P(WasiFsTest, PathsStayBeneathThePreopen) {
  EXPECT_EQ(open("file"), Errno::kSuccess);
  EXPECT_EQ(readAll(mem_.get<uint32_t>(16)), "data");
  EXPECT_EQ(open("sub/../file"), Errno::kSuccess);
  EXPECT_EQ(open("in"), Errno::kSuccess);
  EXPECT_EQ(open("in2"), Errno::kSuccess);
  EXPECT_EQ(open("sub/"), Errno::kSuccess);
  EXPECT_EQ(open("../secret"), Errno::kPerm);
  EXPECT_EQ(open("sub/../../secret"), Errno::kPerm);
  EXPECT_EQ(open("/etc/passwd"), Errno::kPerm);
  EXPECT_EQ(open("out"), Errno::kPerm);
  EXPECT_EQ(open("abs"), Errno::kPerm);
  EXPECT_EQ(open("dangling_out", abi::kOflagCreat, abi::kRightFdWrite), Errno::kPerm);
  EXPECT_EQ(open("out", 0, abi::kRightFdRead, 0), Errno::kLoop);  // no-follow on a symlink
  EXPECT_EQ(open("loop"), Errno::kLoop);
  EXPECT_EQ(open("file/"), Errno::kNotdir);
  EXPECT_EQ(open("missing"), Errno::kNoent);
  EXPECT_EQ(open(""), Errno::kNoent);
  EXPECT_EQ(open(std::string_view("file\0x", 6)), Errno::kInval);
  EXPECT_EQ(open("\xff"), Errno::kIlseq);
}

TEST_P(WasiFsTest, ReadOnlyPreopenAndRights) {
  EXPECT_EQ(open("file", 0, abi::kRightFdRead, abi::kLookupSymlinkFollow, 4), Errno::kSuccess);
  uint32_t fd = mem_.get<uint32_t>(16);
  EXPECT_EQ(readAll(fd), "ro");
  mem_.iov(0, 4000, 1);
  EXPECT_EQ(ok(ctx_->syscalls().fdWrite(mem_.m(), fd, 0, 1, 8)), Errno::kBadf);
  EXPECT_EQ(open("file", 0, abi::kRightFdWrite, 0, 4), Errno::kPerm);
  EXPECT_EQ(open("new", abi::kOflagCreat, 0, 0, 4), Errno::kPerm);
  EXPECT_EQ(open("file", abi::kOflagTrunc, 0, 0, 4), Errno::kPerm);
  mem_.put("d", 1000);
  EXPECT_EQ(ok(ctx_->syscalls().pathCreateDirectory(mem_.m(), 4, 1000, 1)), Errno::kPerm);
  mem_.put("file", 1000);
  EXPECT_EQ(ok(ctx_->syscalls().pathUnlinkFile(mem_.m(), 4, 1000, 4)), Errno::kPerm);
  EXPECT_TRUE(fs::exists(root_ / "ro" / "file"));
  // Rights only shrink; a dropped right is enforced.
  EXPECT_EQ(open("file", 0, abi::kRightFdRead | abi::kRightFdSeek), Errno::kSuccess);
  fd = mem_.get<uint32_t>(16);
  EXPECT_EQ(ok(ctx_->syscalls().fdFdstatSetRights(fd, abi::kRightFdRead, 0)), Errno::kSuccess);
  EXPECT_EQ(ok(ctx_->syscalls().fdFdstatSetRights(fd, abi::kRightFdRead | abi::kRightFdWrite, 0)),
            Errno::kNotcapable);
  EXPECT_EQ(ok(ctx_->syscalls().fdSeek(mem_.m(), fd, 0, abi::kWhenceSet, 8)), Errno::kNotcapable);
  EXPECT_EQ(ok(ctx_->syscalls().fdFdstatSetRights(fd, 0, 0)), Errno::kSuccess);
  mem_.iov(0, 4000, 10);
  EXPECT_EQ(ok(ctx_->syscalls().fdRead(mem_.m(), fd, 0, 1, 8)), Errno::kBadf);
}

TEST_P(WasiFsTest, ReaddirWithCookiesAndSmallBuffers) {
  for (int i = 0; i < 20; ++i) std::ofstream(root_ / "box" / "sub" / ("f" + std::to_string(i)));
  ASSERT_EQ(open("sub", abi::kOflagDirectory, abi::kRightFdReaddir), Errno::kSuccess);
  uint32_t fd = mem_.get<uint32_t>(16);
  std::set<std::string> names;
  uint64_t cookie = 0;
  for (int round = 0; round < 100; ++round) {
    constexpr uint32_t kBuf = 100;  // room for about two entries: forces many calls
    ASSERT_EQ(ok(ctx_->syscalls().fdReaddir(mem_.m(), fd, 5000, kBuf, cookie, 8)), Errno::kSuccess);
    uint32_t used = mem_.get<uint32_t>(8);
    uint32_t at = 0;
    while (at + abi::dirent::kSize <= used) {
      uint32_t namlen = mem_.get<uint32_t>(5000 + at + abi::dirent::kNamlen);
      if (at + abi::dirent::kSize + namlen > used) break;  // truncated: ask again from here
      names.insert(mem_.str(5000 + at + abi::dirent::kSize, namlen));
      cookie = mem_.get<uint64_t>(5000 + at + abi::dirent::kNext);
      at += abi::dirent::kSize + namlen;
    }
    if (used < kBuf) break;
  }
  EXPECT_EQ(names.size(), 22u);  // ".", ".." and f0..f19
  EXPECT_TRUE(names.contains("f19"));
}

INSTANTIATE_TEST_SUITE_P(Resolution, WasiFsTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "ManualWalk" : "Openat2"; });

TEST(SyscallsTest, PreopenedSocketAcceptRecvSendShutdown) {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(write(client, "ping", 4), 4);
  WasiOptions o;
  o.listen_sockets = {listener};
  auto ctx = makeContext(o);
  Syscalls& h = ctx->syscalls();
  Mem mem;
  EXPECT_EQ(ok(h.sockAccept(mem.m(), 3, 0, 16)), Errno::kSuccess);
  uint32_t conn = mem.get<uint32_t>(16);
  mem.iov(0, 100, 16);
  EXPECT_EQ(ok(h.sockRecv(mem.m(), conn, 0, 1, 0, 20, 24)), Errno::kSuccess);
  EXPECT_EQ(mem.str(100, mem.get<uint32_t>(20)), "ping");
  mem.put("pong", 200);
  mem.iov(8, 200, 4);
  EXPECT_EQ(ok(h.sockSend(mem.m(), conn, 8, 1, 0, 20)), Errno::kSuccess);
  EXPECT_EQ(ok(h.sockShutdown(conn, abi::kSdflagWr)), Errno::kSuccess);
  char buf[16] = {};
  EXPECT_EQ(read(client, buf, sizeof buf), 4);
  EXPECT_STREQ(buf, "pong");
  EXPECT_EQ(read(client, buf, sizeof buf), 0);  // shut down for writing
  EXPECT_EQ(ok(h.sockRecv(mem.m(), 1, 0, 1, 0, 20, 24)), Errno::kNotsock);
  close(client);
}

// ---- through the engine: bindings, the caller's memory, proc_exit ----

TEST(WasiBindingTest, CommandWritesStdoutAndExits) {
  auto engine = instance::Engine::create({}).value();
  std::string_view text = R"((module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) "hi wasi\n")
    (func (export "_start")
      (i32.store (i32.const 0) (i32.const 16))
      (i32.store (i32.const 4) (i32.const 8))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (call $exit (i32.load (i32.const 8))))))";
  auto wasm = compile::watToWasm(
      "t.wat", std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  ASSERT_TRUE(wasm.has_value()) << wasm.error().toString();
  auto module = engine->compile(*wasm);
  ASSERT_TRUE(module.has_value()) << module.error().toString();
  WasiOptions o;
  o.stdout_options.mode = OutputMode::kCapture;
  auto ctx = makeContext(o);
  instance::Store store(*engine);
  instance::Linker linker;
  defineWasi(linker, *ctx);
  auto inst = linker.instantiate(store, *module);
  ASSERT_TRUE(inst.has_value()) << inst.error().toString();
  auto r = store.call((*inst)->func("_start"), {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kExit);
  EXPECT_EQ(r.error().detail, 8);  // nwritten
  EXPECT_EQ(ctx->capturedStdout(), "hi wasi\n");
}

TEST(WasiBindingTest, OneLinkerServesManyStoresThroughUserData) {
  auto engine = instance::Engine::create({}).value();
  std::string_view text = R"((module
    (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "argc") (result i32)
      (drop (call $sizes (i32.const 0) (i32.const 4))) (i32.load (i32.const 0)))))";
  auto wasm = compile::watToWasm(
      "t.wat", std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  ASSERT_TRUE(wasm.has_value()) << wasm.error().toString();
  auto module = engine->compile(*wasm).value();
  instance::Linker linker;
  defineWasi(linker);  // no context bound: each store brings its own
  for (int argc = 1; argc <= 3; ++argc) {
    WasiOptions o;
    o.args.assign(argc, "x");
    auto ctx = makeContext(o);
    instance::RequestContext request;
    request.wasi = ctx.get();
    instance::Store store(*engine);
    store.setContext(&request);
    auto inst = linker.instantiate(store, module).value();
    EXPECT_EQ(store.call(inst->func("argc"), {}).value()[0].asI32(), argc);
  }
  instance::Store bare(*engine);
  auto inst = linker.instantiate(bare, module).value();
  auto r = bare.call(inst->func("argc"), {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kTrap);
}

}  // namespace
}  // namespace tern::wasi
