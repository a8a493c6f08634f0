// Helpers for the handler-facing request and response types.
#include "http/message.h"

#include <cctype>

namespace tern::http {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

const std::string* Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return &v;
  }
  return nullptr;
}

void Request::setTarget(std::string_view t) {
  // Absolute form (RFC 9112 3.2.2): keep what follows "scheme://authority".
  if (size_t scheme = t.find("://"); scheme != std::string_view::npos && !t.starts_with('/')) {
    size_t rest = t.find_first_of("/?", scheme + 3);
    t = rest == std::string_view::npos ? std::string_view() : t.substr(rest);
  }
  size_t q = t.find('?');
  std::string_view p = t.substr(0, q);
  path.assign(p.empty() ? std::string_view("/") : p);
  query.assign(q == std::string_view::npos ? std::string_view() : t.substr(q + 1));
  target = path;
  if (q != std::string_view::npos) target.append(t.substr(q));
}

Response Response::text(uint16_t status, std::string body) {
  Response r;
  r.status = status;
  r.headers.emplace_back("content-type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

}  // namespace tern::http
