// Parsed Beast message → Request (see beast_request.h).
#include "http/beast_request.h"

namespace tern::http {

Request toRequest(boost::beast::http::request<boost::beast::http::string_body>& msg,
                  Endpoints endpoints) {
  Request req;
  req.method = std::string(msg.method_string());
  req.setTarget(std::string_view(msg.target().data(), msg.target().size()));
  req.version = msg.version() == 10 ? "HTTP/1.0" : "HTTP/1.1";
  req.headers.reserve(16);
  for (const auto& f : msg) {
    req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
  req.body = std::move(msg.body());
  req.client_ip = std::move(endpoints.client_ip);
  req.client_port = endpoints.client_port;
  req.local_host = std::move(endpoints.local_host);
  req.local_port = endpoints.local_port;
  return req;
}

}  // namespace tern::http
