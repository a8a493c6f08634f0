// What a handler learns about its request: Spin's headers, and the WAGI (CGI/1.1) environment.
//
// Spin gives every component the same facts in two spellings: `spin-*` request headers for
// `http` components, and `X_*` environment variables for WAGI ones (spin
// crates/trigger-http/src/headers.rs). The WAGI environment adds the CGI/1.1 meta-variables
// (RFC 3875 section 4.1) the way Spin's wagi executor builds them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "executor/executor.h"
#include "http/message.h"

namespace tern::executor {

struct SpinValue {
  std::string header;  // "spin-full-url"
  std::string env;     // "X_FULL_URL"
  std::string value;
};

// spin-full-url, spin-path-info, spin-matched-route, spin-base-path, spin-raw-component-route,
// spin-component-route, spin-client-addr and one spin-path-match-<name> per `:name`.
std::vector<SpinValue> spinValues(const Request& req, const RouteMatch& match,
                                  std::string_view base);

// "KEY=VALUE" entries: CGI meta-variables, HTTP_<HEADER> for every request header except
// Authorization and Connection (RFC 3875 4.1.18), and the X_* Spin values.
std::vector<std::string> wagiEnv(const Request& req, const RouteMatch& match,
                                 std::string_view base);

// argv from the executor's template: ${SCRIPT_NAME} is the request path, ${ARGS} the query with
// '&' turned into ' '; the result is split on ' ' (as Spin does, empty pieces kept).
std::vector<std::string> wagiArgv(std::string_view argv_template, const Request& req);

// A CGI response (RFC 3875 6): header lines, a blank line, the body. `Status: 404 Not Found`
// sets the status; `Location` without a Status gives 302. Errors (kGuestResponse, message
// suitable for the log): no Content-Type, Location or Status header; a header block larger than
// limits::kMaxGuestResponseHeaderBytes.
Result<Response> parseCgiResponse(std::string_view stdout_bytes);

// Percent-decoding (invalid escapes are kept as they are).
std::string percentDecode(std::string_view s);

}  // namespace tern::executor
