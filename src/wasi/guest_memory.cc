// Bounds-checked guest memory access for WASI calls.
#include "wasi/guest_memory.h"

#include <string>

#include "compile/vm_abi.h"

namespace tern::wasi {

Result<std::span<uint8_t>> GuestMemory::span(uint64_t ptr, uint64_t len) const {
  if (!present_) {
    return fail(Error{ErrorCode::kTrap, "wasi: the module exports no memory named \"memory\"",
                      static_cast<int32_t>(vm::TrapKind::kHost)});
  }
  // Written so that ptr + len cannot overflow.
  if (ptr > bytes_.size() || len > bytes_.size() - ptr) {
    return fail(Error{ErrorCode::kTrap,
                      "wasi: guest pointer out of bounds (" + std::to_string(ptr) + " + " +
                          std::to_string(len) + " > " + std::to_string(bytes_.size()) + ")",
                      static_cast<int32_t>(vm::TrapKind::kMemoryOutOfBounds)});
  }
  return bytes_.subspan(ptr, len);
}

Result<void> GuestMemory::write(uint64_t ptr, std::span<const uint8_t> bytes) const {
  auto s = span(ptr, bytes.size());
  if (!s) return fail(s.error());
  if (!bytes.empty()) std::memmove(s->data(), bytes.data(), bytes.size());
  return {};
}

Result<void> GuestMemory::write(uint64_t ptr, std::string_view text) const {
  return write(ptr, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

Result<std::string_view> GuestMemory::string(uint64_t ptr, uint64_t len) const {
  auto s = span(ptr, len);
  if (!s) return fail(s.error());
  return std::string_view(reinterpret_cast<const char*>(s->data()), s->size());
}

}  // namespace tern::wasi
