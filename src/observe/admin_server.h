// The admin listener of `tern up --admin-listen`: GET /metrics (Prometheus text format 0.0.4).
//
//   auto admin = AdminServer::start("127.0.0.1", 9091, *obs).value();   // serves in a thread
//   ...                                                                  // ~AdminServer stops it
//
// Runs apart from the public listener (its own http::Server, one loop thread, no signal
// handling), so a scrape never competes with guests for a loop and the public port never exposes
// metrics. Other paths are 404, other methods 405.
//
// Thread safety: start() and the destructor from one thread; the observer outlives the server.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "common/result.h"
#include "http/server.h"
#include "observe/observability.h"

namespace tern::observe {

class AdminServer {
 public:
  // Errors: those of http::Server::create (address in use, bad host).
  static Result<std::unique_ptr<AdminServer>> start(const std::string& host, uint16_t port,
                                                    Observability& observability);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;
  uint16_t port() const { return server_->port(); }

  // The answer to one admin request (exposed for unit tests).
  static http::Response handle(const http::Request& request, Observability& observability);

 private:
  AdminServer() = default;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
};

}  // namespace tern::observe
