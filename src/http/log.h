// Server log lines (tern's own, not guest output): "tern: message" text or one JSON object a line.
//
//   logLine(LogLevel::kError, "500 GET /x: component \"a\" ...",
//           {{"status", int64_t{500}}, {"component", id}});
//
// Text mode prints "tern: " + message to stderr, exactly as before there were formats. JSON mode
// prints {"time", "level", "msg", the fields..., "trace_id" of `request` when it is traced}.
// Each line is written with one call, so lines from different threads never interleave.
//
// Thread safety: logLine() from any thread; setLogFormat() once at start-up.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <variant>

#include "common/observation.h"

namespace tern::http {

enum class LogFormat : uint8_t { kText, kJson };
enum class LogLevel : uint8_t { kInfo, kWarn, kError };

struct LogField {
  std::string_view key;
  std::variant<std::string_view, int64_t> value;
};

void setLogFormat(LogFormat format);
LogFormat logFormat();

// `request`: the observation of the request the line is about (for its trace id), or null.
void logLine(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {},
             const obs::RequestObservation* request = nullptr);

}  // namespace tern::http
