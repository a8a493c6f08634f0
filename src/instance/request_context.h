// The one per-request context: the request's deadline, its observation, and the typed host state
// every host layer reaches through it.
//
//   instance::RequestContext ctx;                       // the executor's, one per request
//   ctx.deadline = now + request_timeout;               // the only deadline of the request
//   ctx.observation = observation;                      // common/observation.h, or null
//   ctx.wasi2 = &wasi2_state;  ctx.services = services; // what the guest's host layers use
//   component::Session session(engine, limits, ctx);   // or: store.setContext(&ctx)
//
// Host functions reach it from their call (`Caller::store().context()`,
// `component::HostCall::context()`) and read their own part by its type: the WASI preview 1
// functions `wasi`, the WASI 0.2 and wasi:http host `wasi2`, key-value/SQLite/variables
// `services`. Nothing is a `void*` cast back: a part a host layer needs but the embedder did not
// set is null, and the host function traps (or answers access-denied) instead of guessing.
//
// Every consumer of the deadline reads this one field: the engine's epoch check in guest code
// (Store::call), WASI waits (poll, blocking reads and writes, clock sleeps), outbound HTTP and
// SQLite statements.
//
// Ownership: the executor's per-request state owns the context and every part it points to, and
// destroys them after the Store/Session that points here (executor/README.md). The parts are
// declared here by name only; each is defined by its own stage to the right.
//
// Thread safety: used by the one thread running the request.
#pragma once

#include <chrono>
#include <optional>

namespace tern::obs {
class RequestObservation;
}
namespace tern::wasi {
class WasiContext;
}
namespace tern::wasi2 {
struct WasiP2Context;
}
namespace tern::host {
struct ComponentServices;
}

namespace tern::instance {

struct RequestContext {
  using Clock = std::chrono::steady_clock;

  // When the request must be over: guest code traps with TrapKind::kDeadline, waits stop there.
  std::optional<Clock::time_point> deadline;
  // The request's observation (metrics, spans), or null when not observed.
  obs::RequestObservation* observation = nullptr;

  // Host state by layer, not owned; null when the guest's world has no such layer.
  wasi::WasiContext* wasi = nullptr;                  // WASI preview 1 (WAGI, `tern run` modules)
  wasi2::WasiP2Context* wasi2 = nullptr;              // WASI 0.2 + wasi:http (components)
  const host::ComponentServices* services = nullptr;  // key-value, SQLite, variables

  // The deadline, or the far future when there is none (for waits).
  Clock::time_point deadlineOrMax() const { return deadline.value_or(Clock::time_point::max()); }
};

}  // namespace tern::instance
