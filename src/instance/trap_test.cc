// Trap backtrace tests: function names, exact Wasm offsets of the trapping instruction and of
// each call site, for explicit traps, memory faults, host traps, deadlines, stack exhaustion,
// optimised code and cached artifacts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "compile/loaded_code.h"
#include "compile/wat.h"
#include "instance/engine.h"
#include "instance/host_func.h"
#include "instance/trap_backtrace.h"

namespace tern::instance {
namespace {

std::vector<uint8_t> wat(std::string_view text) {
  auto bytes = compile::watToWasm(
      "test.wat", std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  EXPECT_TRUE(bytes.has_value()) << (bytes ? "" : bytes.error().toString());
  return bytes.value_or(std::vector<uint8_t>{});
}

// Module offset of byte `at` of the only occurrence of `pattern` in `wasm` (an instruction
// sequence the test module contains once), as "0x..".
std::string offsetOf(const std::vector<uint8_t>& wasm, std::vector<uint8_t> pattern, size_t at) {
  auto it = std::search(wasm.begin(), wasm.end(), pattern.begin(), pattern.end());
  EXPECT_NE(it, wasm.end());
  EXPECT_EQ(std::search(it + 1, wasm.end(), pattern.begin(), pattern.end()), wasm.end())
      << "pattern occurs twice";
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%zx", static_cast<size_t>(it - wasm.begin()) + at);
  return buf;
}

class TrapTest : public ::testing::Test {
 protected:
  void SetUp() override { engine_ = Engine::create({}).value(); }

  Error trapOf(Engine& engine, const std::vector<uint8_t>& wasm, const char* name,
               std::vector<Value> args, OptLevel level = OptLevel::kFast, StoreLimits limits = {}) {
    auto module = engine.compile(wasm, level);
    EXPECT_TRUE(module.has_value()) << (module ? "" : module.error().toString());
    if (!module) return Error{ErrorCode::kInvalid, "no module"};
    Store store(engine, limits);
    auto inst = linker_.instantiate(store, *module);
    EXPECT_TRUE(inst.has_value()) << (inst ? "" : inst.error().toString());
    if (!inst) return inst.error();
    auto r = store.call((*inst)->func(name), args);
    EXPECT_FALSE(r.has_value()) << name << " did not trap";
    return r ? Error{ErrorCode::kInvalid, "no trap"} : r.error();
  }

  std::unique_ptr<Engine> engine_;
  Linker linker_;
};

constexpr std::string_view kDivide = R"((module
  (func $inner (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $outer (export "outer") (param i32 i32) (result i32)
    (call $inner (local.get 0) (local.get 1)))))";

std::string divideBacktrace(const std::vector<uint8_t>& w) {
  return "integer divide by zero\n  0: inner [func 0 @" +
         offsetOf(w, {0x20, 0x00, 0x20, 0x01, 0x6d}, 4) + "]\n  1: outer [func 1 @" +
         offsetOf(w, {0x20, 0x00, 0x20, 0x01, 0x10, 0x00}, 4) + "]";
}

TEST_F(TrapTest, ExplicitTrapNamesEachFrameWithItsInstructionOffset) {
  auto w = wat(kDivide);
  Error e = trapOf(*engine_, w, "outer", {Value::i32(1), Value::i32(0)});
  EXPECT_EQ(e.code, ErrorCode::kTrap);
  EXPECT_EQ(e.detail, static_cast<int32_t>(vm::TrapKind::kIntegerDivideByZero));
  EXPECT_EQ(e.message, divideBacktrace(w));
  // The other trap of the same instruction has its own site too.
  Error o = trapOf(*engine_, w, "outer", {Value::i32(INT32_MIN), Value::i32(-1)});
  EXPECT_EQ(o.message.substr(0, o.message.find('\n')), "integer overflow");
  EXPECT_EQ(o.message.substr(o.message.find('\n')), divideBacktrace(w).substr(22));
}

TEST_F(TrapTest, OptimisedCodeStillNamesTheTrappingInstruction) {
  auto w = wat(kDivide);
  Error e = trapOf(*engine_, w, "outer", {Value::i32(1), Value::i32(0)}, OptLevel::kOptimized);
  // `inner` may be inlined into `outer`; the innermost frame is still the division.
  std::string want = "integer divide by zero\n  0: inner [func 0 @" +
                     offsetOf(w, {0x20, 0x00, 0x20, 0x01, 0x6d}, 4) + "]";
  EXPECT_EQ(e.message.substr(0, want.size()), want);
}

TEST_F(TrapTest, MemoryFaultNamesTheLoad) {
  auto w = wat(R"((module (memory 1)
    (func $load (param i32) (result i32) (i32.load offset=4 (local.get 0)))
    (func $caller (export "caller") (param i32) (result i32)
      (i32.add (i32.const 1) (call $load (local.get 0))))))");
  Error e = trapOf(*engine_, w, "caller", {Value::i32(65534)});
  EXPECT_EQ(e.detail, static_cast<int32_t>(vm::TrapKind::kMemoryOutOfBounds));
  EXPECT_EQ(e.message, "out of bounds memory access\n  0: load [func 0 @" +
                           offsetOf(w, {0x20, 0x00, 0x28, 0x02, 0x04}, 2) +
                           "]\n  1: caller [func 1 @" + offsetOf(w, {0x20, 0x00, 0x10, 0x00}, 2) +
                           "]");
}

TEST_F(TrapTest, UnnamedFunctionsShowTheirIndex) {
  auto w = wat(R"((module (func (export "f") nop unreachable)))");
  Error e = trapOf(*engine_, w, "f", {});
  EXPECT_EQ(e.message, "unreachable executed\n  0: <unnamed> [func 0 @" +
                           offsetOf(w, {0x01, 0x00, 0x0b}, 1) + "]");
}

TEST_F(TrapTest, HostTrapShowsTheGuestCallSite) {
  defineFunc(linker_, "env", "fail",
             [](Caller&) -> Result<void> { return fail(ErrorCode::kInvalidArgument, "no"); });
  auto w = wat(R"((module (import "env" "fail" (func $fail))
    (func $guest (export "guest") nop (call $fail))))");
  Error e = trapOf(*engine_, w, "guest", {});
  EXPECT_EQ(e.detail, static_cast<int32_t>(vm::TrapKind::kHost));
  EXPECT_EQ(e.message, "host function failed: tern: invalid argument: no\n  0: guest [func 1 @" +
                           offsetOf(w, {0x01, 0x10, 0x00}, 1) + "]");
}

TEST_F(TrapTest, DeadlineNamesTheLoop) {
  auto w = wat(R"((module (func $spin (export "spin") (loop $l (br $l)))))");
  Error e = trapOf(*engine_, w, "spin", {}, OptLevel::kFast,
                   StoreLimits{.deadline = std::chrono::milliseconds(20)});
  EXPECT_EQ(e.message, "deadline exceeded\n  0: spin [func 0 @" +
                           offsetOf(w, {0x03, 0x40, 0x0c, 0x00, 0x0b}, 0) + "]");
}

TEST_F(TrapTest, StackExhaustionKeepsTheInnermostFramesAndCountsTheRest) {
  auto w = wat(R"((module (func $rec (export "rec") (call $rec))))");
  Error e = trapOf(*engine_, w, "rec", {});
  EXPECT_EQ(e.detail, static_cast<int32_t>(vm::TrapKind::kStackExhausted));
  // Frame 0 is the entry check (the body's offset: its locals vector), then the call sites.
  std::string body = offsetOf(w, {0x00, 0x10, 0x00, 0x0b}, 0);
  std::string call = offsetOf(w, {0x00, 0x10, 0x00, 0x0b}, 1);
  std::string want = "call stack exhausted\n  0: rec [func 0 @" + body + "]";
  for (uint32_t i = 1; i < kMaxTrapFrames; ++i) {
    want += "\n  " + std::to_string(i) + ": rec [func 0 @" + call + "]";
  }
  ASSERT_EQ(e.message.substr(0, want.size()), want);
  std::string rest = e.message.substr(want.size());
  EXPECT_TRUE(rest.starts_with("\n  ... ") && rest.ends_with(" more frames")) << rest;
  EXPECT_GT(std::stoul(rest.substr(7)), 1000u);
}

TEST_F(TrapTest, CachedArtifactsGiveTheSameBacktrace) {
  auto dir =
      std::filesystem::temp_directory_path() / ("tern-trap-test-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  auto w = wat(kDivide);
  for (int round = 0; round < 2; ++round) {
    auto engine = Engine::create({.cache_dir = dir.string()}).value();
    auto module = engine->compile(w);
    ASSERT_TRUE(module.has_value());
    EXPECT_EQ((*module)->stats().cache_hit, round == 1);
    Error e = trapOf(*engine, w, "outer", {Value::i32(1), Value::i32(0)});
    EXPECT_EQ(e.message, divideBacktrace(w)) << "round " << round;
  }
  std::filesystem::remove_all(dir);
}

TEST_F(TrapTest, UnloadedModulesLeaveTheCodeRegistry) {
  // Regression: a module without code once stayed registered after unloading, and a later
  // object at the same address then matched a stale slot (found by fuzz_replay_spec_modules).
  size_t before = compile::LoadedCode::registeredCount();
  for (int i = 0; i < 20; ++i) {
    auto empty = engine_->compile(wat("(module)"));
    ASSERT_TRUE(empty.has_value());
    auto full = engine_->compile(wat(kDivide));
    ASSERT_TRUE(full.has_value());
    EXPECT_EQ(compile::LoadedCode::registeredCount(), before + 2);
  }
  EXPECT_EQ(compile::LoadedCode::registeredCount(), before);
  auto w = wat(kDivide);
  EXPECT_EQ(trapOf(*engine_, w, "outer", {Value::i32(1), Value::i32(0)}).message,
            divideBacktrace(w));
}

TEST_F(TrapTest, OneLineJoinsTheFrames) {
  EXPECT_EQ(oneLine("instance: trap: unreachable executed\n  0: f [func 0 @0x1f]\n  1: g [func 1 "
                    "@0x2a]"),
            "instance: trap: unreachable executed | 0: f [func 0 @0x1f] | 1: g [func 1 @0x2a]");
  EXPECT_EQ(oneLine("no frames"), "no frames");
}

}  // namespace
}  // namespace tern::instance
