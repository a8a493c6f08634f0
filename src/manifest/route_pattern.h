// Spin HTTP route syntax: exact paths, `:name` segments and a trailing `/...` wildcard.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace tern::manifest {

struct RouteSegment {
  enum class Kind : uint8_t { kLiteral, kParam };
  Kind kind = Kind::kLiteral;
  std::string text;  // the literal, or the parameter name without ':'
};

// A parsed route. `raw` is the text as written (Spin's "raw component route"); `segments` and
// `trailing_wildcard` describe it with the leading '/' and one trailing '/' removed.
struct RoutePattern {
  std::string raw;
  bool is_private = false;  // `route = { private = true }`: never routed
  std::vector<RouteSegment> segments;
  bool trailing_wildcard = false;  // ends in "/..." (or "/*")

  // The route without its trailing wildcard ("/foo/..." -> "/foo", "/..." -> "").
  std::string prefix() const;
};

// Parses a route string. A missing leading '/' is added, as Spin does. Errors
// (kManifest, message says why): "..." or "*" anywhere but the last segment, an empty or
// non-identifier parameter name, a parameter name used twice, '?', '#' or whitespace.
Result<RoutePattern> parseRoute(std::string_view raw);

// Joins an application base ("/", "/api") and a route as Spin does: both lose one trailing '/'.
std::string joinBase(std::string_view base, std::string_view route);

}  // namespace tern::manifest
