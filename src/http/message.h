// HTTP request and response as the handlers see them, independent of the server library.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET"
  std::string target;  // as received: "/path?query" (origin form)
  std::string path;    // target before '?'
  std::string query;   // target after '?', without it
  std::string version = "HTTP/1.1";
  HeaderList headers;     // names as received
  std::string body;       // decoded (chunked coding removed)
  std::string client_ip;  // "127.0.0.1"
  uint16_t client_port = 0;
  std::string local_host;  // listening address, for SERVER_NAME without a Host header
  uint16_t local_port = 0;

  // First header with this name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
  // Splits an origin-form or absolute-form target into path and query.
  void setTarget(std::string_view target);
};

struct Response {
  uint16_t status = 200;
  std::string reason;  // reason phrase; empty: the standard one for `status`
  HeaderList headers;
  std::string body;

  static Response text(uint16_t status, std::string body);
};

bool iequals(std::string_view a, std::string_view b);

}  // namespace tern::http
