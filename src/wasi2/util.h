// Small helpers shared by the WASI 0.2 host files (wasi_*.cc): traps, `self` lookups, P2_TRY.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "compile/vm_abi.h"
#include "component/linker.h"
#include "component/val.h"

namespace tern::wasi2 {

// A host-side trap (guest abuse or a broken invariant), TrapKind::kHost.
template <class... Parts>
std::unexpected<Error> hostTrap(Parts&&... parts) {
  std::string message;
  (message.append(std::string_view(std::forward<Parts>(parts))), ...);
  return std::unexpected(
      Error{ErrorCode::kTrap, std::move(message), static_cast<int32_t>(vm::TrapKind::kHost)});
}

// The host object a resource argument (own or borrow) refers to; a trap when it is not a live
// object of `type` (the handle table already checked the type, so this is a host bug).
template <class T>
Result<T*> self(HostCall& call, const ResourceType* type, const Val& handle) {
  T* object = call.resources().get<T>(type, handle.rep());
  if (!object)
    return hostTrap("wasi: no live ", type ? type->name : "resource", " for this handle");
  return object;
}

}  // namespace tern::wasi2

#define P2_TRY_CAT2(a, b) a##b
#define P2_TRY_CAT(a, b) P2_TRY_CAT2(a, b)
// `P2_TRY(auto* x, expr);` or `P2_TRY(results[0], expr);`: assign the value or return the error.
#define P2_TRY(lhs, expr) P2_TRY_IMPL(P2_TRY_CAT(p2_try_, __LINE__), lhs, expr)
#define P2_TRY_IMPL(tmp, lhs, expr)                      \
  auto tmp = (expr);                                     \
  if (!tmp) return ::tern::fail(std::move(tmp).error()); \
  lhs = std::move(*tmp)
