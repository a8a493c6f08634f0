// Admission control: caps on concurrent instances (per component, per node) with a bounded queue.
//
//   Gate node(64, {.queue_length = 128, .queue_timeout = 1s});
//   if (auto permit = node.acquire()) { ... run the guest ... }  // released when permit dies
//   else { ... 503 with Retry-After ... }
//
// A Gate admits at most `limit` holders at once (0: no limit). A caller that finds it full waits
// in the queue when fewer than `queue_length` others already wait, for at most `queue_timeout`;
// otherwise (queue full, or the wait ran out) acquire() returns nullopt and the request gets 503.
// A queued request holds its server pool thread while it waits; the wait is bounded by
// `queue_timeout`.
//
// Thread safety: acquire() and Permit release are safe from any number of threads. A Gate must
// outlive its Permits.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>

namespace tern::trigger {

// Defaults: how many requests may wait per gate, and for how long, for an instance slot.
inline constexpr uint32_t kQueueLength = 128;
inline constexpr std::chrono::milliseconds kQueueTimeout{1000};

struct QueueOptions {
  uint32_t queue_length = kQueueLength;  // waiters per gate; more are refused at once
  std::chrono::milliseconds queue_timeout = kQueueTimeout;
};

class Gate {
 public:
  Gate(uint32_t limit, QueueOptions queue) : limit_(limit), queue_(queue) {}
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  // Move-only proof of one admitted instance; the slot is freed when it is destroyed.
  class Permit {
   public:
    Permit(Permit&& o) noexcept : gate_(o.gate_) { o.gate_ = nullptr; }
    Permit& operator=(Permit&&) = delete;
    ~Permit() {
      if (gate_) gate_->release();
    }

   private:
    friend class Gate;
    explicit Permit(Gate* gate) : gate_(gate) {}
    Gate* gate_;
  };

  // A permit, or nullopt when the gate stayed full (queue full or queue_timeout passed).
  std::optional<Permit> acquire();

  uint32_t limit() const { return limit_; }
  uint32_t inFlight() const { return in_flight_.load(std::memory_order_relaxed); }
  uint32_t waiting() const { return waiting_.load(std::memory_order_relaxed); }

 private:
  bool tryTake();
  void release();

  const uint32_t limit_;
  const QueueOptions queue_;
  std::atomic<uint32_t> in_flight_{0};
  std::atomic<uint32_t> waiting_{0};
  std::mutex mutex_;
  std::condition_variable freed_;
};

}  // namespace tern::trigger
