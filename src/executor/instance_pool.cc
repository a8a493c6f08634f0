// Idle instances for reuse: LIFO hand-out, expiry by a lazily started reaper thread.
#include "executor/instance_pool.h"

#include <algorithm>

namespace tern::executor {

InstancePool::~InstancePool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  idle_.clear();
}

std::unique_ptr<InstancePool::Entry> InstancePool::take() {
  std::vector<std::unique_ptr<Entry>> expired;  // destroyed after the lock is released
  std::unique_ptr<Entry> out;
  {
    std::lock_guard lock(mutex_);
    collectExpired(Clock::now(), expired);
    if (!idle_.empty()) {
      out = std::move(idle_.back().entry);
      idle_.pop_back();
    }
  }
  return out;
}

void InstancePool::give(std::unique_ptr<Entry> entry, std::chrono::milliseconds idle_timeout) {
  if (!entry || idle_timeout.count() <= 0) return;  // `entry` is destroyed here, unlocked
  std::vector<std::unique_ptr<Entry>> dropped;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    idle_.push_back({Clock::now() + idle_timeout, std::move(entry)});
    collectExpired(Clock::now(), dropped);
    if (!reaper_.joinable()) reaper_ = std::thread([this] { reap(); });
  }
  wake_.notify_one();  // the reaper recomputes its next wake-up
}

size_t InstancePool::idle() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

void InstancePool::collectExpired(Clock::time_point now,
                                  std::vector<std::unique_ptr<Entry>>& out) {
  size_t over = idle_.size() > max_idle_ ? idle_.size() - max_idle_ : 0;
  auto keep = idle_.begin();
  for (auto it = idle_.begin(); it != idle_.end(); ++it) {
    if (over > 0 || it->expires <= now) {
      if (over > 0) --over;
      out.push_back(std::move(it->entry));
    } else {
      if (keep != it) *keep = std::move(*it);
      ++keep;
    }
  }
  idle_.erase(keep, idle_.end());
}

void InstancePool::reap() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    std::vector<std::unique_ptr<Entry>> expired;
    collectExpired(Clock::now(), expired);
    if (!expired.empty()) {
      lock.unlock();
      expired.clear();  // a Session's teardown (munmap) does not hold up take()/give()
      lock.lock();
      continue;
    }
    if (idle_.empty()) {
      wake_.wait(lock);
    } else {
      auto next = std::min_element(idle_.begin(), idle_.end(), [](const Idle& a, const Idle& b) {
                    return a.expires < b.expires;
                  })->expires;
      wake_.wait_until(lock, next);
    }
  }
}

}  // namespace tern::executor
