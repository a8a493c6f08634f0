// Guest failures: trap/deadline/exit → status, and the request's one log line.
#include "executor/failure.h"

#include "compile/vm_abi.h"
#include "http/log.h"
#include "instance/trap_backtrace.h"

namespace tern::executor {

std::optional<GuestFailure> classifyGuestError(const Error& e) {
  if (e.code == ErrorCode::kExit) {
    if (e.detail == 0) return std::nullopt;
    return GuestFailure{500, "exited with status " + std::to_string(e.detail)};
  }
  if (e.code == ErrorCode::kTrap &&
      static_cast<vm::TrapKind>(e.detail) == vm::TrapKind::kDeadline) {
    return GuestFailure{504, "request timeout: " + instance::oneLine(e.toString())};
  }
  // A trap's backtrace goes on the request's one log line.
  return GuestFailure{500, instance::oneLine(e.toString())};
}

http::Response failure(const Invocation& call, const std::string& component, uint16_t status,
                       const std::string& reason) {
  const http::Request& req = call.request;
  http::logLine(http::LogLevel::kError,
                std::to_string(status) + " " + req.method + " " + req.path + ": component \"" +
                    component + "\" (route \"" + call.route.raw_route + "\"): " + reason,
                {{"status", int64_t{status}},
                 {"method", req.method},
                 {"path", req.path},
                 {"component", component},
                 {"route", call.route.raw_route},
                 {"reason", reason}},
                call.observation);
  return http::Response::text(status,
                              status == 504 ? "Gateway Timeout\n" : "Internal Server Error\n");
}

}  // namespace tern::executor
