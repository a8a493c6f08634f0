// Engine unit tests: compile, call, traps, deadlines, memory caps, host functions, the cache.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "compile/wat.h"
#include "instance/engine.h"
#include "instance/host_func.h"

namespace tern::instance {
namespace {

std::vector<uint8_t> wat(std::string_view text) {
  auto bytes = compile::watToWasm("test.wat", std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  EXPECT_TRUE(bytes.has_value()) << (bytes ? "" : bytes.error().toString());
  return bytes.value_or(std::vector<uint8_t>{});
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { engine_ = Engine::create({}).value(); }

  Instance* load(std::string_view text, Store& store, Linker& linker) {
    auto module = engine_->compile(wat(text));
    EXPECT_TRUE(module.has_value()) << (module ? "" : module.error().toString());
    if (!module) return nullptr;
    auto inst = linker.instantiate(store, *module);
    EXPECT_TRUE(inst.has_value()) << (inst ? "" : inst.error().toString());
    return inst ? *inst : nullptr;
  }

  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, CallsAnExportedFunction) {
  Store store(*engine_);
  Linker linker;
  auto* inst = load(R"((module (func (export "add") (param i32 i32) (result i32)
                          (i32.add (local.get 0) (local.get 1)))))", store, linker);
  ASSERT_NE(inst, nullptr);
  auto r = store.call(inst->func("add"), std::vector{Value::i32(40), Value::i32(2)});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ((*r)[0].asI32(), 42);
}

TEST_F(EngineTest, TrapsAreTypedErrorsAndTheStoreStaysUsable) {
  Store store(*engine_);
  Linker linker;
  auto* inst = load(R"((module (memory 1)
      (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
      (func (export "oob") (result i32) (i32.load (i32.const 65536)))
      (func (export "unreachable") unreachable)
      (func $rec (export "rec") (call $rec))))", store, linker);
  ASSERT_NE(inst, nullptr);
  auto expectTrap = [&](const char* name, std::vector<Value> args, vm::TrapKind kind) {
    auto r = store.call(inst->func(name), args);
    ASSERT_FALSE(r.has_value()) << name;
    EXPECT_EQ(r.error().code, ErrorCode::kTrap) << name;
    EXPECT_EQ(r.error().detail, static_cast<int32_t>(kind)) << name << ": " << r.error().message;
  };
  expectTrap("div", {Value::i32(1), Value::i32(0)}, vm::TrapKind::kIntegerDivideByZero);
  expectTrap("div", {Value::i32(INT32_MIN), Value::i32(-1)}, vm::TrapKind::kIntegerOverflow);
  expectTrap("oob", {}, vm::TrapKind::kMemoryOutOfBounds);
  expectTrap("unreachable", {}, vm::TrapKind::kUnreachable);
  expectTrap("rec", {}, vm::TrapKind::kStackExhausted);
  auto ok = store.call(inst->func("div"), std::vector{Value::i32(9), Value::i32(3)});
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ((*ok)[0].asI32(), 3);
}

TEST_F(EngineTest, DeadlineStopsAnInfiniteLoop) {
  Store store(*engine_, StoreLimits{.deadline = std::chrono::milliseconds(20)});
  Linker linker;
  auto* inst = load(R"((module (func (export "spin") (loop (br 0)))))", store, linker);
  ASSERT_NE(inst, nullptr);
  auto start = std::chrono::steady_clock::now();
  auto r = store.call(inst->func("spin"), {});
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().detail, static_cast<int32_t>(vm::TrapKind::kDeadline));
  EXPECT_LT(elapsed, std::chrono::milliseconds(20 + 200));  // generous: CI machines are noisy
}

TEST_F(EngineTest, MemoryCapMakesGrowFail) {
  Store store(*engine_, StoreLimits{.max_memory_bytes = 4 * 65536});
  Linker linker;
  auto* inst = load(R"((module (memory 1)
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))))", store, linker);
  ASSERT_NE(inst, nullptr);
  EXPECT_EQ(store.call(inst->func("grow"), std::vector{Value::i32(3)}).value()[0].asI32(), 1);
  EXPECT_EQ(store.call(inst->func("grow"), std::vector{Value::i32(1)}).value()[0].asI32(), -1);
}

TEST_F(EngineTest, TypedHostFunctionsAndLinkErrors) {
  Store store(*engine_);
  Linker linker;
  defineFunc(linker, "env", "mul", [](Caller&, int64_t a, int64_t b) -> int64_t { return a * b; });
  defineFunc(linker, "env", "fail", [](Caller&) -> Result<void> {
    return fail(ErrorCode::kInvalidArgument, "no");
  });
  auto* inst = load(R"((module (import "env" "mul" (func $mul (param i64 i64) (result i64)))
      (import "env" "fail" (func $fail))
      (func (export "sq") (param i64) (result i64) (call $mul (local.get 0) (local.get 0)))
      (func (export "boom") (call $fail))))", store, linker);
  ASSERT_NE(inst, nullptr);
  EXPECT_EQ(store.call(inst->func("sq"), std::vector{Value::i64(12)}).value()[0].asI64(), 144);
  auto boom = store.call(inst->func("boom"), {});
  ASSERT_FALSE(boom.has_value());
  EXPECT_EQ(boom.error().detail, static_cast<int32_t>(vm::TrapKind::kHost));

  auto missing = engine_->compile(wat(R"((module (import "env" "nope" (func))))"));
  ASSERT_TRUE(missing.has_value());
  auto r = linker.instantiate(store, *missing);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnlinkable);
  EXPECT_NE(r.error().message.find("\"env\" \"nope\""), std::string::npos);
}

TEST_F(EngineTest, MalformedAndInvalidModulesAreErrors) {
  std::vector<uint8_t> junk = {0, 'a', 's', 'm', 1, 0, 0, 0, 0xff, 0xff};
  auto r = engine_->compile(junk);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kMalformed);
  EXPECT_NE(r.error().message.find("0x"), std::string::npos);
  auto invalid = engine_->compile(wat("(module (func (result i32) (i64.const 1)))"));
  ASSERT_FALSE(invalid.has_value());
  EXPECT_EQ(invalid.error().code, ErrorCode::kInvalid);
}

TEST_F(EngineTest, DataSegmentsAreVisibleAndResetBetweenInstances) {
  auto module = engine_->compile(wat(R"((module (memory (export "memory") 1)
      (data (i32.const 100) "hello")
      (func (export "poke") (i32.store8 (i32.const 100) (i32.const 74)))
      (func (export "peek") (result i32) (i32.load8_u (i32.const 100)))))"));
  ASSERT_TRUE(module.has_value());
  for (int round = 0; round < 3; ++round) {
    Store store(*engine_);
    Linker linker;
    auto inst = linker.instantiate(store, *module).value();
    EXPECT_EQ(store.call(inst->func("peek"), {}).value()[0].asI32(), 'h');
    ASSERT_TRUE(store.call(inst->func("poke"), {}).has_value());
    EXPECT_EQ(store.call(inst->func("peek"), {}).value()[0].asI32(), 'J');
  }
}

TEST_F(EngineTest, ManyThreadsRunManyInstances) {
  auto module = engine_->compile(wat(R"((module (memory 1)
      (func (export "sum") (param i32) (result i32) (local i32)
        (block (loop (br_if 1 (i32.eqz (local.get 0)))
          (local.set 1 (i32.add (local.get 1) (local.get 0)))
          (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br 0)))
        (local.get 1))
      (func (export "oob") (result i32) (i32.load (i32.const -1)))))"));
  ASSERT_TRUE(module.has_value());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        Store store(*engine_);
        Linker linker;
        auto inst = linker.instantiate(store, *module);
        if (!inst) { ++failures; continue; }
        auto r = store.call((*inst)->func("sum"), std::vector{Value::i32(100)});
        if (!r || (*r)[0].asI32() != 5050) ++failures;
        if (store.call((*inst)->func("oob"), {}).has_value()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(EngineTest, ArtifactCacheHitsAndRejectsCorruption) {
  auto dir = std::filesystem::temp_directory_path() / ("tern-cache-test-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  auto cached = Engine::create({.cache_dir = dir.string()}).value();
  auto bytes = wat(R"((module (func (export "f") (result i32) (i32.const 7))))");
  auto first = cached->compile(bytes).value();
  EXPECT_FALSE(first->stats().cache_hit);
  auto second = cached->compile(bytes).value();
  EXPECT_TRUE(second->stats().cache_hit);
  // Corrupt one byte in the middle: the artifact must be rejected and rebuilt, never executed.
  std::string path = second->stats().cache_path;
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(path) / 2));
    f.put('\x5a');
  }
  auto third = cached->compile(bytes).value();
  EXPECT_FALSE(third->stats().cache_hit);
  std::filesystem::resize_file(path, 40);  // truncated
  auto fourth = cached->compile(bytes).value();
  EXPECT_FALSE(fourth->stats().cache_hit);
  Store store(*cached);
  Linker linker;
  auto inst = linker.instantiate(store, fourth).value();
  EXPECT_EQ(store.call(inst->func("f"), {}).value()[0].asI32(), 7);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tern::instance
