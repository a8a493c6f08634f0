// HTTP/1.1 server (Boost.Beast/Asio): one event loop run by a pool of threads; handlers run on
// the pool.
//
//   auto server = Server::create({.host = "127.0.0.1", .port = 3000, .threads = 4},
//                                [&](Request& req) { return Response::text(200, "hi"); });
//   server.value()->run();   // returns after SIGTERM/SIGINT once in-flight requests finish
//
// `threads` threads run one io_context; each connection has its own strand, so its handlers
// never overlap, but it is not tied to a thread: a handler that runs long (a guest up to its
// deadline) holds one thread while the others serve every other connection. Keep-alive, pipelining (requests are answered
// in order), chunked request bodies and `Expect: 100-continue` are handled; responses larger than
// kChunkedResponseThreshold go out chunked. Limits: header bytes (431), body bytes (413), idle,
// header and body timeouts (the connection is closed). Parsing is Beast's; nothing here parses HTTP
// by hand.
//
// Thread safety: the handler is called concurrently from the pool's threads; it runs to
// completion there (while `threads` handlers are busy, new requests wait). shutdown() may be
// called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "http/http_limits.h"
#include "http/message.h"

namespace tern::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 3000;  // 0 picks a free port (see Server::port())
  unsigned threads = 1;
  uint32_t max_header_bytes = kMaxHeaderBytes;
  uint64_t max_body_bytes = kMaxBodyBytes;
  std::chrono::milliseconds idle_timeout = kIdleTimeout;
  std::chrono::milliseconds header_timeout = kHeaderTimeout;
  std::chrono::milliseconds body_timeout = kBodyTimeout;
  // After a shutdown signal, in-flight requests get this long before the loops are stopped.
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(60)};
  bool handle_signals = true;  // SIGTERM/SIGINT start a graceful shutdown
};

using Handler = std::function<Response(Request& request)>;

class Server {
 public:
  // Binds and listens (so the port is known and errors surface before any banner). Errors: kIo
  // naming the address (in use, not local, ...), kInvalidArgument for a bad host.
  static Result<std::unique_ptr<Server>> create(const ServerOptions& options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  const std::string& host() const;

  // Serves until shutdown: blocks the calling thread, which handles the signals.
  void run();
  // Stop accepting, close idle connections, let in-flight requests finish, then return from run().
  void shutdown();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tern::http
