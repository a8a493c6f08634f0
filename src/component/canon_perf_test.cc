// Allocation tests of the canonical ABI (host calls go through it on every request: no heap
// allocation beyond the Val trees themselves) and a micro-benchmark run on demand
// (--gtest_also_run_disabled_tests --gtest_filter='*CanonBench*').
#include <gtest/gtest.h>

#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "component/canon.h"
#include "component/canon_test_util.h"

// ThreadSanitizer's static runtime defines operator new itself: there the counting tests skip.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TERN_NO_NEW_REPLACEMENT 1
#endif
#endif

namespace {
// Counts operator new calls on this thread while counting is on; otherwise plain malloc.
thread_local bool g_counting = false;
thread_local size_t g_allocations = 0;
#ifdef TERN_NO_NEW_REPLACEMENT
constexpr bool kCountsAllocations = false;
#else
constexpr bool kCountsAllocations = true;
#endif
}  // namespace

#ifndef TERN_NO_NEW_REPLACEMENT
// The replacements pair malloc with free; GCC cannot see that operator new is replaced here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t n) {
  if (g_counting) ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop
#endif

namespace tern::component::testing {
namespace {

// Allocations made by `fn` on this thread.
template <class Fn>
size_t allocationsOf(Fn&& fn) {
  g_allocations = 0;
  g_counting = true;
  fn();
  g_counting = false;
  return g_allocations;
}

// Handle conversions without the recording (the benchmark measures the ABI, not the test double).
class FastHandles : public HandleOps {
 public:
  Result<uint32_t> liftOwn(const ResourceType*, uint32_t h) override { return h + 100; }
  Result<uint32_t> liftBorrow(const ResourceType*, uint32_t h) override { return h + 100; }
  Result<uint32_t> lowerOwn(const ResourceType*, uint32_t rep) override { return rep - 100; }
  Result<uint32_t> lowerBorrow(const ResourceType*, uint32_t rep) override { return rep - 100; }
};

class CanonPerfTest : public CanonTest {
 protected:
  void SetUp() override {
    if (!kCountsAllocations) GTEST_SKIP() << "operator new is not replaceable under TSan";
    CanonTest::SetUp();
  }
};

TEST_F(CanonPerfTest, FlatLiftAllocatesOnlyTheValTree) {
  auto& t = types_;
  std::vector<const ValType*> types = {
      t.prim(TypeKind::kU32), t.prim(TypeKind::kS64),
      t.prim(TypeKind::kF32), t.option(t.result(t.prim(TypeKind::kF32), t.prim(TypeKind::kU64))),
      t.enumType(5),          t.borrow(&resource_),
      t.prim(TypeKind::kChar)};
  std::vector<Value> flat = {Value::i32(1), Value::i64(2), Value::f32(3),
                             Value::i32(1), Value::i32(0), Value::i64(0x3fc00000),
                             Value::i32(4), Value::i32(7), Value::i32('x')};
  FastHandles fast;
  CanonContext c{*store_, options_, fast};
  Result<std::vector<Val>> vals;
  size_t n = allocationsOf([&] { vals = liftFlatValues(c, types, flat, kMaxFlatParams); });
  ASSERT_TRUE(vals) << vals.error().message;
  EXPECT_EQ(vals->at(3).payload().payload().f32, 1.5f);
  // The result vector, the option's payload and the result's payload.
  EXPECT_EQ(n, 3u);
}

TEST_F(CanonPerfTest, FlatLowerOfScalarsAndVariantsAllocatesNothing) {
  auto& t = types_;
  std::vector<const ValType*> types = {
      t.prim(TypeKind::kU32), t.prim(TypeKind::kF64),
      t.result(t.prim(TypeKind::kF32), t.prim(TypeKind::kU64)),
      t.variant(
          {t.prim(TypeKind::kU8), t.tuple({t.prim(TypeKind::kF32), t.prim(TypeKind::kF64)})})};
  std::vector<Val> vals = {Val::u32(1), Val::float64(2), Val::ok(Val::float32(1.5f)),
                           Val::variant(1, Val::tuple({Val::float32(1), Val::float64(2)}))};
  std::vector<Value> flat;
  flat.reserve(16);
  auto c = cx();
  Result<void> r;
  size_t n = allocationsOf([&] { r = lowerFlatValues(c, types, vals, kMaxFlatParams, flat); });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(flat.size(), 7u);
  EXPECT_EQ(n, 0u);
}

TEST_F(CanonPerfTest, ByteListsAndStringsAreOneAllocationEach) {
  auto bytes = types_.list(types_.prim(TypeKind::kU8));
  auto str = types_.prim(TypeKind::kString);
  poke<uint32_t>(0, 1024);
  poke<uint32_t>(4, 60000);
  poke<uint32_t>(8, 1024);
  poke<uint32_t>(12, 100);
  std::memset(mem() + 1024, 'a', 60000);
  auto c = cx();
  Result<Val> list, s;
  EXPECT_EQ(allocationsOf([&] { list = load(c, *bytes, 0); }), 1u);
  EXPECT_EQ(allocationsOf([&] { s = load(c, *str, 8); }), 1u);
  ASSERT_TRUE(list && s);
  EXPECT_EQ(list->bytes.size(), 60000u);
  EXPECT_EQ(s->bytes, std::string(100, 'a'));
}

// Thread CPU time per call (not wall time: the benchmark machine may be shared).
template <class Fn>
double nsPerOp(int iterations, Fn&& fn) {
  auto now = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
  };
  double start = now();
  for (int i = 0; i < iterations; ++i) fn();
  return (now() - start) / iterations;
}

// Shapes of real WASI host calls: output-stream.write(borrow, list<u8>) lifted from the guest,
// a 4 KiB read result lowered into it, and fields.entries() (20 headers) lowered.
TEST_F(CanonPerfTest, DISABLED_CanonBench) {
  auto& t = types_;
  auto u8list = t.list(t.prim(TypeKind::kU8));
  auto str = t.prim(TypeKind::kString);
  std::vector<const ValType*> write_params = {t.borrow(&resource_), u8list};
  std::memset(mem() + 8192, 'x', 4096);
  std::vector<Value> write_flat = {Value::i32(1), Value::i32(8192), Value::i32(4096)};
  FastHandles fast;
  CanonContext c{*store_, options_, fast};
  double lift_write = nsPerOp(100000, [&] {
    auto v = liftFlatValues(c, write_params, write_flat, kMaxFlatParams);
    if (!v) std::abort();
  });

  auto read_result = t.result(u8list, t.variant({nullptr, t.own(&resource_)}));
  std::vector<const ValType*> read_results = {read_result};
  std::vector<Val> read_vals = {Val::ok(Val::byteList(std::string(4096, 'y')))};
  std::vector<Value> flat;
  uint32_t out = 1024;
  double lower_read = nsPerOp(100000, [&] {
    next_ = 4096;
    reallocs_.clear();
    if (!lowerFlatValues(c, read_results, read_vals, kMaxFlatResults, flat, &out)) std::abort();
  });

  auto entries = t.list(t.tuple({str, u8list}));
  std::vector<const ValType*> entry_results = {entries};
  std::vector<Val> headers;
  for (int i = 0; i < 20; ++i) {
    headers.push_back(Val::tuple(
        {Val::string("x-header-" + std::to_string(i)), Val::byteList("some header value")}));
  }
  std::vector<Val> entry_vals = {Val::list(std::move(headers))};
  double lower_entries = nsPerOp(20000, [&] {
    next_ = 4096;
    reallocs_.clear();
    if (!lowerFlatValues(c, entry_results, entry_vals, kMaxFlatResults, flat, &out)) std::abort();
  });
  const Value args[4] = {Value::i32(0), Value::i32(0), Value::i32(1), Value::i32(4096)};
  double realloc_call = nsPerOp(100000, [&] {
    next_ = 4096;
    reallocs_.clear();
    if (!store_->call(realloc_, args)) std::abort();
  });
  std::printf("one realloc host call through Store::call: %.0f ns\n", realloc_call);
  std::printf("lift write(borrow, list<u8> 4 KiB): %.0f ns\n", lift_write);
  std::printf("lower result<list<u8> 4 KiB, stream-error>: %.0f ns (1 realloc)\n", lower_read);
  std::printf("lower list<tuple<string, list<u8>>> 20 headers: %.0f ns (41 reallocs)\n",
              lower_entries);
}

}  // namespace
}  // namespace tern::component::testing
