// Internals shared by the wasi_http_*.cc files: host object types and small helpers.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "compile/vm_abi.h"
#include "wasi2/http.h"

// `lhs = *expr`, or return expr's error: `HTTP_ASSIGN(Fields* f, object<Fields>(...));`.
#define HTTP_CAT2(a, b) a##b
#define HTTP_CAT(a, b) HTTP_CAT2(a, b)
#define HTTP_ASSIGN(lhs, expr)                                           \
  auto HTTP_CAT(http_r_, __LINE__) = (expr);                             \
  if (!HTTP_CAT(http_r_, __LINE__))                                      \
    return ::tern::fail(std::move(HTTP_CAT(http_r_, __LINE__)).error()); \
  lhs = std::move(*HTTP_CAT(http_r_, __LINE__))

namespace tern::wasi2::http_impl {

// wasi:http/types.fields. Children (headers of a request/response) share the parent's list and
// are immutable; `fields` made by the guest are mutable until handed to a request or response.
struct Fields : HostObject {
  explicit Fields(std::shared_ptr<FieldList> l, bool imm) : list(std::move(l)), immutable(imm) {}
  std::shared_ptr<FieldList> list;
  bool immutable = false;
};

// wasi:http/types.request-options.
struct RequestOptions : HostObject {
  std::optional<uint64_t> connect_ns, first_byte_ns, between_bytes_ns;
};

// wasi:http/types.outgoing-body.
struct OutgoingBody : HostObject {
  explicit OutgoingBody(std::shared_ptr<BodySink> s) : sink(std::move(s)) {}
  ~OutgoingBody() override { sink->dropped = true; }
  std::shared_ptr<BodySink> sink;
};

// wasi:http/types.outgoing-request.
struct OutgoingRequestObj : HostObject {
  OutgoingHttpRequest request;
  bool method_set = false;
  bool scheme_set = false;  // scheme() is none until set
  bool path_set = false;
  bool authority_set = false;
  std::shared_ptr<FieldList> headers;  // shared with child `headers()` resources
  std::shared_ptr<BodySink> body;      // once body() was called
};

// wasi:http/types.outgoing-response.
struct OutgoingResponseObj : HostObject {
  uint16_t status = 200;
  std::shared_ptr<FieldList> headers;
  std::shared_ptr<BodySink> body;
};

// wasi:http/types.incoming-body: the body source and whether its stream was taken.
struct IncomingBody : HostObject {
  explicit IncomingBody(std::shared_ptr<BodySource> s) : source(std::move(s)) {}
  std::shared_ptr<BodySource> source;
  bool stream_taken = false;
};

// wasi:http/types.future-trailers: trailers are never sent; ready at once.
struct FutureTrailers : HostObject {
  bool taken = false;
};

// wasi:http/types.incoming-response (from an outbound request).
struct IncomingResponseObj : HostObject {
  uint16_t status = 200;
  std::shared_ptr<FieldList> headers;
  std::shared_ptr<BodySource> body;
  bool consumed = false;
};

// A trap for a guest that broke the resource protocol or a host bug (host functions' error).
Error hostTrap(std::string message);

// The live object behind a borrowed/own handle, or a trap naming the resource.
template <class T>
Result<T*> object(HostCall& call, const ResourceType* type, const Val& handle) {
  T* p = call.resources().get<T>(type, handle.rep());
  if (!p)
    return std::unexpected(
        hostTrap("unknown " + (type ? type->name : std::string("?")) + " handle"));
  return p;
}

// The error-code value a guest passed (response-outparam.set(err(e))).
HttpError httpErrorFromVal(const Val& v);

// Method variant <-> text ("get" case 0 ... "patch" case 8, other(string) case 9).
Val methodVal(std::string_view method);
Result<std::string> methodText(const Val& v);  // kTrap for a malformed other(string)
// Scheme variant <-> text (HTTP 0, HTTPS 1, other(string) 2).
Val schemeVal(std::string_view scheme);
std::string schemeText(const Val& v);

// header-error cases.
inline constexpr uint32_t kHeaderInvalidSyntax = 0;
inline constexpr uint32_t kHeaderForbidden = 1;
inline constexpr uint32_t kHeaderImmutable = 2;

// Adds a fields resource (child or new) and returns Val::own(rep).
Result<Val> ownFields(HostCall& call, const HttpTypes& t, std::shared_ptr<FieldList> list,
                      bool immutable);
// list<tuple<string, list<u8>>> of the entries.
Val fieldEntries(const FieldList& list);
// Input stream over a body the host holds; output stream into a capped sink.
std::unique_ptr<InputStream> makeBodyReader(std::shared_ptr<BodySource> source);
std::unique_ptr<OutputStream> makeBodyWriter(std::shared_ptr<BodySink> sink);

// Registration of each group of host functions (defineWasiHttp calls them all).
void defineFields(ComponentLinker& linker, const HttpTypes& t);
void defineRequests(ComponentLinker& linker, const HttpTypes& t, const IoTypes& io);
void defineResponses(ComponentLinker& linker, const HttpTypes& t, const IoTypes& io);
void defineOutgoingHandler(ComponentLinker& linker, const HttpTypes& t, const IoTypes& io,
                           std::shared_ptr<const OutboundHttp> outbound);

inline constexpr std::string_view kTypes = "wasi:http/types@0.2.0";
inline constexpr std::string_view kOutgoingHandler = "wasi:http/outgoing-handler@0.2.0";

}  // namespace tern::wasi2::http_impl
