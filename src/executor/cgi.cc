// Spin headers, the WAGI environment and CGI response parsing.
#include "executor/cgi.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/limits.h"

namespace tern::executor {
namespace {

std::string upperSnake(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lowerKebab(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string hostHeader(const Request& req) {
  const std::string* h = req.header("host");
  return h && !h->empty() ? *h : "localhost";
}

void setEnv(std::vector<std::string>& env, std::string_view key, std::string_view value) {
  std::string prefix = std::string(key) + "=";
  for (std::string& e : env) {
    if (e.starts_with(prefix)) {
      e = prefix + std::string(value);
      return;
    }
  }
  env.push_back(prefix + std::string(value));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::string percentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      int v = 0;
      std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      out.push_back(static_cast<char>(v));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<SpinValue> spinValues(const Request& req, const RouteMatch& match,
                                  std::string_view base) {
  std::vector<SpinValue> out;
  out.push_back({"spin-full-url", "X_FULL_URL", "http://" + hostHeader(req) + req.target});
  out.push_back({"spin-path-info", "PATH_INFO", match.trailing_wildcard});
  out.push_back({"spin-matched-route", "X_MATCHED_ROUTE", match.based_route});
  out.push_back({"spin-base-path", "X_BASE_PATH", std::string(base.empty() ? "/" : base)});
  out.push_back({"spin-raw-component-route", "X_RAW_COMPONENT_ROUTE", match.raw_route});
  out.push_back({"spin-component-route", "X_COMPONENT_ROUTE", match.rawRouteOrPrefix()});
  out.push_back(
      {"spin-client-addr", "X_CLIENT_ADDR", req.client_ip + ":" + std::to_string(req.client_port)});
  for (const auto& [name, value] : match.named_wildcards) {
    out.push_back(
        {"spin-path-match-" + lowerKebab(name), "X_PATH_MATCH_" + upperSnake(name), value});
  }
  return out;
}

std::vector<std::string> wagiEnv(const Request& req, const RouteMatch& match,
                                 std::string_view base) {
  std::vector<std::string> env;
  std::string host = req.local_host;
  std::string port = std::to_string(req.local_port);
  if (const std::string* h = req.header("host"); h && !h->empty()) {
    size_t colon = h->rfind(':');
    bool has_port = colon != std::string::npos && h->find(']', colon) == std::string::npos;
    host = has_port ? h->substr(0, colon) : *h;
    if (has_port && colon + 1 < h->size()) port = h->substr(colon + 1);
  }
  const std::string* content_type = req.header("content-type");
  setEnv(env, "AUTH_TYPE", "");
  setEnv(env, "CONTENT_LENGTH", std::to_string(req.body.size()));
  setEnv(env, "CONTENT_TYPE", content_type ? *content_type : "");
  setEnv(env, "GATEWAY_INTERFACE", "CGI/1.1");
  setEnv(env, "QUERY_STRING", req.query);
  setEnv(env, "REMOTE_ADDR", req.client_ip);
  setEnv(env, "REMOTE_HOST", req.client_ip);
  setEnv(env, "REMOTE_USER", "");
  setEnv(env, "REQUEST_METHOD", req.method);
  setEnv(env, "SCRIPT_NAME", match.basedRouteOrPrefix() == "/" ? "" : match.basedRouteOrPrefix());
  setEnv(env, "X_RAW_PATH_INFO", match.trailing_wildcard);
  setEnv(env, "PATH_TRANSLATED", percentDecode(match.trailing_wildcard));
  setEnv(env, "SERVER_NAME", host);
  setEnv(env, "SERVER_PORT", port);
  setEnv(env, "SERVER_PROTOCOL", req.version);
  setEnv(env, "SERVER_SOFTWARE", "WAGI/1");
  for (const auto& [name, value] : req.headers) {
    std::string key = "HTTP_" + upperSnake(name);
    if (key == "HTTP_AUTHORIZATION" || key == "HTTP_CONNECTION") continue;  // RFC 3875 4.1.18
    setEnv(env, key, value);
  }
  for (const SpinValue& v : spinValues(req, match, base)) setEnv(env, v.env, v.value);
  return env;
}

std::vector<std::string> wagiArgv(std::string_view tmpl, const Request& req) {
  std::string args = req.query;
  std::replace(args.begin(), args.end(), '&', ' ');
  std::string argv(tmpl);
  for (auto [key, value] :
       {std::pair<std::string_view, std::string_view>{"${SCRIPT_NAME}", req.path},
        std::pair<std::string_view, std::string_view>{"${ARGS}", args}}) {
    size_t pos = 0;
    while ((pos = argv.find(key, pos)) != std::string::npos) {
      argv.replace(pos, key.size(), value);
      pos += value.size();
    }
  }
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t space = argv.find(' ', start);
    out.push_back(argv.substr(start, space - start));
    if (space == std::string::npos) break;
    start = space + 1;
  }
  return out;
}

Result<Response> parseCgiResponse(std::string_view out) {
  // Header block ends at the first empty line ("\n\n" or "\r\n\r\n").
  size_t end = std::string_view::npos;
  size_t body_start = out.size();
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] != '\n') continue;
    size_t j = i + 1;
    if (j < out.size() && out[j] == '\r') ++j;
    if (j < out.size() && out[j] == '\n') {
      end = i;
      body_start = j + 1;
      break;
    }
  }
  std::string_view head = out.substr(0, end == std::string_view::npos ? out.size() : end);
  if (head.size() > limits::kMaxGuestResponseHeaderBytes) {
    return fail(ErrorCode::kGuestResponse, "the response header block is ",
                std::to_string(head.size()), " bytes; at most ",
                std::to_string(limits::kMaxGuestResponseHeaderBytes), " are allowed");
  }
  Response res;
  if (end != std::string_view::npos) res.body = std::string(out.substr(body_start));
  bool sufficient = false;
  bool explicit_status = false;
  while (!head.empty()) {
    size_t nl = head.find('\n');
    std::string_view line = trim(head.substr(0, nl));
    head = nl == std::string_view::npos ? std::string_view() : head.substr(nl + 1);
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;  // corrupt line: skipped
    std::string_view name = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (http::iequals(name, "status")) {
      sufficient = explicit_status = true;
      unsigned code = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), code);
      res.status =
          ec == std::errc() && code >= 100 && code <= 999 ? static_cast<uint16_t>(code) : 502;
      if (res.status != 502)
        res.reason = std::string(trim(std::string_view(p, value.data() + value.size() - p)));
      continue;
    }
    if (http::iequals(name, "content-type")) sufficient = true;
    if (http::iequals(name, "location")) {
      sufficient = true;
      if (!explicit_status) res.status = 302;
    }
    if (name.find_first_of(" \t\"(),/;<=>?@[\\]{}") != std::string_view::npos) continue;
    res.headers.emplace_back(std::string(name), std::string(value));
  }
  if (!sufficient) {
    return fail(ErrorCode::kGuestResponse,
                "the guest's output has no Content-Type, Location or Status header "
                "(a WAGI response starts with headers, then a blank line, then the body)");
  }
  return res;
}

}  // namespace tern::executor
