// Server log lines as text or JSON (nlohmann::json), one write per line.
#include "http/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>


namespace tern::http {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};

const char* levelName(LogLevel l) {
  switch (l) {
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

// RFC 3339 UTC with milliseconds.
std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace

void setLogFormat(LogFormat format) { g_format.store(format, std::memory_order_relaxed); }
LogFormat logFormat() { return g_format.load(std::memory_order_relaxed); }

void logLine(LogLevel level, std::string_view message, std::initializer_list<LogField> fields,
             const obs::RequestObservation* request) {
  std::string line;
  if (logFormat() == LogFormat::kText) {
    line.reserve(message.size() + 8);
    line.append("tern: ").append(message).push_back('\n');
  } else {
    nlohmann::json j = {{"time", timestamp()}, {"level", levelName(level)}, {"msg", message}};
    for (const LogField& f : fields) {
      if (const auto* s = std::get_if<std::string_view>(&f.value)) {
        j[std::string(f.key)] = *s;
      } else {
        j[std::string(f.key)] = std::get<int64_t>(f.value);
      }
    }
    if (request) {
      if (std::string id = request->traceId(); !id.empty()) j["trace_id"] = id;
    }
    // Guest-controlled text may hold invalid UTF-8: replace it rather than throw.
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line.push_back('\n');
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace tern::http
