// Spin's `allowed_outbound_hosts`: which scheme://host:port a component may send requests to.
//
// Entry syntax (as Spin's outbound-networking config): `scheme://host[:port]` with
//   scheme  a name (`http`, `https`, `redis`, ...) or `*`;
//   host    an exact name or IP literal, `*` (any host), `*.example.com` (any subdomain, not the
//           domain itself), or `self` (this application, reached with a relative URL);
//   port    a number, a range `8000..8080` (end exclusive, as Rust ranges), or `*`; absent: the
//           scheme's well-known port (http 80, https 443, redis 6379, ...), an error for `*://`.
// A path other than `/` is an error. `insecure:allow-all` allows everything. `{{ var }}`
// templates are expanded before parsing (AppServices, from application variables); one left
// here is an error.
//
// Thread safety: immutable after parse(); share freely.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace tern::host {

class AllowedHosts {
 public:
  // Errors: kHostConfig, one line per bad entry: "allowed_outbound_hosts entry `x`: why".
  static Result<AllowedHosts> parse(const std::vector<std::string>& entries);

  // Whether a request to scheme://host:port is allowed. `scheme` and `host` are compared
  // case-insensitively; `host` is without IPv6 brackets.
  bool allows(std::string_view scheme, std::string_view host, uint16_t port) const;
  // Whether relative requests to the application itself (`http://self`) are allowed.
  bool allowsSelf() const { return self_; }
  bool empty() const { return patterns_.empty() && !self_; }

  // The well-known port of `scheme`, or 0 when it has none.
  static uint16_t defaultPort(std::string_view scheme);

 private:
  struct Pattern {
    std::string scheme;  // lower case; "*" any
    enum class Host : uint8_t { kExact, kAny, kSubdomains } host_kind = Host::kExact;
    std::string host;                   // kExact: the name; kSubdomains: ".example.com"
    uint32_t port_lo = 0, port_hi = 0;  // [lo, hi]
  };
  static Result<Pattern> parseOne(std::string_view entry, bool& self);
  std::vector<Pattern> patterns_;
  bool self_ = false;
};

}  // namespace tern::host
