// OutputBuffer: a capped in-memory sink for a guest's captured stdout or stderr.
//
// The guest always sees its writes succeed in full (so it never spins retrying); bytes beyond the
// cap are dropped and truncated() says so. The cap bounds host memory a guest can consume.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tern::wasi {

// A size in bytes (strong type for caps, so it cannot be mixed up with a count).
struct ByteSize {
  size_t bytes = 0;
};

class OutputBuffer {
 public:
  explicit OutputBuffer(ByteSize cap) : cap_(cap.bytes) {}

  void append(std::span<const uint8_t> data) {
    size_t room = cap_ - text_.size();
    size_t take = data.size() < room ? data.size() : room;
    text_.append(reinterpret_cast<const char*>(data.data()), take);
    if (take < data.size()) truncated_ = true;
  }
  std::string_view text() const { return text_; }
  bool truncated() const { return truncated_; }
  size_t cap() const { return cap_; }

 private:
  size_t cap_;
  std::string text_;
  bool truncated_ = false;
};

}  // namespace tern::wasi
