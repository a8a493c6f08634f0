// Spin's `remote_http` LLM compute protocol: a client (LlmEngine over HTTP) and the server a GPU
// node exposes so that other nodes can send it inference (bearer-token authenticated).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "ai/engine.h"
#include "common/result.h"

namespace tern::ai {

// Protocol (Spin crates/llm-remote-http "default" agent), JSON bodies:
//   POST <origin>/infer  {"model","prompt","options":{"maxTokens","repeatPenalty",
//        "repeatPenaltyLastNTokenCount","temperature","topK","topP"}}
//        -> {"text","usage":{"promptTokenCount","generatedTokenCount"}}
//   POST <origin>/embed  {"model","input":[...]} -> {"embeddings":[[...]],"usage":{"promptTokenCount"}}
// with `Authorization: bearer <auth_token>`. The path of `url` is replaced, as Spin's
// Url::join("/infer") does. Tern adds `X-Tern-Deadline-Ms` (time left) so the serving node stops
// generation at the caller's deadline; errors come back as {"error":{"kind","message"}}.
struct RemoteHttpOptions {
  std::string url;        // runtime config [llm_compute] url
  std::string authToken;  // [llm_compute] auth_token
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
};
std::unique_ptr<LlmEngine> makeRemoteHttpEngine(RemoteHttpOptions options);

// Serves an LlmEngine with the protocol above on a loopback (or given) address.
class LlmHttpServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    uint16_t port = 0;  // 0: any free port (see port())
    std::string authToken;  // required: requests without it get 401
    size_t maxConnections = 64;
    size_t maxBodyBytes = 4u << 20;
    std::chrono::seconds ioTimeout{60};
  };
  // kInvalidArgument for an empty token or bad address, kIo when it cannot listen.
  static Result<std::unique_ptr<LlmHttpServer>> start(LlmEngine& engine, Options options);
  ~LlmHttpServer();  // stops: closes the listener and open connections, joins every thread

  uint16_t port() const;

  struct Impl;

 private:
  explicit LlmHttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tern::ai
