// The libcurl implementation of wasi2::OutboundHttp, with Spin's allow-list.
#include "host/outbound_http.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "common/observation.h"
#include "host/curl_api.h"

namespace tern::host {
namespace {

using wasi2::FieldList;
using wasi2::HttpError;
using wasi2::HttpErrorCase;
using wasi2::HttpResult;
using wasi2::IncomingHttpResponse;
using wasi2::OutgoingHttpRequest;
using wasi2::OutboundCall;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kServiceChainingSuffix = ".spin.internal";

HttpError httpError(HttpErrorCase c, std::string message = {}) {
  return HttpError{c, std::move(message), {}};
}

struct UrlDeleter {
  void operator()(CURLU* u) const { curlApi()->url_cleanup(u); }
};
struct EasyDeleter {
  void operator()(CURL* c) const { curlApi()->easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curlApi()->slist_free_all(l); }
};

std::string urlPart(CURLU* u, CURLUPart part, unsigned flags = 0) {
  char* s = nullptr;
  if (curlApi()->url_get(u, part, &s, flags) != CURLUE_OK || !s) return {};
  std::string out(s);
  curlApi()->free(s);
  return out;
}

// The parts of the request URL the allow-list looks at.
struct Target {
  std::string url, scheme, host;
  uint16_t port = 0;
};

HttpResult<Target> parseTarget(const OutgoingHttpRequest& r) {
  const char* why = nullptr;
  if (!curlApi(&why)) return std::unexpected(httpError(HttpErrorCase::kInternalError, why));
  Target t;
  t.url = r.scheme + "://" + r.authority + (r.path_with_query.starts_with('/') ? "" : "/") +
          r.path_with_query;
  std::unique_ptr<CURLU, UrlDeleter> u(curlApi()->url());
  if (!u || curlApi()->url_set(u.get(), CURLUPART_URL, t.url.c_str(), CURLU_NON_SUPPORT_SCHEME) !=
                CURLUE_OK) {
    return std::unexpected(httpError(HttpErrorCase::kHttpRequestUriInvalid, t.url));
  }
  t.scheme = urlPart(u.get(), CURLUPART_SCHEME);
  t.host = urlPart(u.get(), CURLUPART_HOST);
  if (t.host.size() > 2 && t.host.front() == '[') t.host = t.host.substr(1, t.host.size() - 2);
  std::string port = urlPart(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (port.empty()) {
    t.port = AllowedHosts::defaultPort(t.scheme);
  } else {
    t.port = static_cast<uint16_t>(std::stoul(port));
  }
  return t;
}

struct Transfer {
  IncomingHttpResponse response;
  size_t header_bytes = 0;
  size_t max_headers = 0;
  uint64_t max_body = 0;
  bool headers_too_large = false;
  bool body_too_large = false;
};

size_t onHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {  // a new response (after 1xx): start over
    t->response.headers.clear();
    t->header_bytes = 0;
    return line.size();
  }
  t->header_bytes += line.size();
  if (t->header_bytes > t->max_headers) {
    t->headers_too_large = true;
    return 0;
  }
  // The blank line, or obs-fold, gives nothing.
  if (auto h = splitHeaderLine(line)) t->response.headers.push_back(std::move(*h));
  return line.size();
}

size_t onBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  if (t->response.body.size() + len > t->max_body) {
    t->body_too_large = true;
    return 0;  // aborts with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, len);
  return len;
}

HttpError mapCurlError(CURLcode rc, const Transfer& t, const char* detail, bool got_bytes) {
  std::string msg = detail[0] ? detail : curlApi()->easy_strerror(rc);
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
      return httpError(HttpErrorCase::kDnsError, msg);
    case CURLE_COULDNT_CONNECT:
      return httpError(HttpErrorCase::kConnectionRefused, msg);
    case CURLE_OPERATION_TIMEDOUT:
      return httpError(
          got_bytes ? HttpErrorCase::kHttpResponseTimeout : HttpErrorCase::kConnectionTimeout, msg);
    case CURLE_PEER_FAILED_VERIFICATION:
      return httpError(HttpErrorCase::kTlsCertificateError, msg);
    case CURLE_SSL_CONNECT_ERROR:
      return httpError(HttpErrorCase::kTlsProtocolError, msg);
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return httpError(HttpErrorCase::kHttpResponseIncomplete, msg);
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      return httpError(HttpErrorCase::kConnectionTerminated, msg);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return httpError(HttpErrorCase::kHttpRequestUriInvalid, msg);
    case CURLE_WEIRD_SERVER_REPLY:
      return httpError(HttpErrorCase::kHttpProtocolError, msg);
    default:
      break;
  }
  if (t.body_too_large) {
    HttpError e = httpError(HttpErrorCase::kHttpResponseBodySize, msg);
    e.size = t.max_body;
    return e;
  }
  if (t.headers_too_large) {
    HttpError e = httpError(HttpErrorCase::kHttpResponseHeaderSectionSize, msg);
    e.size = t.max_headers;
    return e;
  }
  return httpError(HttpErrorCase::kInternalError, msg);
}

class CurlOutbound final : public wasi2::OutboundHttp {
 public:
  CurlOutbound(AllowedHosts hosts, OutboundOptions options)
      : hosts_(std::move(hosts)), options_(std::move(options)) {}

  HttpResult<void> check(const OutgoingHttpRequest& r) const override {
    if (isSelf(r)) {
      if (hosts_.allowsSelf() && options_.local) return {};
      return deny(r, "/" + r.path_with_query, "self");
    }
    auto t = parseTarget(r);
    if (!t) return std::unexpected(t.error());
    if (hosts_.allows(t->scheme, t->host, t->port)) return {};
    return deny(r, t->url, t->scheme + "://" + t->host + ":" + std::to_string(t->port));
  }

  HttpResult<IncomingHttpResponse> send(const OutgoingHttpRequest& r,
                                        const OutboundCall& call) const override {
    bool internal = false;
    if (!isSelf(r)) {
      auto t = parseTarget(r);
      if (!t) return std::unexpected(t.error());
      internal = t->host.ends_with(kServiceChainingSuffix);
      if (!internal) return perform(r, call);
    }
    if (options_.local) {
      if (auto res = options_.local(r, call)) return std::move(*res);
    }
    return std::unexpected(httpError(
        internal ? HttpErrorCase::kDestinationNotFound : HttpErrorCase::kHttpRequestDenied,
        r.authority));
  }

 private:
  static bool isSelf(const OutgoingHttpRequest& r) {
    return r.authority.empty() || r.authority == "self";
  }

  HttpResult<void> deny(const OutgoingHttpRequest& r, const std::string& url,
                        const std::string& origin) const {
    if (options_.log_denied) {
      std::fprintf(stderr,
                   "tern: component \"%s\": outbound %s %s denied: %s is not in "
                   "allowed_outbound_hosts\n",
                   options_.component_id.c_str(), r.method.c_str(), url.c_str(), origin.c_str());
    }
    return std::unexpected(httpError(HttpErrorCase::kHttpRequestDenied, origin));
  }

  HttpResult<IncomingHttpResponse> perform(const OutgoingHttpRequest& r,
                                           const OutboundCall& call) const;

  AllowedHosts hosts_;
  OutboundOptions options_;
};

bool hasHeader(const FieldList& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) {
    return h.first.size() == name.size() &&
           std::equal(name.begin(), name.end(), h.first.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           });
  });
}

// W3C Trace Context of the request's current span, unless the guest set its own traceparent.
template <typename Add>
void addTraceHeaders(const FieldList& headers, const obs::RequestObservation* observation,
                     Add&& add) {
  if (hasHeader(headers, "traceparent")) return;
  auto trace = obs::traceHeaders(observation);
  if (!trace) return;
  add("traceparent: " + trace->traceparent);
  if (!trace->tracestate.empty() && !hasHeader(headers, "tracestate")) {
    add("tracestate: " + trace->tracestate);
  }
}

long msUntil(Clock::time_point deadline, std::chrono::milliseconds cap) {
  auto now = Clock::now();
  if (deadline <= now) return 1;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
  return static_cast<long>(std::max<int64_t>(1, std::min(left, cap).count()));
}

HttpResult<IncomingHttpResponse> CurlOutbound::perform(const OutgoingHttpRequest& r,
                                                       const OutboundCall& call) const {
  auto target = parseTarget(r);
  if (!target) return std::unexpected(target.error());
  if (target->scheme != "http" && target->scheme != "https") {
    return std::unexpected(
        httpError(HttpErrorCase::kHttpRequestUriInvalid, "unsupported scheme " + target->scheme));
  }
  std::unique_ptr<CURL, EasyDeleter> curl(curlApi()->easy_init());
  if (!curl) return std::unexpected(httpError(HttpErrorCase::kInternalError, "curl_easy_init"));
  CURL* c = curl.get();
  Transfer t;
  t.max_body = options_.max_response_body;
  t.max_headers = options_.max_response_headers;
  char errbuf[CURL_ERROR_SIZE] = {0};
  std::unique_ptr<curl_slist, ListDeleter> headers;
  auto add = [&](const std::string& line) {
    curl_slist* l = curlApi()->slist_append(headers.get(), line.c_str());
    if (l) {
      headers.release();
      headers.reset(l);
    }
  };
  for (const auto& [k, v] : r.headers) add(k + ": " + v);
  addTraceHeaders(r.headers, call.observation, add);
  add("Expect:");  // no 100-continue round trip
  long total_ms = msUntil(call.deadline, options_.timeout);
  long connect_ms = total_ms;
  if (r.connect_timeout) {
    connect_ms = std::min<long>(
        connect_ms,
        std::max<long>(
            1, std::chrono::duration_cast<std::chrono::milliseconds>(*r.connect_timeout).count()));
  }
  curlApi()->easy_setopt(c, CURLOPT_URL, target->url.c_str());
  curlApi()->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curlApi()->easy_setopt(c, CURLOPT_PROXY, "");
  curlApi()->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curlApi()->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curlApi()->easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curlApi()->easy_setopt(c, CURLOPT_TIMEOUT_MS, total_ms);
  curlApi()->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  curlApi()->easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curlApi()->easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
  curlApi()->easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curlApi()->easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
  curlApi()->easy_setopt(c, CURLOPT_WRITEDATA, &t);
  if (r.method == "HEAD") {
    curlApi()->easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    curlApi()->easy_setopt(c, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
  if (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
    curlApi()->easy_setopt(c, CURLOPT_POSTFIELDS, r.body.data());
    curlApi()->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  }
  CURLcode rc = curlApi()->easy_perform(c);
  if (rc != CURLE_OK) {
    long code = 0;
    curlApi()->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    return std::unexpected(mapCurlError(rc, t, errbuf, code != 0));
  }
  long code = 0;
  curlApi()->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  t.response.status = static_cast<uint16_t>(code);
  return std::move(t.response);
}

}  // namespace

std::shared_ptr<const wasi2::OutboundHttp> makeOutboundHttp(AllowedHosts hosts,
                                                                OutboundOptions options) {
  return std::make_shared<CurlOutbound>(std::move(hosts), std::move(options));
}

}  // namespace tern::host
