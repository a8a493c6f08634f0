// The one conversion from a message Beast parsed into the handler's Request, shared by the
// server and the HTTP fuzz harness so both exercise the same code.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <string>

#include "http/message.h"

namespace tern::http {

struct Endpoints {
  std::string client_ip;
  uint16_t client_port = 0;
  std::string local_host;
  uint16_t local_port = 0;
};

// Moves the body out of `msg`; the headers keep the names as received.
Request toRequest(boost::beast::http::request<boost::beast::http::string_body>& msg,
                  Endpoints endpoints);

}  // namespace tern::http
