// wasi:http values that need no linker: header syntax rules and the error-code variant.
#include <algorithm>
#include <cctype>

#include "wasi2/http.h"

namespace tern::wasi2 {

namespace {

bool tchar(unsigned char c) {  // RFC 9110 5.6.2 token characters
  if (std::isalnum(c)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

bool validFieldName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(),
                                      [](char c) { return tchar(static_cast<unsigned char>(c)); });
}

bool validFieldValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool forbiddenFieldName(std::string_view n) {
  static constexpr std::string_view kForbidden[] = {
      "connection",          "keep-alive",       "proxy-authenticate",
      "proxy-authorization", "proxy-connection", "te",
      "transfer-encoding",   "upgrade",          "host",
      "http2-settings"};
  return std::find(std::begin(kForbidden), std::end(kForbidden), n) != std::end(kForbidden);
}

std::string_view httpErrorName(HttpErrorCase code) {
  static constexpr std::string_view kNames[] = {"DNS-timeout",
                                                "DNS-error",
                                                "destination-not-found",
                                                "destination-unavailable",
                                                "destination-IP-prohibited",
                                                "destination-IP-unroutable",
                                                "connection-refused",
                                                "connection-terminated",
                                                "connection-timeout",
                                                "connection-read-timeout",
                                                "connection-write-timeout",
                                                "connection-limit-reached",
                                                "TLS-protocol-error",
                                                "TLS-certificate-error",
                                                "TLS-alert-received",
                                                "HTTP-request-denied",
                                                "HTTP-request-length-required",
                                                "HTTP-request-body-size",
                                                "HTTP-request-method-invalid",
                                                "HTTP-request-URI-invalid",
                                                "HTTP-request-URI-too-long",
                                                "HTTP-request-header-section-size",
                                                "HTTP-request-header-size",
                                                "HTTP-request-trailer-section-size",
                                                "HTTP-request-trailer-size",
                                                "HTTP-response-incomplete",
                                                "HTTP-response-header-section-size",
                                                "HTTP-response-header-size",
                                                "HTTP-response-body-size",
                                                "HTTP-response-trailer-section-size",
                                                "HTTP-response-trailer-size",
                                                "HTTP-response-transfer-coding",
                                                "HTTP-response-content-coding",
                                                "HTTP-response-timeout",
                                                "HTTP-upgrade-failed",
                                                "HTTP-protocol-error",
                                                "loop-detected",
                                                "configuration-error",
                                                "internal-error"};
  auto i = static_cast<size_t>(code);
  return i < std::size(kNames) ? kNames[i] : "internal-error";
}

// Payload shapes per WIT: records of options, option<u64>, option<u32>, option<string>.
Val HttpError::toVal() const {
  auto optString = [](const std::string& s) {
    return s.empty() ? Val::none() : Val::some(Val::string(s));
  };
  uint32_t c = static_cast<uint32_t>(code);
  switch (code) {
    case HttpErrorCase::kDnsError:
      return Val::variant(c, Val::record({optString(message), Val::none()}));
    case HttpErrorCase::kTlsAlertReceived:
      return Val::variant(c, Val::record({Val::none(), optString(message)}));
    case HttpErrorCase::kHttpRequestBodySize:
    case HttpErrorCase::kHttpResponseBodySize:
      return Val::variant(c, size ? Val::some(Val::u64(*size)) : Val::none());
    case HttpErrorCase::kHttpRequestHeaderSectionSize:
    case HttpErrorCase::kHttpRequestTrailerSectionSize:
    case HttpErrorCase::kHttpResponseHeaderSectionSize:
    case HttpErrorCase::kHttpResponseTrailerSectionSize:
      return Val::variant(c,
                          size ? Val::some(Val::u32(static_cast<uint32_t>(*size))) : Val::none());
    case HttpErrorCase::kHttpRequestHeaderSize:
      return Val::variant(c, Val::none());
    case HttpErrorCase::kHttpRequestTrailerSize:
    case HttpErrorCase::kHttpResponseHeaderSize:
    case HttpErrorCase::kHttpResponseTrailerSize:
      return Val::variant(c, Val::record({Val::none(), Val::none()}));
    case HttpErrorCase::kHttpResponseTransferCoding:
    case HttpErrorCase::kHttpResponseContentCoding:
    case HttpErrorCase::kInternalError:
      return Val::variant(c, optString(message));
    default:
      return Val::variant(c);
  }
}

}  // namespace tern::wasi2
