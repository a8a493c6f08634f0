// The parts of the executor contract that are code: route prefixes and the request deadline.
#include "executor/executor.h"

namespace tern::executor {
namespace {

std::string stripWildcard(const std::string& route) {
  std::string_view r = route;
  if (r.ends_with("/..."))
    r.remove_suffix(4);
  else if (r.ends_with("/*"))
    r.remove_suffix(2);
  return std::string(r);
}

}  // namespace

std::string RouteMatch::basedRouteOrPrefix() const { return stripWildcard(based_route); }
std::string RouteMatch::rawRouteOrPrefix() const { return stripWildcard(raw_route); }

std::optional<std::chrono::steady_clock::time_point> deadlineFrom(const ExecLimits& limits) {
  if (!limits.request_timeout) return std::nullopt;
  using Clock = std::chrono::steady_clock;
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(*limits.request_timeout);
}

}  // namespace tern::executor
