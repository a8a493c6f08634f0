// remote_http: libcurl client and Boost.Beast server for Spin's LLM compute protocol.
#include "ai/remote_http.h"

#include <curl/curl.h>
#include <openssl/crypto.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "ai/limits.h"

namespace tern::ai {

namespace {

using nlohmann::json;

std::string_view kindName(LlmError::Kind k) {
  switch (k) {
    case LlmError::Kind::kModelNotSupported: return "model-not-supported";
    case LlmError::Kind::kRuntimeError: return "runtime-error";
    case LlmError::Kind::kInvalidInput: return "invalid-input";
  }
  return "runtime-error";
}

LlmError::Kind kindFromName(const std::string& s) {
  if (s == "model-not-supported") return LlmError::Kind::kModelNotSupported;
  if (s == "invalid-input") return LlmError::Kind::kInvalidInput;
  return LlmError::Kind::kRuntimeError;
}

// ----------------------------------------------------------------------------- client

size_t collect(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() + size * n > (64u << 20)) return 0;  // a response larger than any answer
  out->append(data, size * n);
  return size * n;
}

class RemoteEngine final : public LlmEngine {
 public:
  explicit RemoteEngine(RemoteHttpOptions o) : options_(std::move(o)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  LlmResult<InferResult> infer(const InferRequest& r) override {
    const auto& p = r.params;
    json body = {{"model", r.model},
                 {"prompt", r.prompt},
                 {"options",
                  {{"maxTokens", p.maxTokens},
                   {"repeatPenalty", p.repeatPenalty},
                   {"repeatPenaltyLastNTokenCount", p.repeatPenaltyLastN},
                   {"temperature", p.temperature},
                   {"topK", p.topK},
                   {"topP", p.topP}}}};
    if (p.seed) body["options"]["seed"] = *p.seed;
    auto resp = post("/infer", body, r.deadline);
    if (!resp) return std::unexpected(resp.error());
    try {
      InferResult out;
      out.text = resp->at("text").get<std::string>();
      out.promptTokens = resp->at("usage").at("promptTokenCount").get<uint32_t>();
      out.generatedTokens = resp->at("usage").at("generatedTokenCount").get<uint32_t>();
      return out;
    } catch (const json::exception& e) {
      return std::unexpected(LlmError{LlmError::Kind::kRuntimeError,
                                      std::string("POST /infer: bad response: ") + e.what()});
    }
  }

  LlmResult<EmbeddingsResult> generateEmbeddings(const std::string& model,
                                                 std::span<const std::string> texts,
                                                 Clock::time_point deadline) override {
    json body = {{"model", model}, {"input", json(std::vector<std::string>(texts.begin(), texts.end()))}};
    auto resp = post("/embed", body, deadline);
    if (!resp) return std::unexpected(resp.error());
    try {
      EmbeddingsResult out;
      out.embeddings = resp->at("embeddings").get<std::vector<std::vector<float>>>();
      out.promptTokens = resp->at("usage").at("promptTokenCount").get<uint32_t>();
      return out;
    } catch (const json::exception& e) {
      return std::unexpected(LlmError{LlmError::Kind::kRuntimeError,
                                      std::string("POST /embed: bad response: ") + e.what()});
    }
  }

 private:
  Result<std::string> endpoint(const char* path) const {
    CURLU* u = curl_url();
    std::string out;
    if (curl_url_set(u, CURLUPART_URL, options_.url.c_str(), 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_PATH, path, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_QUERY, nullptr, 0) == CURLUE_OK) {
      char* s = nullptr;
      if (curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) out = s;
      curl_free(s);
    }
    curl_url_cleanup(u);
    if (out.empty()) return fail(ErrorCode::kInvalidArgument, "llm_compute url '", options_.url, "'");
    return out;
  }

  LlmResult<json> post(const char* path, const json& body, Clock::time_point deadline) {
    auto url = endpoint(path);
    if (!url) return std::unexpected(LlmError{LlmError::Kind::kRuntimeError, url.error().message});
    auto timeout = options_.timeout;
    if (deadline != Clock::time_point::max()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        return std::unexpected(LlmError{LlmError::Kind::kRuntimeError, "deadline exceeded"});
      }
      timeout = std::min(timeout, left + std::chrono::milliseconds(200));
    }
    std::string payload = body.dump(), response;
    CURL* c = curl_easy_init();
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, ("Authorization: bearer " + options_.authToken).c_str());
    if (deadline != Clock::time_point::max()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      headers = curl_slist_append(headers, ("X-Tern-Deadline-Ms: " + std::to_string(left.count())).c_str());
    }
    curl_easy_setopt(c, CURLOPT_URL, url->c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
      return std::unexpected(LlmError{LlmError::Kind::kRuntimeError,
                                      std::string("POST ") + path + " request error: " + curl_easy_strerror(rc)});
    }
    auto j = json::parse(response, nullptr, false);
    if (status == 200 && !j.is_discarded()) return j;
    if (!j.is_discarded() && j.contains("error") && j["error"].is_object()) {
      return std::unexpected(LlmError{kindFromName(j["error"].value("kind", "")),
                                      j["error"].value("message", "")});
    }
    return std::unexpected(LlmError{LlmError::Kind::kRuntimeError,
                                    std::string("POST ") + path + ": HTTP " + std::to_string(status) +
                                        ": " + response.substr(0, 200)});
  }

  RemoteHttpOptions options_;
};

}  // namespace

std::unique_ptr<LlmEngine> makeRemoteHttpEngine(RemoteHttpOptions options) {
  return std::make_unique<RemoteEngine>(std::move(options));
}

// ----------------------------------------------------------------------------- server

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct LlmHttpServer::Impl {
  LlmEngine* engine;
  Options options;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread acceptThread;
  std::mutex mutex;
  struct Conn {
    tcp::socket socket;
    std::thread thread;
    bool done = false;
  };
  std::list<Conn> conns;
  bool stopping = false;

  void accept();
  void serve(Conn* conn);
  http::response<http::string_body> handle(const http::request<http::string_body>& req);
  bool authorized(const http::request<http::string_body>& req) const;
  void reap();
};

namespace {

http::response<http::string_body> jsonResponse(http::status status, const json& body,
                                               unsigned version) {
  http::response<http::string_body> res{status, version};
  res.set(http::field::content_type, "application/json");
  res.body() = body.dump();
  res.prepare_payload();
  return res;
}

http::status statusOf(LlmError::Kind k) {
  switch (k) {
    case LlmError::Kind::kModelNotSupported: return http::status::not_found;
    case LlmError::Kind::kInvalidInput: return http::status::bad_request;
    case LlmError::Kind::kRuntimeError: return http::status::internal_server_error;
  }
  return http::status::internal_server_error;
}

json errorBody(const LlmError& e) {
  return {{"error", {{"kind", kindName(e.kind)}, {"message", e.message}}}};
}

}  // namespace

bool LlmHttpServer::Impl::authorized(const http::request<http::string_body>& req) const {
  auto it = req.find(http::field::authorization);
  if (it == req.end()) return false;
  std::string_view v(it->value().data(), it->value().size());
  if (v.size() < 7 || !beast::iequals(beast::string_view(v.data(), 7), "bearer ")) return false;
  auto token = v.substr(7);
  const auto& want = options.authToken;
  return token.size() == want.size() && CRYPTO_memcmp(token.data(), want.data(), want.size()) == 0;
}

http::response<http::string_body> LlmHttpServer::Impl::handle(
    const http::request<http::string_body>& req) {
  const unsigned ver = req.version();
  if (!authorized(req)) {
    auto res = jsonResponse(http::status::unauthorized,
                            errorBody({LlmError::Kind::kRuntimeError, "unauthorized"}), ver);
    res.set(http::field::www_authenticate, "Bearer");
    return res;
  }
  std::string_view target(req.target().data(), req.target().size());
  if (req.method() != http::verb::post || (target != "/infer" && target != "/embed")) {
    return jsonResponse(http::status::not_found,
                        errorBody({LlmError::Kind::kInvalidInput, "POST /infer or /embed"}), ver);
  }
  auto deadline = Clock::time_point::max();
  if (auto it = req.find("x-tern-deadline-ms"); it != req.end()) {
    try {
      deadline = Clock::now() + std::chrono::milliseconds(std::stoll(std::string(it->value())));
    } catch (...) {
      return jsonResponse(http::status::bad_request,
                          errorBody({LlmError::Kind::kInvalidInput, "bad X-Tern-Deadline-Ms"}), ver);
    }
  }
  auto body = json::parse(req.body(), nullptr, false);
  auto bad = [&](const std::string& m) {
    return jsonResponse(http::status::bad_request, errorBody({LlmError::Kind::kInvalidInput, m}), ver);
  };
  if (body.is_discarded() || !body.is_object() || !body.contains("model") ||
      !body["model"].is_string()) {
    return bad("body must be a JSON object with a model");
  }
  try {
    if (target == "/infer") {
      InferRequest r;
      r.model = body["model"].get<std::string>();
      r.prompt = body.at("prompt").get<std::string>();
      r.deadline = deadline;
      if (body.contains("options") && body["options"].is_object()) {
        const auto& o = body["options"];
        r.params.maxTokens = o.value("maxTokens", r.params.maxTokens);
        r.params.repeatPenalty = o.value("repeatPenalty", r.params.repeatPenalty);
        r.params.repeatPenaltyLastN = o.value("repeatPenaltyLastNTokenCount", r.params.repeatPenaltyLastN);
        r.params.temperature = o.value("temperature", r.params.temperature);
        r.params.topK = o.value("topK", r.params.topK);
        r.params.topP = o.value("topP", r.params.topP);
        if (o.contains("seed")) r.params.seed = o["seed"].get<uint64_t>();
      }
      auto out = engine->infer(r);
      if (!out) return jsonResponse(statusOf(out.error().kind), errorBody(out.error()), ver);
      return jsonResponse(http::status::ok,
                          {{"text", out->text},
                           {"usage", {{"promptTokenCount", out->promptTokens},
                                      {"generatedTokenCount", out->generatedTokens}}}},
                          ver);
    }
    auto texts = body.at("input").get<std::vector<std::string>>();
    auto out = engine->generateEmbeddings(body["model"].get<std::string>(), texts, deadline);
    if (!out) return jsonResponse(statusOf(out.error().kind), errorBody(out.error()), ver);
    return jsonResponse(http::status::ok,
                        {{"embeddings", out->embeddings},
                         {"usage", {{"promptTokenCount", out->promptTokens}}}},
                        ver);
  } catch (const json::exception& e) {
    return bad(std::string("bad request body: ") + e.what());
  }
}

void LlmHttpServer::Impl::serve(Conn* conn) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(options.maxBodyBytes);
    http::read(conn->socket, buffer, parser, ec);
    if (ec) break;
    auto req = parser.release();
    auto res = handle(req);
    res.keep_alive(req.keep_alive());
    http::write(conn->socket, res, ec);
    if (ec || !req.keep_alive()) break;
  }
  conn->socket.shutdown(tcp::socket::shutdown_both, ec);
  std::lock_guard lock(mutex);
  conn->done = true;
}

void LlmHttpServer::Impl::reap() {
  for (auto it = conns.begin(); it != conns.end();) {
    if (it->done) {
      it->thread.join();
      it = conns.erase(it);
    } else {
      ++it;
    }
  }
}

void LlmHttpServer::Impl::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;  // closed by stop()
    std::lock_guard lock(mutex);
    if (stopping) return;
    reap();
    if (conns.size() >= options.maxConnections) {
      socket.close(ec);  // over the cap: refuse rather than queue without bound
    } else {
      timeval tv{static_cast<time_t>(options.ioTimeout.count()), 0};
      setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      auto& conn = conns.emplace_back(Conn{std::move(socket), {}, false});
      conn.thread = std::thread([this, c = &conn] { serve(c); });
    }
    accept();
  });
}

LlmHttpServer::LlmHttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<LlmHttpServer>> LlmHttpServer::start(LlmEngine& engine, Options options) {
  if (options.authToken.empty()) {
    return fail(ErrorCode::kInvalidArgument, "llm server: an auth token is required");
  }
  auto impl = std::make_unique<Impl>();
  impl->engine = &engine;
  impl->options = std::move(options);
  beast::error_code ec;
  auto addr = asio::ip::make_address(impl->options.host, ec);
  if (ec) return fail(ErrorCode::kInvalidArgument, "llm server: bad address ", impl->options.host);
  tcp::endpoint ep(addr, impl->options.port);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(ErrorCode::kIo, "llm server: listen ", impl->options.host, ": ", ec.message());
  impl->accept();
  impl->acceptThread = std::thread([i = impl.get()] { i->io.run(); });
  return std::unique_ptr<LlmHttpServer>(new LlmHttpServer(std::move(impl)));
}

uint16_t LlmHttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

LlmHttpServer::~LlmHttpServer() {
  asio::post(impl_->io, [i = impl_.get()] {
    beast::error_code ec;
    i->acceptor.close(ec);
  });
  impl_->acceptThread.join();
  std::list<Impl::Conn> conns;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    for (auto& c : impl_->conns) {
      beast::error_code ec;
      c.socket.shutdown(tcp::socket::shutdown_both, ec);  // wakes a blocked read
    }
  }
  for (auto& c : impl_->conns) c.thread.join();
}

}  // namespace tern::ai
