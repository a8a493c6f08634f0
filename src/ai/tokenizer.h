// Hugging Face tokenizer.json: normalizer, pre-tokenizer, BPE / WordPiece model, post-processor,
// decoder — what Llama (SentencePiece-style and byte-level BPE) and BERT/MiniLM checkpoints ship.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace tern::ai {

// Immutable after load and safe to share between threads.
class Tokenizer {
 public:
  // Errors: kIo (unreadable), kMalformed (not a tokenizer.json we understand), kUnsupported (a
  // component type this implementation does not have; the message names it).
  static Result<std::shared_ptr<const Tokenizer>> load(const std::filesystem::path& file);
  static Result<std::shared_ptr<const Tokenizer>> parse(std::string_view json);
  ~Tokenizer();

  // Token ids for `text`; with addSpecialTokens, the post-processor's template (<s>, [CLS] ...
  // [SEP]) and the file's truncation (max_length) apply, as `tokenizer.encode(text)` does.
  // kInvalidArgument for text that is not UTF-8.
  Result<std::vector<int32_t>> encode(std::string_view text, bool addSpecialTokens = true) const;
  // Text for `ids` through the decoder chain; unknown ids are skipped.
  std::string decode(std::span<const int32_t> ids, bool skipSpecialTokens = true) const;

  std::optional<int32_t> tokenId(std::string_view token) const;
  const std::string* tokenText(int32_t id) const;
  size_t vocabSize() const;
  // The truncation max_length of the file, if any.
  std::optional<size_t> maxLength() const;

  struct Impl;

 private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tern::ai
