// A component instance's resource handle table (spec: CanonicalABI.md "Handle tables"): guest
// handles (small integers) to (resource type, rep, own/borrow).
#pragma once

#include <cstdint>
#include <vector>

#include "common/result.h"
#include "component/val.h"

namespace tern::component {

struct HandleEntry {
  const ResourceType* type = nullptr;  // null: free slot
  uint32_t rep = 0;
  bool own = false;
};

// Handle 0 is never valid. Freed indices are reused. Not thread-safe (one instance, one thread).
class HandleTable {
 public:
  // kTrap past limits::kMaxComponentHandles live handles.
  Result<uint32_t> add(const ResourceType* type, uint32_t rep, bool own);
  // The live entry for `handle`, or null.
  const HandleEntry* get(uint32_t handle) const;
  // The live entry if it has `type`, else a kTrap error naming what is wrong.
  Result<HandleEntry> expect(const ResourceType* type, uint32_t handle) const;
  void remove(uint32_t handle);
  size_t live() const { return live_; }

 private:
  std::vector<HandleEntry> entries_{1};
  std::vector<uint32_t> free_;
  size_t live_ = 0;
};

}  // namespace tern::component
