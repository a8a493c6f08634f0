// Route matching with Spin's precedence: literal > :param > trailing wildcard, exact > wildcard.
#include "trigger/router.h"

namespace tern::trigger {
namespace {

using manifest::RoutePattern;
using manifest::RouteSegment;

std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.ends_with('/')) path.remove_suffix(1);
  if (path.empty()) return out;
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool matches(const RoutePattern& p, const std::vector<std::string_view>& parts) {
  if (parts.size() < p.segments.size()) return false;
  if (!p.trailing_wildcard && parts.size() != p.segments.size()) return false;
  for (size_t i = 0; i < p.segments.size(); ++i) {
    const RouteSegment& s = p.segments[i];
    if (s.kind == RouteSegment::Kind::kLiteral ? parts[i] != s.text : parts[i].empty()) {
      return false;
    }
  }
  return true;
}

// True when `a` is more specific than `b` (both match the same path).
bool moreSpecific(const RoutePattern& a, const RoutePattern& b) {
  size_t n = std::min(a.segments.size(), b.segments.size());
  for (size_t i = 0; i < n; ++i) {
    if (a.segments[i].kind != b.segments[i].kind) {
      return a.segments[i].kind == RouteSegment::Kind::kLiteral;
    }
  }
  if (a.segments.size() != b.segments.size()) return a.segments.size() > b.segments.size();
  return !a.trailing_wildcard && b.trailing_wildcard;
}

}  // namespace


Result<Router> Router::build(std::string_view base, std::vector<RouteEntry> entries,
                             std::vector<DuplicateRoute>* duplicates) {
  Router r;
  for (RouteEntry& e : entries) {
    if (e.route.is_private) continue;
    std::string based = manifest::joinBase(base, e.route.raw);
    auto parsed = manifest::parseRoute(based.empty() ? "/" : based);
    if (!parsed) {
      return fail(ErrorCode::kAppLoad, "route ", based, " of component ", e.component_id,
                  ": ", parsed.error().message);
    }
    Route route{std::move(e), std::move(based), std::move(*parsed)};
    bool replaced = false;
    for (Route& existing : r.routes_) {
      if (existing.entry.route.raw != route.entry.route.raw) continue;
      if (duplicates) {
        duplicates->push_back({existing.based_route.empty() ? "/" : existing.based_route,
                               existing.entry.component_id, route.entry.component_id});
      }
      existing = std::move(route);  // the later trigger wins, in the earlier one's place
      replaced = true;
      break;
    }
    if (!replaced) r.routes_.push_back(std::move(route));
  }
  return r;
}

std::optional<RouteMatch> Router::route(std::string_view path) const {
  std::vector<std::string_view> parts = splitPath(path);
  const Route* best = nullptr;
  for (const Route& r : routes_) {
    if (!matches(r.based, parts)) continue;
    if (!best || moreSpecific(r.based, best->based)) best = &r;
  }
  if (!best) return std::nullopt;
  RouteMatch m;
  m.trigger_index = best->entry.trigger_index;
  m.component_id = best->entry.component_id;
  m.based_route = best->based_route.empty() ? "/" : best->based_route;
  m.raw_route = best->entry.route.raw;
  for (size_t i = 0; i < best->based.segments.size(); ++i) {
    if (best->based.segments[i].kind == RouteSegment::Kind::kParam) {
      m.named_wildcards.emplace_back(best->based.segments[i].text, std::string(parts[i]));
    }
  }
  if (best->based.trailing_wildcard) {
    // Spin keeps the trailing slash of the request path in the captured part.
    std::string rest;
    for (size_t i = best->based.segments.size(); i < parts.size(); ++i) {
      rest += "/";
      rest += parts[i];
    }
    if (path.ends_with('/')) rest += "/";
    m.trailing_wildcard = rest;
  }
  return m;
}

}  // namespace tern::trigger
