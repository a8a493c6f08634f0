// Internal pieces of Tokenizer: the component types tokenizer.json names, and their operations.
#pragma once

#include <unicode/regex.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ai/tokenizer.h"

namespace tern::ai::tok {

// A literal string or a compiled regex (tokenizer.json: {"String": ...} / {"Regex": ...}).
struct Pattern {
  std::string literal;
  std::shared_ptr<icu::RegexPattern> regex;  // null: literal
};

struct Normalizer {
  enum class Kind { kPrepend, kReplace, kLowercase, kNfc, kNfd, kNfkc, kNfkd, kStripAccents,
                    kStrip, kBert };
  Kind kind;
  std::string text;      // prepend / replacement content
  Pattern pattern;       // replace
  bool left = true, right = true;  // strip
  bool cleanText = true, chineseChars = true, stripAccents = false, lowercase = true;  // bert
};

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext,
                           kContiguous };

struct PreTokenizer {
  enum class Kind { kSplit, kByteLevel, kBert, kWhitespace, kWhitespaceSplit, kMetaspace,
                    kDigits, kPunctuation };
  Kind kind;
  Pattern pattern;  // split
  SplitBehavior behavior = SplitBehavior::kIsolated;
  bool invert = false;
  bool addPrefixSpace = false, useRegex = true;    // byte level
  std::string replacement;                          // metaspace
  enum class Prepend { kAlways, kFirst, kNever } prepend = Prepend::kAlways;
  bool split = true;                                // metaspace
  bool individualDigits = false;                    // digits
};

struct Decoder {
  enum class Kind { kByteLevel, kReplace, kByteFallback, kFuse, kStrip, kWordPiece, kMetaspace,
                    kBpe };
  Kind kind;
  Pattern pattern;
  std::string text;  // replace content / strip content / wordpiece prefix / metaspace / suffix
  int start = 0, stop = 0;
  bool cleanup = true;
  bool prependFirst = true;  // metaspace: strip the leading space of the first token
};

struct TemplatePiece {
  bool sequence = false;        // $A
  std::vector<int32_t> ids;     // special token ids
};

struct AddedToken {
  int32_t id;
  std::string content;
  bool special = false, lstrip = false, rstrip = false;
};

struct Model {
  enum class Kind { kBpe, kWordPiece, kWordLevel } kind;
  std::unordered_map<std::string, int32_t> vocab;
  std::vector<std::string> idToToken;
  std::optional<int32_t> unk;
  // BPE
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges;  // (a,b) -> (rank, merged)
  std::string prefix, suffix;  // continuing_subword_prefix, end_of_word_suffix
  bool fuseUnk = false, byteFallback = false, ignoreMerges = false;
  int32_t byteIds[256];
  // WordPiece
  size_t maxInputChars = 100;
};

// Unicode text operations (tokenizer_text.cc).
Result<std::string> normalize(const std::vector<Normalizer>& steps, std::string text);
Result<std::vector<std::string>> preTokenize(const std::vector<PreTokenizer>& steps,
                                             std::string text, bool firstSegment);
std::vector<std::string> decodeChain(const std::vector<Decoder>& steps,
                                     std::vector<std::string> tokens);
std::vector<std::string> splitPattern(const std::string& text, const Pattern& pattern,
                                      SplitBehavior behavior, bool invert);
const std::string& byteToUnicode(uint8_t b);
bool validUtf8(std::string_view s);

// Models (tokenizer_models.cc).
void tokenizeBpe(const Model& model, const std::string& piece, std::vector<int32_t>& out);
void tokenizeWordPiece(const Model& model, const std::string& piece, std::vector<int32_t>& out);

}  // namespace tern::ai::tok

namespace tern::ai {

struct Tokenizer::Impl {
  std::vector<tok::AddedToken> added;
  std::vector<tok::Normalizer> normalizers;
  std::vector<tok::PreTokenizer> preTokenizers;
  tok::Model model;
  std::vector<tok::TemplatePiece> single;
  bool hasTemplate = false;
  std::vector<tok::Decoder> decoders;
  bool hasDecoder = false;
  std::optional<size_t> maxLength;
  std::vector<bool> special;  // by id
};

}  // namespace tern::ai
