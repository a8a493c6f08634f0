// Unit tests for the idle-instance pool: LIFO hand-out, expiry (lazy and by the reaper thread),
// the idle cap, and destruction of every entry exactly once.
#include "executor/instance_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace tern::executor {
namespace {

using namespace std::chrono_literals;

// An entry that records its id and counts its destruction.
struct Fake final : InstancePool::Entry {
  Fake(int i, std::atomic<int>& d) : id(i), destroyed(d) {}
  ~Fake() override { ++destroyed; }
  int id;
  std::atomic<int>& destroyed;
};

int idOf(const std::unique_ptr<InstancePool::Entry>& e) {
  return e ? static_cast<const Fake&>(*e).id : -1;
}

TEST(InstancePool, HandsOutTheMostRecentFirst) {
  std::atomic<int> destroyed = 0;
  InstancePool pool;
  EXPECT_EQ(pool.take(), nullptr);
  pool.give(std::make_unique<Fake>(1, destroyed), 10s);
  pool.give(std::make_unique<Fake>(2, destroyed), 10s);
  EXPECT_EQ(pool.idle(), 2u);
  EXPECT_EQ(idOf(pool.take()), 2);  // destroyed right here: the caller let it go
  EXPECT_EQ(idOf(pool.take()), 1);
  EXPECT_EQ(pool.take(), nullptr);
  EXPECT_EQ(destroyed, 2);
}

TEST(InstancePool, ZeroTimeoutKeepsNothing) {
  std::atomic<int> destroyed = 0;
  InstancePool pool;
  pool.give(std::make_unique<Fake>(1, destroyed), 0ms);
  EXPECT_EQ(pool.idle(), 0u);
  EXPECT_EQ(destroyed, 1);
}

TEST(InstancePool, ExpiredEntriesAreNeverHandedOut) {
  std::atomic<int> destroyed = 0;
  InstancePool pool;
  pool.give(std::make_unique<Fake>(1, destroyed), 1ms);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(pool.take(), nullptr);
  EXPECT_EQ(destroyed, 1);
}

TEST(InstancePool, ReaperDropsIdleEntriesWithoutTraffic) {
  std::atomic<int> destroyed = 0;
  InstancePool pool;
  pool.give(std::make_unique<Fake>(1, destroyed), 30ms);
  pool.give(std::make_unique<Fake>(2, destroyed), 10s);
  for (int i = 0; i < 200 && destroyed == 0; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(destroyed, 1);  // the short one, by the reaper: nobody called take()
  EXPECT_EQ(pool.idle(), 1u);
  EXPECT_EQ(idOf(pool.take()), 2);
}

TEST(InstancePool, CapDropsTheOldest) {
  std::atomic<int> destroyed = 0;
  InstancePool pool(2);
  for (int i = 1; i <= 3; ++i) pool.give(std::make_unique<Fake>(i, destroyed), 10s);
  EXPECT_EQ(pool.idle(), 2u);
  EXPECT_EQ(destroyed, 1);
  EXPECT_EQ(idOf(pool.take()), 3);
  EXPECT_EQ(idOf(pool.take()), 2);
}

TEST(InstancePool, DestructorDropsEverything) {
  std::atomic<int> destroyed = 0;
  {
    InstancePool pool;
    for (int i = 0; i < 5; ++i) pool.give(std::make_unique<Fake>(i, destroyed), 10s);
  }
  EXPECT_EQ(destroyed, 5);
}

TEST(InstancePool, ConcurrentTakeAndGiveLoseNothing) {
  std::atomic<int> destroyed = 0, made = 0;
  {
    InstancePool pool(8);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 2000; ++i) {
          auto e = pool.take();
          if (!e) {
            e = std::make_unique<Fake>(i, destroyed);
            ++made;
          }
          pool.give(std::move(e), 10s);
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_LE(pool.idle(), 4u);  // at most one per thread was ever out at once
  }
  EXPECT_EQ(destroyed, made);
}

}  // namespace
}  // namespace tern::executor
