// GET /metrics on a separate listener.
#include "observe/admin_server.h"

namespace tern::observe {

http::Response AdminServer::handle(const http::Request& req, Observability& obs) {
  if (req.path != "/metrics") return http::Response::text(404, "not found; try /metrics\n");
  if (req.method != "GET" && req.method != "HEAD") {
    http::Response r = http::Response::text(405, "method not allowed\n");
    r.headers.emplace_back("allow", "GET, HEAD");
    return r;
  }
  http::Response r;
  r.headers.emplace_back("content-type", "text/plain; version=0.0.4; charset=utf-8");
  r.body = obs.renderMetrics();
  return r;
}

Result<std::unique_ptr<AdminServer>> AdminServer::start(const std::string& host, uint16_t port,
                                                        Observability& obs) {
  http::ServerOptions so;
  so.host = host;
  so.port = port;
  so.threads = 1;
  so.handle_signals = false;
  so.max_body_bytes = 4096;
  so.shutdown_grace = std::chrono::seconds(2);
  auto server = http::Server::create(so, [&obs](http::Request& req) { return handle(req, obs); });
  if (!server) return fail(server.error());
  std::unique_ptr<AdminServer> a(new AdminServer());
  a->server_ = std::move(*server);
  a->thread_ = std::thread([raw = a->server_.get()] { raw->run(); });
  return a;
}

AdminServer::~AdminServer() {
  if (server_) server_->shutdown();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tern::observe
