// Slot reservation, CoW image mapping and reset. Reset relies on MADV_DONTNEED semantics: private
// file pages revert to the file's contents and anonymous pages to zeros, so one madvise restores
// the initial memory without copying.
#include "instance/memory_pool.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/limits.h"
#include "instance/trap.h"

namespace tern::instance {

namespace {
constexpr uint64_t kOsPage = 4096;

// Reading a clean page is about twice as fast as rewriting it, and a short-lived guest dirties
// few of its pages: restore only the pages that differ from their initial contents.
bool pageIsZero(const uint8_t* p) {
  const auto* w = reinterpret_cast<const uint64_t*>(p);
  uint64_t acc = 0;
  for (size_t i = 0; i < kOsPage / 8; i += 8) {
    acc |= w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7];
    if (acc) return false;
  }
  return true;
}

void restoreByCopy(uint8_t* base, uint64_t accessible, const std::vector<uint8_t>& image) {
  uint64_t image_bytes = image.size();
  for (uint64_t off = 0; off < image_bytes; off += kOsPage) {
    if (std::memcmp(base + off, image.data() + off, kOsPage) != 0) {
      std::memcpy(base + off, image.data() + off, kOsPage);
    }
  }
  for (uint64_t off = image_bytes; off < accessible; off += kOsPage) {
    if (!pageIsZero(base + off)) std::memset(base + off, 0, kOsPage);
  }
}
uint64_t roundUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }
std::string errnoText() { return std::strerror(errno); }
}  // namespace

Result<std::shared_ptr<MemoryImage>> MemoryImage::create(const compile::ModuleInfo& info) {
  if (info.memories.empty() || info.num_imported_memories != 0) return nullptr;
  uint64_t initial = info.memories[0].min * limits::kWasmPageBytes;
  uint64_t end = 0;
  for (const auto& d : info.datas) {
    if (d.mode != compile::SegmentMode::kActive) continue;
    if (d.offset.kind != compile::ConstExpr::Kind::kValue) return nullptr;
    uint32_t off;
    std::memcpy(&off, d.offset.bytes, 4);
    if (uint64_t(off) + d.bytes.size() > initial) return nullptr;
    end = std::max<uint64_t>(end, off + d.bytes.size());
  }
  if (end == 0) return nullptr;  // nothing to map: zero pages are free anyway
  auto image = std::shared_ptr<MemoryImage>(new MemoryImage());
  image->fd_ = memfd_create("tern-memory-image", MFD_CLOEXEC);
  if (image->fd_ < 0) return fail(ErrorCode::kResourceExhausted, "memfd_create: ", errnoText());
  image->size_ = roundUp(end, kOsPage);
  if (ftruncate(image->fd_, static_cast<off_t>(image->size_)) != 0) {
    return fail(ErrorCode::kResourceExhausted, "ftruncate: ", errnoText());
  }
  if (image->size_ <= limits::kKeepResidentBytes) image->pristine_.assign(image->size_, 0);
  for (const auto& d : info.datas) {
    if (d.mode != compile::SegmentMode::kActive || d.bytes.empty()) continue;
    uint32_t off;
    std::memcpy(&off, d.offset.bytes, 4);
    if (!image->pristine_.empty()) {
      std::memcpy(image->pristine_.data() + off, d.bytes.data(), d.bytes.size());
    }
    size_t done = 0;
    while (done < d.bytes.size()) {
      ssize_t n = pwrite(image->fd_, d.bytes.data() + done, d.bytes.size() - done,
                         static_cast<off_t>(off + done));
      if (n <= 0) return fail(ErrorCode::kIo, "writing memory image: ", errnoText());
      done += static_cast<size_t>(n);
    }
  }
  return image;
}

MemoryImage::~MemoryImage() {
  if (fd_ >= 0) close(fd_);
}

MemorySlotPool::~MemorySlotPool() {
  for (auto& s : all_) {
    unregisterGuardedRegion(s->base);
    munmap(s->base, limits::kMemoryReservationBytes);
  }
}

Result<void> MemorySlotPool::setAccessible(MemorySlot* slot, uint64_t bytes) {
  bytes = roundUp(bytes, kOsPage);
  if (bytes > slot->accessible) {
    if (mprotect(slot->base + slot->accessible, bytes - slot->accessible, PROT_READ | PROT_WRITE)) {
      return fail(ErrorCode::kResourceExhausted, "mprotect: ", errnoText());
    }
  } else if (bytes < slot->accessible) {
    if (mprotect(slot->base + bytes, slot->accessible - bytes, PROT_NONE)) {
      return fail(ErrorCode::kResourceExhausted, "mprotect: ", errnoText());
    }
  }
  slot->accessible = bytes;
  return {};
}

Result<MemorySlot*> MemorySlotPool::acquire(const std::shared_ptr<const MemoryImage>& image,
                                            uint64_t initial_bytes) {
  MemorySlot* slot = nullptr;
  {
    std::lock_guard lock(mutex_);
    // Prefer a slot that already maps this image: then acquiring costs no syscall at all.
    for (size_t i = free_.size(); i-- > 0;) {
      if (free_[i]->image == image) {
        slot = free_[i];
        free_.erase(free_.begin() + static_cast<ptrdiff_t>(i));
        break;
      }
    }
    if (!slot && !free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    }
    if (!slot) {
      if (all_.size() >= max_slots_) {
        return fail(ErrorCode::kResourceExhausted, "linear memory pool exhausted (",
                    std::to_string(max_slots_), " slots)");
      }
      void* base = mmap(nullptr, limits::kMemoryReservationBytes, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (base == MAP_FAILED) {
        return fail(ErrorCode::kResourceExhausted, "cannot reserve linear memory: ", errnoText());
      }
      auto owned = std::make_unique<MemorySlot>();
      owned->base = static_cast<uint8_t*>(base);
      registerGuardedRegion(base, limits::kMemoryReservationBytes);
      slot = owned.get();
      all_.push_back(std::move(owned));
    }
  }
  if (slot->image != image) {
    // Replace whatever was mapped with a fresh PROT_NONE range, then map the new image.
    uint64_t span = std::max(slot->accessible, slot->image ? slot->image->size() : 0);
    if (span && mmap(slot->base, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
                     -1, 0) == MAP_FAILED) {
      release(slot);
      return fail(ErrorCode::kResourceExhausted, "cannot reset slot: ", errnoText());
    }
    slot->accessible = 0;
    slot->image = nullptr;
    if (image) {
      if (mmap(slot->base, image->size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
               image->fd(), 0) == MAP_FAILED) {
        release(slot);
        return fail(ErrorCode::kResourceExhausted, "cannot map memory image: ", errnoText());
      }
      slot->image = image;
      slot->accessible = image->size();
    }
  }
  if (auto r = setAccessible(slot, initial_bytes); !r) {
    release(slot);
    return fail(r.error());
  }
  return slot;
}

Result<void> MemorySlotPool::grow(MemorySlot* slot, uint64_t new_bytes) {
  if (new_bytes <= slot->accessible) return {};
  return setAccessible(slot, new_bytes);
}

void MemorySlotPool::release(MemorySlot* slot) {
  bool copyable = !slot->image || !slot->image->pristine().empty();
  if (slot->accessible <= limits::kKeepResidentBytes && copyable) {
    // Small memories: copying back is cheaper than madvise, whose TLB shootdown interrupts every
    // other core running this process and whose pages must then be faulted in again.
    static const std::vector<uint8_t> kNoImage;
    restoreByCopy(slot->base, slot->accessible, slot->image ? slot->image->pristine() : kNoImage);
  } else if (slot->accessible) {
    madvise(slot->base, slot->accessible, MADV_DONTNEED);
  }
  std::lock_guard lock(mutex_);
  free_.push_back(slot);
}

}  // namespace tern::instance
