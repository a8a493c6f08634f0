// Result<T>: the value or the Error, for every fallible call in Tern.
#pragma once

#include <expected>
#include <string>
#include <utility>

#include "common/error.h"

namespace tern {

template <class T>
using Result = std::expected<T, Error>;

// Shorthand for returning an error: `return fail(ErrorCode::kIo, "open ", path);`.
template <class... Parts>
std::unexpected<Error> fail(ErrorCode code, Parts&&... parts) {
  std::string message;
  (message.append(std::string_view(std::forward<Parts>(parts))), ...);
  return std::unexpected(Error{code, std::move(message)});
}

inline std::unexpected<Error> fail(Error error) { return std::unexpected(std::move(error)); }

}  // namespace tern

// Propagate an error from a Result-returning expression; evaluates to nothing.
#define TERN_TRY(expr)                                         \
  do {                                                         \
    auto&& tern_try_result_ = (expr);                          \
    if (!tern_try_result_) return ::tern::fail(std::move(tern_try_result_).error()); \
  } while (0)
