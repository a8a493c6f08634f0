// One place that turns a guest's failure into a response: the trap/deadline/exit classifier and
// the one log line per failed request.
//
//   if (auto f = classifyGuestError(error)) return failure(call, id, f->status, f->reason);
//
// Thread safety: pure functions; logging writes one line at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "executor/executor.h"
#include "http/message.h"

namespace tern::executor {

struct GuestFailure {
  uint16_t status = 500;
  std::string reason;  // for the log line (a trap's backtrace on one line)
};

// What an error from instantiating or running a guest means: 504 when it ran into the request's
// deadline; 500 for any other trap, a non-zero exit status or a host error; nullopt for exit
// status 0 (a WASI command that ended normally).
std::optional<GuestFailure> classifyGuestError(const Error& error);

// Logs the one server line "STATUS METHOD PATH: component "id" (route "r"): reason" (with fields
// and the request's trace id in JSON mode) and returns the 500 (504: "Gateway Timeout") response.
http::Response failure(const Invocation& call, const std::string& component, uint16_t status,
                       const std::string& reason);
inline http::Response failure(const Invocation& call, const std::string& component,
                              const GuestFailure& f) {
  return failure(call, component, f.status, f.reason);
}

}  // namespace tern::executor
