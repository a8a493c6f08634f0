// Guest output routing: prefixed console lines or per-component files in --log-dir.
#include "executor/guest_log.h"

#include <cerrno>
#include <cstring>

#include "http/log.h"

namespace tern::executor {

GuestLog::GuestLog(std::string component, std::string log_dir)
    : component_(std::move(component)), log_dir_(std::move(log_dir)) {}

GuestLog::~GuestLog() {
  for (std::FILE* f : files_) {
    if (f) std::fclose(f);
  }
}

std::string GuestLog::path(GuestStream stream) const {
  if (log_dir_.empty()) return "";
  return log_dir_ + "/" + component_ +
         (stream == GuestStream::kStdout ? "_stdout.txt" : "_stderr.txt");
}

void GuestLog::write(GuestStream stream, std::string_view bytes) {
  if (bytes.empty()) return;
  int i = stream == GuestStream::kStdout ? 0 : 1;
  if (!log_dir_.empty()) {
    std::lock_guard lock(mutex_);
    if (!files_[i] && !failed_[i]) {
      std::string p = path(stream);
      files_[i] = std::fopen(p.c_str(), "ae");
      if (!files_[i]) {
        failed_[i] = true;
        http::logLine(http::LogLevel::kError,
                      "component \"" + component_ + "\": cannot open " + p + ": " +
                          std::strerror(errno) + "; its output is dropped",
                      {{"component", component_}});
      }
    }
    if (!files_[i]) return;
    std::fwrite(bytes.data(), 1, bytes.size(), files_[i]);
    if (bytes.back() != '\n') std::fputc('\n', files_[i]);
    std::fflush(files_[i]);
    return;
  }
  std::string prefix = "[" + component_ + "] ";
  std::string out;
  out.reserve(bytes.size() + prefix.size() * 4);
  size_t start = 0;
  while (start < bytes.size()) {
    size_t nl = bytes.find('\n', start);
    size_t end = nl == std::string_view::npos ? bytes.size() : nl;
    out.append(prefix).append(bytes.substr(start, end - start)).push_back('\n');
    start = end + 1;
  }
  std::FILE* to = stream == GuestStream::kStdout ? stdout : stderr;
  std::fwrite(out.data(), 1, out.size(), to);
  if (to == stdout) std::fflush(stdout);
}

}  // namespace tern::executor
