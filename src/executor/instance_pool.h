// Idle guest instances kept for reuse (Spin's `--max-instance-reuse-count` and
// `--idle-instance-timeout`): what an executor hands back after a clean request and takes before
// the next one, each dropped when its idle time runs out.
//
//   InstancePool pool;
//   std::unique_ptr<InstancePool::Entry> e = pool.take();   // null: make a fresh instance
//   ... serve one request with it ...
//   pool.give(std::move(e), idle_timeout);                  // or let it go: it is discarded
//
// take() returns the most recently given entry (its memory is the likeliest to be warm). An entry
// whose idle timeout has passed is never returned: a reaper thread (started on the first give())
// destroys it at its expiry even when no request comes, so an idle application holds no instances.
// The pool decides nothing about whether an instance may be reused: the executor gives back only
// instances that finished cleanly and have requests left (http_executor.cc).
//
// Thread safety: take() and give() may be called from any thread at once; an entry is used by one
// thread at a time (the pool hands it over under its lock). Entries are destroyed outside the lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace tern::executor {

class InstancePool {
 public:
  using Clock = std::chrono::steady_clock;

  // What is pooled: an executor's instance (its Session and component instance) behind a
  // virtual destructor, so the pool can be tested without Wasm.
  struct Entry {
    virtual ~Entry() = default;
  };

  // At most `max_idle` entries are kept; a give() beyond that drops the oldest.
  explicit InstancePool(size_t max_idle = 256) : max_idle_(max_idle) {}
  // Stops the reaper and destroys every idle entry.
  ~InstancePool();
  InstancePool(const InstancePool&) = delete;
  InstancePool& operator=(const InstancePool&) = delete;

  // The most recently given entry whose idle timeout has not passed, or null.
  std::unique_ptr<Entry> take();
  // Keeps `entry` for at most `idle_timeout` (0: destroys it now).
  void give(std::unique_ptr<Entry> entry, std::chrono::milliseconds idle_timeout);
  // Entries held now (for tests and metrics).
  size_t idle() const;

 private:
  struct Idle {
    Clock::time_point expires;
    std::unique_ptr<Entry> entry;
  };
  void reap();  // the reaper thread's loop
  // Moves the expired entries (and, over max_idle_, the oldest) out of idle_ into `out`.
  void collectExpired(Clock::time_point now, std::vector<std::unique_ptr<Entry>>& out);

  const size_t max_idle_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Idle> idle_;  // in give() order: back is the most recent
  bool stopping_ = false;
  std::thread reaper_;  // started by the first give()
};

}  // namespace tern::executor
