// Resource handle table of one component instance (index reuse, bounded size, typed lookups).
#include "component/handle_table.h"

#include <string>

#include "common/limits.h"

namespace tern::component {

Result<uint32_t> HandleTable::add(const ResourceType* type, uint32_t rep, bool own) {
  if (live_ >= limits::kMaxComponentHandles) {
    return fail(ErrorCode::kTrap, "too many resource handles (limit ",
                std::to_string(limits::kMaxComponentHandles), ")");
  }
  uint32_t h;
  if (!free_.empty()) {
    h = free_.back();
    free_.pop_back();
  } else {
    h = uint32_t(entries_.size());
    entries_.emplace_back();
  }
  entries_[h] = HandleEntry{type, rep, own};
  ++live_;
  return h;
}

const HandleEntry* HandleTable::get(uint32_t handle) const {
  if (handle == 0 || handle >= entries_.size() || !entries_[handle].type) return nullptr;
  return &entries_[handle];
}

Result<HandleEntry> HandleTable::expect(const ResourceType* type, uint32_t handle) const {
  const HandleEntry* e = get(handle);
  if (!e) return fail(ErrorCode::kTrap, "unknown resource handle ", std::to_string(handle));
  if (e->type != type) {
    return fail(ErrorCode::kTrap, "resource handle ", std::to_string(handle), " is a ",
                e->type->name, ", expected a ", type ? type->name : "?");
  }
  return *e;
}

void HandleTable::remove(uint32_t handle) {
  if (!get(handle)) return;
  entries_[handle] = HandleEntry{};
  free_.push_back(handle);
  --live_;
}

}  // namespace tern::component
