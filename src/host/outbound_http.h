// Outbound HTTP for components (wasi:http/outgoing-handler): libcurl behind the allow-list.
//
//   auto hosts = AllowedHosts::parse(component.allowed_outbound_hosts).value();
//   auto out = makeOutboundHttp(std::move(hosts), {.component_id = "api"});
//   HttpTypes t = defineWasiHttp(linker, io, out);
//
// A request is allowed when its scheme://host:port matches an allowed_outbound_hosts entry;
// otherwise the guest gets HTTP-request-denied and tern logs one line naming the component and
// the URL. Only http and https are sent; redirects are returned to the guest, not followed; proxy
// environment variables are ignored. Each request is bounded by the earlier of the request
// deadline and `timeout`, and its response body by `max_response_body` (HTTP-response-body-size).
// Requests to `self` (no authority) and to `<id>.spin.internal` (allowed like any host, e.g. by
// `http://*.spin.internal`) go to OutboundOptions::local instead of a socket.
//
// Thread safety: the returned object is immutable; send() may run on many threads at once (one
// curl easy handle per request).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "wasi2/http.h"
#include "host/allowed_hosts.h"

namespace tern::host {

// Answers requests to the application itself without a socket: relative URLs (`self`) and
// `http://<component-id>.spin.internal` (service chaining, private routes included); returns
// nullopt when it does not handle `request`. `call` is the calling guest's request (deadline,
// observation).
using LocalDispatch =
    std::function<std::optional<wasi2::HttpResult<wasi2::IncomingHttpResponse>>(
        const wasi2::OutgoingHttpRequest& request, const wasi2::OutboundCall& call)>;

struct OutboundOptions {
  std::string component_id;                   // for log lines
  std::chrono::milliseconds timeout{30'000};  // per request, when the request deadline is later
  uint64_t max_response_body = 64ull << 20;
  size_t max_response_headers = 64u << 10;  // header section bytes; more: header-section-size
  LocalDispatch local;     // `self` and `*.spin.internal` requests; null: they fail
  bool log_denied = true;  // one stderr line per denied request
};

std::shared_ptr<const wasi2::OutboundHttp> makeOutboundHttp(AllowedHosts hosts,
                                                                OutboundOptions options);

}  // namespace tern::host
