// GuestMemory: the one bounds-checked accessor WASI calls use for guest pointers.
//
// Every guest pointer+length goes through span(); an out-of-bounds or overflowing range is guest
// abuse and comes back as a kTrap Error (TrapKind kMemoryOutOfBounds), which unwinds the guest,
// as the witx docs require ("if an out-of-bounds pointer is passed ... the function shall trap").
// A GuestMemory over no memory (the module exports none) traps on the first access, so calls
// that touch no memory (fd_close, proc_exit) still work. Views are valid for one host call only:
// the guest may grow (move) its memory once control returns to it.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

#include "common/result.h"

namespace tern::wasi {

class GuestMemory {
 public:
  GuestMemory() = default;
  explicit GuestMemory(std::span<uint8_t> bytes) : bytes_(bytes), present_(true) {}

  // [ptr, ptr + len) of guest memory, or a trap.
  Result<std::span<uint8_t>> span(uint64_t ptr, uint64_t len) const;

  template <class T>
  Result<T> load(uint64_t ptr) const {
    static_assert(std::is_trivially_copyable_v<T>);
    auto s = span(ptr, sizeof(T));
    if (!s) return fail(s.error());
    T out;
    std::memcpy(&out, s->data(), sizeof(T));
    return out;
  }

  template <class T>
  Result<void> store(uint64_t ptr, T value) const {
    static_assert(std::is_trivially_copyable_v<T>);
    auto s = span(ptr, sizeof(T));
    if (!s) return fail(s.error());
    std::memcpy(s->data(), &value, sizeof(T));
    return {};
  }

  Result<void> write(uint64_t ptr, std::span<const uint8_t> bytes) const;
  Result<void> write(uint64_t ptr, std::string_view text) const;
  // The bytes of a guest string (not NUL-terminated; WASI passes lengths).
  Result<std::string_view> string(uint64_t ptr, uint64_t len) const;

  uint64_t size() const { return bytes_.size(); }

 private:
  std::span<uint8_t> bytes_;
  bool present_ = false;
};

}  // namespace tern::wasi
