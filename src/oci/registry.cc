// Distribution API calls over libcurl (loaded by host::curlApi), with the 401 challenge answered
// once per client: Basic, or a bearer token from the realm named in WWW-Authenticate.
#include "oci/registry.h"

#include <map>
#include <nlohmann/json.hpp>

#include "host/curl_api.h"
#include "sign/digest.h"

namespace tern::oci {
namespace {

struct HttpResponse {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lowercase names, last value wins
  bool too_large = false;
};

struct Sink {
  HttpResponse* resp;
  uint64_t max_bytes;
};

size_t onBody(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t len = size * n;
  if (sink->resp->body.size() + len > sink->max_bytes) {
    sink->resp->too_large = true;
    return 0;  // makes curl fail the transfer
  }
  sink->resp->body.append(data, len);
  return len;
}

size_t onHeader(char* data, size_t size, size_t n, void* user) {
  auto* resp = static_cast<HttpResponse*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) resp->headers.clear();  // a redirect's or 100's headers
  if (auto h = host::splitHeaderLine(line)) resp->headers[h->first] = std::move(h->second);
  return size * n;
}

// `Bearer realm="https://auth",service="registry",scope="repository:x:pull"` -> parameters.
std::map<std::string, std::string> challengeParams(std::string_view v, std::string* scheme) {
  std::map<std::string, std::string> out;
  size_t sp = v.find(' ');
  *scheme = std::string(v.substr(0, sp));
  for (char& c : *scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (sp == std::string_view::npos) return out;
  v.remove_prefix(sp + 1);
  while (!v.empty()) {
    while (!v.empty() && (v.front() == ' ' || v.front() == ',')) v.remove_prefix(1);
    size_t eq = v.find('=');
    if (eq == std::string_view::npos) break;
    std::string key(v.substr(0, eq));
    v.remove_prefix(eq + 1);
    std::string value;
    if (!v.empty() && v.front() == '"') {
      size_t end = v.find('"', 1);
      if (end == std::string_view::npos) break;
      value = std::string(v.substr(1, end - 1));
      v.remove_prefix(end + 1);
    } else {
      size_t end = v.find(',');
      value = std::string(v.substr(0, end));
      v.remove_prefix(end == std::string_view::npos ? v.size() : end);
    }
    out[key] = value;
  }
  return out;
}

}  // namespace

struct RegistryClient::Impl {
  const host::CurlApi* curl = nullptr;
  ClientOptions options;
  std::string base;           // "http(s)://host/v2/<repo>"
  std::string authorization;  // the header value once a challenge was answered
  bool answered = false;

  struct Request {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;
    const std::string* body = nullptr;
    uint64_t max_bytes = kMaxManifestBytes;
    bool follow = false;
  };

  Result<HttpResponse> perform(const Request& r, const std::string& auth) const;
  Result<HttpResponse> send(const Request& r, const Reference& ref);
  Result<void> answer(const HttpResponse& challenge, const Reference& ref);
};

Result<HttpResponse> RegistryClient::Impl::perform(const Request& r,
                                                   const std::string& auth) const {
  CURL* h = curl->easy_init();
  if (!h) return fail(ErrorCode::kRegistry, "cannot create an HTTP handle");
  HttpResponse resp;
  Sink sink{&resp, r.max_bytes};
  curl_slist* hdrs = curl->slist_append(nullptr, "Expect:");  // no 100-continue round trip
  for (const auto& x : r.headers) hdrs = curl->slist_append(hdrs, x.c_str());
  if (!auth.empty()) hdrs = curl->slist_append(hdrs, ("Authorization: " + auth).c_str());
  curl->easy_setopt(h, CURLOPT_URL, r.url.c_str());
  curl->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl->easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl->easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl->easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
  curl->easy_setopt(h, CURLOPT_WRITEFUNCTION, onBody);
  curl->easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl->easy_setopt(h, CURLOPT_HEADERFUNCTION, onHeader);
  curl->easy_setopt(h, CURLOPT_HEADERDATA, &resp);
  curl->easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
  if (r.follow) {
    curl->easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl->easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
  }
  if (r.method == "HEAD") {
    curl->easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (r.method != "GET") {
    curl->easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
  if (r.body) {
    curl->easy_setopt(h, CURLOPT_POSTFIELDS, r.body->data());
    curl->easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body->size()));
  }
  CURLcode rc = curl->easy_perform(h);
  curl->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
  curl->easy_cleanup(h);
  curl->slist_free_all(hdrs);
  if (resp.too_large) {
    return fail(ErrorCode::kResourceExhausted, r.url, ": response larger than ",
                std::to_string(r.max_bytes), " bytes");
  }
  if (rc != CURLE_OK) {
    return fail(ErrorCode::kRegistry, r.method, " ", r.url, ": ", curl->easy_strerror(rc));
  }
  return resp;
}

Result<void> RegistryClient::Impl::answer(const HttpResponse& challenge, const Reference& ref) {
  answered = true;
  auto it = challenge.headers.find("www-authenticate");
  if (it == challenge.headers.end()) {
    return fail(ErrorCode::kRegistry, ref.registry, " answered 401 without a challenge");
  }
  std::string scheme;
  auto params = challengeParams(it->second, &scheme);
  std::optional<Credentials> creds = options.credentials;
  if (!creds) creds = findCredentials(ref.registry);
  std::string basic =
      creds ? "Basic " + sign::base64Encode(creds->username + ":" + creds->password) : "";
  if (scheme == "basic") {
    if (!creds) {
      return fail(ErrorCode::kRegistry, ref.registry, " needs a login: run `tern registry login ",
                  ref.registry, "`");
    }
    authorization = basic;
    return {};
  }
  if (scheme != "bearer" || params["realm"].empty()) {
    return fail(ErrorCode::kRegistry, ref.registry, ": unsupported challenge '", it->second, "'");
  }
  std::string scope = params.count("scope") ? params["scope"]
                                            : "repository:" + ref.repository +
                                                  (options.push ? ":pull,push" : ":pull");
  CURLU* u = curl->url();
  curl->url_set(u, CURLUPART_URL, params["realm"].c_str(), 0);
  if (!params["service"].empty()) {
    curl->url_set(u, CURLUPART_QUERY, ("service=" + params["service"]).c_str(),
                  CURLU_APPENDQUERY | CURLU_URLENCODE);
  }
  curl->url_set(u, CURLUPART_QUERY, ("scope=" + scope).c_str(),
                CURLU_APPENDQUERY | CURLU_URLENCODE);
  char* full = nullptr;
  curl->url_get(u, CURLUPART_URL, &full, 0);
  Request tr;
  tr.url = full ? full : "";
  curl->free(full);
  curl->url_cleanup(u);
  auto resp = perform(tr, basic);
  if (!resp) return fail(resp.error());
  if (resp->status != 200) {
    return fail(ErrorCode::kRegistry, "token server ", tr.url, " answered ",
                std::to_string(resp->status), creds ? "" : " (no login stored)");
  }
  auto j = nlohmann::json::parse(resp->body, nullptr, false);
  std::string token;
  if (j.is_object() && j.contains("token") && j["token"].is_string()) {
    token = j["token"].get<std::string>();
  } else if (j.is_object() && j.contains("access_token") && j["access_token"].is_string()) {
    token = j["access_token"].get<std::string>();
  }
  if (token.empty()) return fail(ErrorCode::kRegistry, "token server gave no token");
  authorization = "Bearer " + token;
  return {};
}

Result<HttpResponse> RegistryClient::Impl::send(const Request& r, const Reference& ref) {
  auto resp = perform(r, authorization);
  if (!resp) return resp;
  if (resp->status == 401 && !answered) {
    TERN_TRY(answer(*resp, ref));
    resp = perform(r, authorization);
    if (!resp) return resp;
  }
  if (resp->status == 401 || resp->status == 403) {
    return fail(ErrorCode::kRegistry, ref.registry, " refused ", r.method, " ", r.url, " (",
                std::to_string(resp->status), "): check `tern registry login`");
  }
  return resp;
}

RegistryClient::RegistryClient(Reference ref, ClientOptions options)
    : ref_(std::move(ref)), impl_(std::make_unique<Impl>()) {
  impl_->curl = host::curlApi();
  impl_->options = std::move(options);
  impl_->base = std::string(impl_->options.insecure ? "http://" : "https://") + ref_.apiHost() +
                "/v2/" + ref_.repository;
}

RegistryClient::~RegistryClient() = default;

namespace {

std::string statusText(const HttpResponse& r) {
  std::string s = std::to_string(r.status);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty() &&
      j["errors"][0].is_object() && j["errors"][0].contains("message") &&
      j["errors"][0]["message"].is_string()) {
    s += " " + j["errors"][0]["message"].get<std::string>();
  }
  return s;
}

Result<void> needCurl(const host::CurlApi* curl) {
  if (!curl) return fail(ErrorCode::kRegistry, "libcurl cannot be loaded");
  return {};
}

}  // namespace

Result<Fetched> RegistryClient::getManifest(const std::string& ref, bool* not_found) {
  TERN_TRY(needCurl(impl_->curl));
  Impl::Request r;
  r.url = impl_->base + "/manifests/" + ref;
  r.headers = {"Accept: " + std::string(kOciManifestMediaType) + ", " +
               std::string(kDockerManifestMediaType)};
  auto resp = impl_->send(r, ref_);
  if (!resp) return fail(resp.error());
  if (not_found) *not_found = resp->status == 404;
  if (resp->status == 404) {
    return fail(ErrorCode::kArtifact, ref_.repositoryName(), ":", ref, " not found");
  }
  if (resp->status != 200) {
    return fail(ErrorCode::kRegistry, "GET ", r.url, ": ", statusText(*resp));
  }
  Fetched f;
  f.digest = sign::sha256Digest(resp->body);
  if (sign::isSha256Digest(ref)) TERN_TRY(sign::checkDigest(resp->body, ref, "manifest " + ref));
  auto dcd = resp->headers.find("docker-content-digest");
  if (dcd != resp->headers.end() && sign::isSha256Digest(dcd->second) && dcd->second != f.digest) {
    return fail(ErrorCode::kDigestMismatch, "manifest ", ref, " is ", f.digest,
                " but the registry says ", dcd->second);
  }
  auto ct = resp->headers.find("content-type");
  f.media_type = ct == resp->headers.end() ? "" : ct->second;
  f.bytes = std::move(resp->body);
  return f;
}

Result<std::string> RegistryClient::getBlob(const std::string& digest, uint64_t max_bytes) {
  TERN_TRY(needCurl(impl_->curl));
  if (!sign::isSha256Digest(digest)) {
    return fail(ErrorCode::kArtifact, "blob digest '", digest, "' is not sha256:<64 hex>");
  }
  Impl::Request r;
  r.url = impl_->base + "/blobs/" + digest;
  r.max_bytes = max_bytes;
  r.follow = true;
  auto resp = impl_->send(r, ref_);
  if (!resp) return fail(resp.error());
  if (resp->status != 200) {
    return fail(ErrorCode::kRegistry, "GET ", r.url, ": ", statusText(*resp));
  }
  TERN_TRY(sign::checkDigest(resp->body, digest, "blob " + digest));
  return std::move(resp->body);
}

Result<bool> RegistryClient::hasBlob(const std::string& digest) {
  TERN_TRY(needCurl(impl_->curl));
  Impl::Request r;
  r.method = "HEAD";
  r.url = impl_->base + "/blobs/" + digest;
  auto resp = impl_->send(r, ref_);
  if (!resp) return fail(resp.error());
  return resp->status == 200;
}

Result<void> RegistryClient::pushBlob(const std::string& bytes, const std::string& digest) {
  auto has = hasBlob(digest);
  if (!has) return fail(has.error());
  if (*has) return {};
  Impl::Request post;
  post.method = "POST";
  post.url = impl_->base + "/blobs/uploads/";
  static const std::string kEmpty;
  post.body = &kEmpty;
  auto started = impl_->send(post, ref_);
  if (!started) return fail(started.error());
  auto loc = started->headers.find("location");
  if (started->status != 202 || loc == started->headers.end()) {
    return fail(ErrorCode::kRegistry, "POST ", post.url, ": ", statusText(*started));
  }
  std::string url = loc->second;
  if (url.starts_with("/")) {
    url = std::string(impl_->options.insecure ? "http://" : "https://") + ref_.apiHost() + url;
  }
  url += (url.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + digest;
  Impl::Request put;
  put.method = "PUT";
  put.url = url;
  put.headers = {"Content-Type: application/octet-stream"};
  put.body = &bytes;
  auto done = impl_->send(put, ref_);
  if (!done) return fail(done.error());
  if (done->status != 201) return fail(ErrorCode::kRegistry, "PUT blob: ", statusText(*done));
  return {};
}

Result<std::string> RegistryClient::pushManifest(const std::string& ref,
                                                 std::string_view media_type,
                                                 const std::string& bytes) {
  TERN_TRY(needCurl(impl_->curl));
  Impl::Request r;
  r.method = "PUT";
  r.url = impl_->base + "/manifests/" + ref;
  r.headers = {"Content-Type: " + std::string(media_type)};
  r.body = &bytes;
  auto resp = impl_->send(r, ref_);
  if (!resp) return fail(resp.error());
  if (resp->status != 201) {
    return fail(ErrorCode::kRegistry, "PUT ", r.url, ": ", statusText(*resp));
  }
  return sign::sha256Digest(bytes);
}

}  // namespace tern::oci
