// Parsing and matching of Spin `allowed_outbound_hosts` patterns.
#include "host/allowed_hosts.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace tern::host {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool parsePort(std::string_view s, uint32_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out <= 65535;
}

bool validHostChars(std::string_view h) {
  return !h.empty() && std::all_of(h.begin(), h.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
           c == ':';  // ':' only inside an IPv6 literal (brackets stripped)
  });
}

}  // namespace

uint16_t AllowedHosts::defaultPort(std::string_view scheme) {
  std::string s = lower(scheme);
  if (s == "http" || s == "ws") return 80;
  if (s == "https" || s == "wss") return 443;
  if (s == "redis") return 6379;
  if (s == "mysql") return 3306;
  if (s == "postgres") return 5432;
  if (s == "mqtt") return 1883;
  return 0;
}

Result<AllowedHosts::Pattern> AllowedHosts::parseOne(std::string_view e, bool& self) {
  if (e.find("{{") != std::string_view::npos) {
    return fail(ErrorCode::kHostConfig, "unexpanded variable template (application variables are expanded at load by host services)");
  }
  size_t sep = e.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return fail(ErrorCode::kHostConfig,
                "must be scheme://host[:port], e.g. https://example.com");
  }
  Pattern p;
  p.scheme = lower(e.substr(0, sep));
  std::string_view rest = e.substr(sep + 3);
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    if (rest.substr(slash) != "/") return fail(ErrorCode::kHostConfig, "must not have a path");
    rest = rest.substr(0, slash);
  }
  std::string_view host = rest, port;
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return fail(ErrorCode::kHostConfig, "unclosed `[`");
    host = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty() && after.front() != ':')
      return fail(ErrorCode::kHostConfig, "bad host");
    if (!after.empty()) port = after.substr(1);
    if (!after.empty() && port.empty()) return fail(ErrorCode::kHostConfig, "empty port");
  } else if (size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty()) return fail(ErrorCode::kHostConfig, "empty port");
  }
  std::string h = lower(host);
  if (h == "self") {
    self = true;
  } else if (h == "*") {
    p.host_kind = Pattern::Host::kAny;
  } else if (h.starts_with("*.") && validHostChars(h.substr(2))) {
    p.host_kind = Pattern::Host::kSubdomains;
    p.host = h.substr(1);
  } else if (validHostChars(h) && h.find('*') == std::string::npos) {
    p.host = h;
  } else {
    return fail(ErrorCode::kHostConfig, "invalid host `", host,
                "` (a name, `*`, `*.domain` or `self`)");
  }
  if (port == "*") {
    p.port_lo = 0;
    p.port_hi = 65535;
  } else if (size_t dots = port.find(".."); dots != std::string_view::npos) {
    uint32_t lo = 0, hi = 0;
    if (!parsePort(port.substr(0, dots), lo) || !parsePort(port.substr(dots + 2), hi) || hi <= lo) {
      return fail(ErrorCode::kHostConfig, "invalid port range `", port, "` (e.g. 8000..8080)");
    }
    p.port_lo = lo;
    p.port_hi = hi - 1;
  } else if (!port.empty()) {
    if (!parsePort(port, p.port_lo))
      return fail(ErrorCode::kHostConfig, "invalid port `", port, "`");
    p.port_hi = p.port_lo;
  } else if (uint16_t d = defaultPort(p.scheme); d != 0 || self) {
    p.port_lo = p.port_hi = d;
  } else {
    return fail(ErrorCode::kHostConfig, "a port is required for scheme `", p.scheme, "`");
  }
  return p;
}

Result<AllowedHosts> AllowedHosts::parse(const std::vector<std::string>& entries) {
  AllowedHosts out;
  std::string errors;
  for (const std::string& e : entries) {
    if (e == "insecure:allow-all") {
      out.patterns_.push_back({"*", Pattern::Host::kAny, "", 0, 65535});
      out.self_ = true;
      continue;
    }
    bool self = false;
    auto p = parseOne(e, self);
    if (!p) {
      errors += (errors.empty() ? "" : "\n") + std::string("allowed_outbound_hosts entry `") + e +
                "`: " + p.error().message;
      continue;
    }
    if (self) {
      out.self_ = true;
    } else {
      out.patterns_.push_back(std::move(*p));
    }
  }
  if (!errors.empty()) return fail(ErrorCode::kHostConfig, errors);
  return out;
}

bool AllowedHosts::allows(std::string_view scheme, std::string_view host, uint16_t port) const {
  std::string s = lower(scheme), h = lower(host);
  for (const Pattern& p : patterns_) {
    if (p.scheme != "*" && p.scheme != s) continue;
    if (port < p.port_lo || port > p.port_hi) continue;
    switch (p.host_kind) {
      case Pattern::Host::kAny:
        return true;
      case Pattern::Host::kExact:
        if (h == p.host) return true;
        break;
      case Pattern::Host::kSubdomains:
        if (h.size() > p.host.size() && h.ends_with(p.host)) return true;
        break;
    }
  }
  return false;
}

}  // namespace tern::host
