// wasi:http 0.2 host: the types interface (fields, requests, responses, bodies, futures), the
// outgoing-handler import, and the objects an embedder uses to drive incoming-handler exports.
//
//   ComponentLinker linker;  IoTypes io = defineWasiIo(linker);
//   HttpTypes http = defineWasiHttp(linker, io, outbound);   // outbound may be null: all denied
//   auto req = std::make_unique<IncomingRequest>(...);   // the embedder's request
//   auto out = std::make_shared<ResponseSlot>();          // what the guest answers
//   rep = session.resources().add(http.incoming_request, std::move(req));
//   rep2 = session.resources().add(http.response_outparam,
//   std::make_unique<ResponseOutparam>(out)); instance->call(handle, {Val::own(rep),
//   Val::own(rep2)});   // then read *out
//
// One implementation backs every wasi:http 0.2.x version (resource types are shared through
// ComponentLinker's semver matching). Guest-visible failures are WIT values (header-error,
// error-code); host functions trap only when the guest breaks the resource protocol (a handle of
// the wrong state, e.g. `consume` twice is an error value, not a trap, as the WIT says).
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "component/linker.h"
#include "wasi2/io.h"

namespace tern::wasi2 {

// Caps on what a guest can make the host hold per request.
inline constexpr size_t kMaxFieldsEntries = 1024;  // entries in one fields; more: invalid-syntax
inline constexpr size_t kMaxFieldsBytes = 256u << 10;       // names + values of one fields
inline constexpr uint64_t kMaxHttpBodyBytes = 64ull << 20;  // default outgoing body cap

using FieldList = std::vector<std::pair<std::string, std::string>>;  // lower-case names

// wasi:http/types.error-code, case indices in WIT order (the same in every 0.2.x).
enum class HttpErrorCase : uint32_t {
  kDnsTimeout = 0,
  kDnsError = 1,
  kDestinationNotFound = 2,
  kDestinationUnavailable = 3,
  kDestinationIpProhibited = 4,
  kDestinationIpUnroutable = 5,
  kConnectionRefused = 6,
  kConnectionTerminated = 7,
  kConnectionTimeout = 8,
  kConnectionReadTimeout = 9,
  kConnectionWriteTimeout = 10,
  kConnectionLimitReached = 11,
  kTlsProtocolError = 12,
  kTlsCertificateError = 13,
  kTlsAlertReceived = 14,
  kHttpRequestDenied = 15,
  kHttpRequestLengthRequired = 16,
  kHttpRequestBodySize = 17,
  kHttpRequestMethodInvalid = 18,
  kHttpRequestUriInvalid = 19,
  kHttpRequestUriTooLong = 20,
  kHttpRequestHeaderSectionSize = 21,
  kHttpRequestHeaderSize = 22,
  kHttpRequestTrailerSectionSize = 23,
  kHttpRequestTrailerSize = 24,
  kHttpResponseIncomplete = 25,
  kHttpResponseHeaderSectionSize = 26,
  kHttpResponseHeaderSize = 27,
  kHttpResponseBodySize = 28,
  kHttpResponseTrailerSectionSize = 29,
  kHttpResponseTrailerSize = 30,
  kHttpResponseTransferCoding = 31,
  kHttpResponseContentCoding = 32,
  kHttpResponseTimeout = 33,
  kHttpUpgradeFailed = 34,
  kHttpProtocolError = 35,
  kLoopDetected = 36,
  kConfigurationError = 37,
  kInternalError = 38,
};

// A wasi:http error-code value with the payloads the host produces.
struct HttpError {
  HttpErrorCase code = HttpErrorCase::kInternalError;
  std::string message;           // kInternalError / kDnsError (rcode) payload; also for logs
  std::optional<uint64_t> size;  // kHttpResponseBodySize / kHttpRequestBodySize payload
  Val toVal() const;             // the WIT variant value
};
// A readable name for logs: "HTTP-request-denied".
std::string_view httpErrorName(HttpErrorCase code);

// An outbound request as the guest built it (wasi:http/outgoing-handler.handle).
struct OutgoingHttpRequest {
  std::string method = "GET";
  std::string scheme = "https";  // "http", "https" or another scheme the guest named
  std::string authority;         // "host[:port]"; empty: none given
  std::string path_with_query = "/";
  FieldList headers;
  std::string body;
  std::optional<std::chrono::nanoseconds> connect_timeout;
  std::optional<std::chrono::nanoseconds> first_byte_timeout;
  std::optional<std::chrono::nanoseconds> between_bytes_timeout;
};

struct IncomingHttpResponse {
  uint16_t status = 200;
  FieldList headers;
  std::string body;
};

template <class T>
using HttpResult = std::expected<T, HttpError>;

// The request an outbound call is made for: it must be answered by `deadline` (the request's),
// and carries the trace context of `observation` (may be null).
struct OutboundCall {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  obs::RequestObservation* observation = nullptr;
};

// Sends outbound requests for the guests of one component. Implemented by host/outbound_http
// (libcurl, allow-list); the component stage only defines the interface. Thread-safe: one object
// serves every request of a component.
class OutboundHttp {
 public:
  virtual ~OutboundHttp() = default;
  // Whether the guest may send `request` at all (the allow-list); called when the guest calls
  // outgoing-handler.handle, so a denied request fails there with HTTP-request-denied.
  virtual HttpResult<void> check(const OutgoingHttpRequest& request) const = 0;
  // Sends `request`, returning by `call.deadline` at the latest (kHttpResponseTimeout /
  // kConnectionTimeout past it). The response body is read completely (capped).
  virtual HttpResult<IncomingHttpResponse> send(const OutgoingHttpRequest& request,
                                                const OutboundCall& call) const = 0;
};

// The wasi:http resource types, as registered in a linker.
struct HttpTypes {
  const ResourceType* fields = nullptr;
  const ResourceType* incoming_request = nullptr;
  const ResourceType* outgoing_request = nullptr;
  const ResourceType* request_options = nullptr;
  const ResourceType* response_outparam = nullptr;
  const ResourceType* incoming_response = nullptr;
  const ResourceType* incoming_body = nullptr;
  const ResourceType* future_trailers = nullptr;
  const ResourceType* outgoing_response = nullptr;
  const ResourceType* outgoing_body = nullptr;
  const ResourceType* future_incoming_response = nullptr;
};

// ---- Host objects the embedder creates or reads. ----

// A request body the guest reads (incoming-request / incoming-response .consume()). The bytes are
// held by the host already (the server reads the request before dispatch); the guest reads them
// through an input-stream in chunks.
struct BodySource {
  std::string bytes;
  size_t offset = 0;
};

// wasi:http/types.incoming-request.
struct IncomingRequest : HostObject {
  std::string method;  // as received, e.g. "GET"
  std::string scheme = "http";
  std::string authority;        // Host header value
  std::string path_with_query;  // "/a/b?c=d"
  FieldList headers;            // lower-case names
  std::shared_ptr<BodySource> body;
  bool consumed = false;
};

// A body the guest writes (outgoing-body of a response or an outbound request): capped; the
// guest finishes it (outgoing-body.finish) or drops it unfinished.
struct BodySink {
  std::string bytes;
  uint64_t max = kMaxHttpBodyBytes;
  bool stream_taken = false;
  bool finished = false;
  bool dropped = false;    // the outgoing-body resource is gone (finished or not)
  bool too_large = false;  // the guest tried to write past `max` (the write failed)
};

// What the guest answered through response-outparam.set; filled by the host functions, read by
// the embedder after `handle` returns. `body` is null when the guest never asked for one.
struct ResponseSlot {
  bool set = false;
  std::optional<HttpError> error;  // set(err(e))
  uint16_t status = 200;
  FieldList headers;
  std::shared_ptr<BodySink> body;
  uint64_t max_body = kMaxHttpBodyBytes;  // the response body cap (applied at set)
};

// wasi:http/types.response-outparam.
struct ResponseOutparam : HostObject {
  explicit ResponseOutparam(std::shared_ptr<ResponseSlot> s) : slot(std::move(s)) {}
  std::shared_ptr<ResponseSlot> slot;
};

// Defines wasi:http/types and wasi:http/outgoing-handler (every 0.2.x) in `linker`. `io` are the
// wasi:io types from defineWasiIo. `outbound` sends outgoing requests; null denies them all
// (HTTP-request-denied). Request deadlines come from the call's RequestContext.
HttpTypes defineWasiHttp(ComponentLinker& linker, const IoTypes& io,
                         std::shared_ptr<const OutboundHttp> outbound);

// Header syntax (RFC 9110 5.1, 5.5): a token name; a value without CR, LF or NUL.
bool validFieldName(std::string_view name);
bool validFieldValue(std::string_view value);
// Headers a guest may not set on requests it sends (hop-by-hop and Host), as wasmtime does.
bool forbiddenFieldName(std::string_view lower_name);

}  // namespace tern::wasi2
