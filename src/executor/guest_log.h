// Guest stdout/stderr of one component: "[component] line" on tern's console, or Spin-style files.
//
//   GuestLog log("hello", "");            // console: "[hello] line" on tern's stdout/stderr
//   GuestLog log("hello", "/var/log/app");  // appends to /var/log/app/hello_stderr.txt
//   log.write(GuestStream::kStderr, ctx.capturedStderr());
//
// Each write() is one request's output (already capped by the WASI capture); a last line without
// '\n' is ended with one. Console lines from different requests never interleave (one write per
// call). A file that cannot be opened is reported once on the server log and its output dropped.
//
// Thread safety: write() from any thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace tern::executor {

enum class GuestStream : uint8_t { kStdout, kStderr };

class GuestLog {
 public:
  GuestLog(std::string component, std::string log_dir);
  ~GuestLog();
  GuestLog(const GuestLog&) = delete;
  GuestLog& operator=(const GuestLog&) = delete;

  void write(GuestStream stream, std::string_view bytes);
  // LOG_DIR/<component>_stdout.txt or _stderr.txt; "" on the console.
  std::string path(GuestStream stream) const;

 private:
  std::string component_;
  std::string log_dir_;
  std::mutex mutex_;  // guards files_ and failed_
  std::FILE* files_[2] = {nullptr, nullptr};
  bool failed_[2] = {false, false};
};

}  // namespace tern::executor
