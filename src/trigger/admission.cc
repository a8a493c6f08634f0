// Bounded admission gates: a lock-free fast path, a mutex + condition variable for the queue.
#include "trigger/admission.h"

namespace tern::trigger {

bool Gate::tryTake() {
  uint32_t n = in_flight_.load();
  while (n < limit_) {
    if (in_flight_.compare_exchange_weak(n, n + 1)) return true;
  }
  return false;
}

std::optional<Gate::Permit> Gate::acquire() {
  if (limit_ == 0) {
    in_flight_.fetch_add(1);
    return Permit(this);
  }
  if (tryTake()) return Permit(this);
  std::unique_lock lock(mutex_);
  if (waiting_.load() >= queue_.queue_length) return std::nullopt;
  // waiting_ is raised before the retry below, so a release() that frees a slot after a failed
  // retry sees a waiter and notifies under the mutex: no lost wake-up.
  waiting_.fetch_add(1);
  auto until = std::chrono::steady_clock::now() + queue_.queue_timeout;
  bool got = freed_.wait_until(lock, until, [this] { return tryTake(); });
  waiting_.fetch_sub(1);
  if (!got) return std::nullopt;
  return Permit(this);
}

void Gate::release() {
  in_flight_.fetch_sub(1);
  if (limit_ != 0 && waiting_.load() > 0) {
    std::lock_guard lock(mutex_);
    freed_.notify_one();
  }
}

}  // namespace tern::trigger
