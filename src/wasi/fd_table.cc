// FdTable: lowest-free allocation, removal and renumbering of guest file descriptors.
#include "wasi/fd_table.h"

#include "wasi/wasi_limits.h"

namespace tern::wasi {

FdEntry* FdTable::get(uint32_t fd) const { return fd < slots_.size() ? slots_[fd].get() : nullptr; }

ErrnoOr<uint32_t> FdTable::insert(std::unique_ptr<FdEntry> entry) {
  entry->id = next_id_++;
  for (uint32_t i = 0; i < slots_.size(); ++i) {
    if (!slots_[i]) {
      slots_[i] = std::move(entry);
      return i;
    }
  }
  if (slots_.size() >= kMaxFds) return errnoFail(Errno::kMfile);
  slots_.push_back(std::move(entry));
  return static_cast<uint32_t>(slots_.size() - 1);
}

void FdTable::insertAt(uint32_t fd, std::unique_ptr<FdEntry> entry) {
  entry->id = next_id_++;
  if (fd >= slots_.size()) slots_.resize(fd + 1);
  slots_[fd] = std::move(entry);
}

std::unique_ptr<FdEntry> FdTable::remove(uint32_t fd) {
  if (fd >= slots_.size()) return nullptr;
  auto out = std::move(slots_[fd]);
  while (!slots_.empty() && !slots_.back()) slots_.pop_back();
  return out;
}

Errno FdTable::renumber(uint32_t from, uint32_t to) {
  if (!get(from) || !get(to)) return Errno::kBadf;
  if (from == to) return Errno::kSuccess;
  slots_[to] = std::move(slots_[from]);
  while (!slots_.empty() && !slots_.back()) slots_.pop_back();
  return Errno::kSuccess;
}

size_t FdTable::openCount() const {
  size_t n = 0;
  for (const auto& s : slots_) n += s ? 1 : 0;
  return n;
}

}  // namespace tern::wasi
