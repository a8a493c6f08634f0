// The executor interface: run one HTTP request in a fresh, sandboxed guest instance.
//
//   Invocation call{request, route, trigger, base, limits, observation};
//   http::Response response = executor.execute(call);   // never fails: 500/504 on guest errors
//
// Two executors implement it: WagiExecutor (wagi_executor.h: a WASI preview 1 command, CGI over
// stdio) and HttpExecutor (http_executor.h: a component exporting
// wasi:http/incoming-handler@0.2.x). Each builds, per request, one instance::RequestContext
// (instance/request_context.h) with the request's deadline and observation, the host state of its
// guest's world, and the Store/Session that points at it; all of it is freed when execute()
// returns. A guest's failure is turned into a response by one classifier (failure.h).
//
// Thread safety: executors are immutable after creation; execute() is called concurrently from
// every server thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/limits.h"
#include "http/message.h"
#include "manifest/manifest.h"

namespace tern::obs {
class RequestObservation;
}

namespace tern::executor {

// The wire types executors read and answer (http/ is the stage to their left).
using http::Request;
using http::Response;

// A component's effective limits ([component.<id>.tern] over the node defaults).
struct ExecLimits {
  std::optional<std::chrono::nanoseconds> request_timeout;  // nullopt: none
  uint64_t max_instance_memory = 0;                         // 0: the engine's default
  uint64_t max_output = limits::kMaxGuestStdoutBytes;       // the whole response; more gives 500
};

// The route a request matched (produced by trigger/router.h): what Spin's `spin-*` headers and
// WAGI's X_* variables report to the guest.
struct RouteMatch {
  size_t trigger_index = 0;
  std::string component_id;
  std::string based_route;  // base + raw route, e.g. "/api/users/:id/..."
  std::string raw_route;    // as written in the manifest
  std::vector<std::pair<std::string, std::string>> named_wildcards;  // `:name` -> segment
  std::string trailing_wildcard;  // what `/...` matched, "" or starting with '/'

  std::string basedRouteOrPrefix() const;  // based route without "/..."
  std::string rawRouteOrPrefix() const;    // raw route without "/..."
};

// One request, as an executor is asked to run it. Everything is borrowed for the call.
struct Invocation {
  http::Request& request;  // the body may be moved into the guest
  const RouteMatch& route;
  const manifest::HttpTrigger& trigger;  // its `executor` (WAGI argv template)
  std::string_view base;                 // the application's HTTP base
  const ExecLimits& limits;
  obs::RequestObservation* observation = nullptr;  // the request's, or null
};

// The request's deadline under `limits`, counted from now; nullopt when it has none.
std::optional<std::chrono::steady_clock::time_point> deadlineFrom(const ExecLimits& limits);

class Executor {
 public:
  virtual ~Executor() = default;
  // The component this executor runs.
  virtual const std::string& id() const = 0;
  // Runs one request in a fresh instance. Never fails: guest errors become 500 (trap, bad
  // output) or 504 (deadline) responses, each logged once naming component, route and reason.
  virtual http::Response execute(const Invocation& call) const = 0;
};

}  // namespace tern::executor
