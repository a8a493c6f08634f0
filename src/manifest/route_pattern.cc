// Route parsing for the manifest and the router (Spin's routefinder syntax).
#include "manifest/route_pattern.h"

#include <algorithm>
#include <cctype>

namespace tern::manifest {
namespace {

bool isParamName(std::string_view name) {
  if (name.empty()) return false;
  if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::string stripOneSlash(std::string_view s) {
  if (s.ends_with('/')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::string RoutePattern::prefix() const {
  std::string_view r = raw;
  if (r.ends_with("/..."))
    r.remove_suffix(4);
  else if (r.ends_with("/*"))
    r.remove_suffix(2);
  return std::string(r);
}

std::string joinBase(std::string_view base, std::string_view route) {
  std::string path(route);
  if (!path.starts_with('/')) path.insert(path.begin(), '/');
  return stripOneSlash(base) + stripOneSlash(path);
}

Result<RoutePattern> parseRoute(std::string_view raw) {
  RoutePattern out;
  out.raw = std::string(raw);
  for (char c : raw) {
    if (c == '?' || c == '#' || std::isspace(static_cast<unsigned char>(c)) ||
        static_cast<unsigned char>(c) < 0x20) {
      return fail(ErrorCode::kManifest, "route '", std::string(raw),
                  "' may not contain '?', '#', whitespace or control characters");
    }
  }
  std::string_view rest = raw;
  if (rest.starts_with('/')) rest.remove_prefix(1);
  if (rest.ends_with('/')) rest.remove_suffix(1);
  std::vector<std::string_view> parts;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    bool last = i + 1 == parts.size();
    if (part == "..." || part == "*") {
      if (!last) {
        return fail(ErrorCode::kManifest, "route '", std::string(raw), "': a wildcard '",
                    std::string(part), "' may only end the route");
      }
      out.trailing_wildcard = true;
      continue;
    }
    if (part.find("...") != std::string_view::npos || part.find('*') != std::string_view::npos) {
      return fail(ErrorCode::kManifest, "route '", std::string(raw), "': segment '",
                  std::string(part), "' mixes a wildcard with other text (use '/...' at the end)");
    }
    if (part.empty()) {
      return fail(ErrorCode::kManifest, "route '", std::string(raw),
                  "' has an empty segment ('//')");
    }
    if (part.starts_with(':')) {
      std::string_view name = part.substr(1);
      if (!isParamName(name)) {
        return fail(ErrorCode::kManifest, "route '", std::string(raw),
                    "': parameter ':", std::string(name),
                    "' needs a name of letters, digits, '_' or '-'");
      }
      for (const auto& s : out.segments) {
        if (s.kind == RouteSegment::Kind::kParam && s.text == name) {
          return fail(ErrorCode::kManifest, "route '", std::string(raw),
                      "' uses parameter ':", std::string(name), "' twice");
        }
      }
      out.segments.push_back({RouteSegment::Kind::kParam, std::string(name)});
      continue;
    }
    out.segments.push_back({RouteSegment::Kind::kLiteral, std::string(part)});
  }
  return out;
}

}  // namespace tern::manifest
