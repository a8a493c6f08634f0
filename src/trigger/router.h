// Spin's HTTP routing: which trigger handles a path, and what the route captured.
//
// Precedence (as Spin's routefinder): segment by segment, a literal beats a `:param`, which beats
// the trailing wildcard; on an equal common part an exact route beats a wildcard and a longer
// route beats a shorter one. So `/one` beats `/...`, and `/one/two/...` beats `/one/...` for
// `/one/two/three`. Private routes are never routed. Two triggers with the same route: the later
// one wins and the clash is reported (Spin warns at start-up).
//
// Thread safety: a built Router is immutable and safe to share across threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "executor/executor.h"
#include "manifest/route_pattern.h"

namespace tern::trigger {

// What a match yields is the executor's contract (executor/executor.h).
using executor::RouteMatch;

struct RouteEntry {
  size_t trigger_index = 0;  // position in the manifest's http_triggers
  std::string component_id;  // empty for a static response
  manifest::RoutePattern route;
};

struct DuplicateRoute {
  std::string route;         // the based route
  std::string replaced_id;   // component whose route is now unreachable
  std::string effective_id;  // component that serves it
};

class Router {
 public:
  // Builds from the triggers in manifest order. `base` is the application's HTTP base ("/").
  // Errors: kAppLoad when a based route does not parse (the manifest already checked
  // raw routes, so only a bad base gets here).
  static Result<Router> build(std::string_view base, std::vector<RouteEntry> entries,
                              std::vector<DuplicateRoute>* duplicates = nullptr);

  // The best match for a request path (no query), or nullopt for 404.
  std::optional<RouteMatch> route(std::string_view path) const;

  struct Route {
    RouteEntry entry;
    std::string based_route;
    manifest::RoutePattern based;  // parsed based route
  };
  // Routable entries in manifest order (for the start-up banner).
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace tern::trigger
