// Linear-memory slots: 8 GiB guard-region reservations, reused across instances, with initial
// contents mapped copy-on-write from a per-module memfd image.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "common/result.h"
#include "compile/module_info.h"

namespace tern::instance {

// The initial contents of a module's memory 0 (its active data segments), in a sealed memfd.
class MemoryImage {
 public:
  // nullptr (no error) when the module's segments cannot be pre-applied: memory imported,
  // non-constant offsets, or a segment outside the initial size (instantiation must trap).
  static Result<std::shared_ptr<MemoryImage>> create(const compile::ModuleInfo& info);
  ~MemoryImage();
  int fd() const { return fd_; }
  uint64_t size() const { return size_; }  // bytes mapped from the image, page aligned
  // The image's bytes, kept when small enough for slots to be reset by copying; else empty.
  const std::vector<uint8_t>& pristine() const { return pristine_; }

 private:
  MemoryImage() = default;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::vector<uint8_t> pristine_;
};

class MemorySlotPool;

// One reservation. `base` is fixed; [0, accessible) is read/write, the rest faults.
struct MemorySlot {
  uint8_t* base = nullptr;
  uint64_t accessible = 0;
  std::shared_ptr<const MemoryImage> image;  // what [0, image->size()) is mapped from
};

class MemorySlotPool {
 public:
  explicit MemorySlotPool(size_t max_slots = 4096) : max_slots_(max_slots) {}
  ~MemorySlotPool();

  // A slot whose [0, initial_bytes) reads as `image` (or zeros) and the rest faults.
  Result<MemorySlot*> acquire(const std::shared_ptr<const MemoryImage>& image, uint64_t initial_bytes);
  // Makes [0, new_bytes) accessible (growth only).
  Result<void> grow(MemorySlot* slot, uint64_t new_bytes);
  // Resets contents (a copy for small memories, madvise otherwise) and returns the slot.
  void release(MemorySlot* slot);

  size_t slotsCreated() const { return all_.size(); }

 private:
  Result<void> setAccessible(MemorySlot* slot, uint64_t bytes);
  size_t max_slots_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<MemorySlot>> all_;
  std::vector<MemorySlot*> free_;
};

}  // namespace tern::instance
