// tokenizer.json loading and the encode/decode pipelines (added tokens, template, truncation).
#include "ai/tokenizer.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ai/limits.h"
#include "ai/tokenizer_impl.h"

namespace tern::ai {

namespace {

using nlohmann::json;
using namespace tok;

std::string str(const json& j, const char* key, std::string fallback = "") {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

bool flag(const json& j, const char* key, bool fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

Result<Pattern> parsePattern(const json& j) {
  Pattern p;
  if (j.is_object() && j.contains("String") && j["String"].is_string()) {
    p.literal = j["String"].get<std::string>();
    return p;
  }
  if (!j.is_object() || !j.contains("Regex") || !j["Regex"].is_string()) {
    return fail(ErrorCode::kMalformed, "tokenizer: pattern needs String or Regex");
  }
  UErrorCode status = U_ZERO_ERROR;
  UParseError pe;
  auto source = icu::UnicodeString::fromUTF8(j["Regex"].get<std::string>());
  p.regex.reset(icu::RegexPattern::compile(source, 0, pe, status));
  if (U_FAILURE(status)) {
    return fail(ErrorCode::kMalformed, "tokenizer: regex does not compile (",
                u_errorName(status), ") at offset ", std::to_string(pe.offset));
  }
  return p;
}

Result<void> parseNormalizer(const json& j, std::vector<Normalizer>& out) {
  if (j.is_null()) return {};
  std::string type = str(j, "type");
  using K = Normalizer::Kind;
  if (type == "Sequence") {
    if (!j.contains("normalizers") || !j["normalizers"].is_array()) {
      return fail(ErrorCode::kMalformed, "tokenizer: Sequence normalizer without a list");
    }
    for (const auto& n : j["normalizers"]) TERN_TRY(parseNormalizer(n, out));
    return {};
  }
  Normalizer n{K::kLowercase};
  if (type == "Prepend") {
    n = {K::kPrepend};
    n.text = str(j, "prepend");
  } else if (type == "Replace") {
    n = {K::kReplace};
    auto p = parsePattern(j.value("pattern", json()));
    if (!p) return fail(p.error());
    n.pattern = std::move(*p);
    n.text = str(j, "content");
  } else if (type == "Lowercase") {
    n = {K::kLowercase};
  } else if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
    n = {type == "NFC" ? K::kNfc : type == "NFD" ? K::kNfd : type == "NFKC" ? K::kNfkc : K::kNfkd};
  } else if (type == "StripAccents") {
    n = {K::kStripAccents};
  } else if (type == "Strip") {
    n = {K::kStrip};
    n.left = flag(j, "strip_left", true);
    n.right = flag(j, "strip_right", true);
  } else if (type == "BertNormalizer") {
    n = {K::kBert};
    n.cleanText = flag(j, "clean_text", true);
    n.chineseChars = flag(j, "handle_chinese_chars", true);
    n.lowercase = flag(j, "lowercase", true);
    // strip_accents: null means "as lowercase" (BERT's uncased models).
    n.stripAccents = flag(j, "strip_accents", n.lowercase);
  } else {
    return fail(ErrorCode::kUnsupported, "tokenizer: normalizer type '", type, "'");
  }
  out.push_back(std::move(n));
  return {};
}

Result<SplitBehavior> parseBehavior(const std::string& s) {
  if (s == "Removed") return SplitBehavior::kRemoved;
  if (s == "Isolated") return SplitBehavior::kIsolated;
  if (s == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (s == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (s == "Contiguous") return SplitBehavior::kContiguous;
  return fail(ErrorCode::kMalformed, "tokenizer: split behavior '", s, "'");
}

Result<void> parsePreTokenizer(const json& j, std::vector<PreTokenizer>& out) {
  if (j.is_null()) return {};
  std::string type = str(j, "type");
  using K = PreTokenizer::Kind;
  if (type == "Sequence") {
    if (!j.contains("pretokenizers") || !j["pretokenizers"].is_array()) {
      return fail(ErrorCode::kMalformed, "tokenizer: Sequence pre-tokenizer without a list");
    }
    for (const auto& p : j["pretokenizers"]) TERN_TRY(parsePreTokenizer(p, out));
    return {};
  }
  PreTokenizer p{K::kBert};
  if (type == "Split") {
    p = {K::kSplit};
    auto pat = parsePattern(j.value("pattern", json()));
    if (!pat) return fail(pat.error());
    p.pattern = std::move(*pat);
    auto b = parseBehavior(str(j, "behavior", "Isolated"));
    if (!b) return fail(b.error());
    p.behavior = *b;
    p.invert = flag(j, "invert", false);
  } else if (type == "ByteLevel") {
    p = {K::kByteLevel};
    p.addPrefixSpace = flag(j, "add_prefix_space", true);
    p.useRegex = flag(j, "use_regex", true);
  } else if (type == "BertPreTokenizer") {
    p = {K::kBert};
  } else if (type == "Whitespace") {
    p = {K::kWhitespace};
  } else if (type == "WhitespaceSplit") {
    p = {K::kWhitespaceSplit};
  } else if (type == "Metaspace") {
    p = {K::kMetaspace};
    p.replacement = str(j, "replacement", "\u2581");
    std::string scheme = str(j, "prepend_scheme", flag(j, "add_prefix_space", true) ? "always"
                                                                                     : "never");
    p.prepend = scheme == "first"   ? PreTokenizer::Prepend::kFirst
                : scheme == "never" ? PreTokenizer::Prepend::kNever
                                    : PreTokenizer::Prepend::kAlways;
    p.split = flag(j, "split", true);
  } else if (type == "Digits") {
    p = {K::kDigits};
    p.individualDigits = flag(j, "individual_digits", false);
  } else if (type == "Punctuation") {
    p = {K::kPunctuation};
    auto b = parseBehavior(str(j, "behavior", "Isolated"));
    if (!b) return fail(b.error());
    p.behavior = *b;
  } else {
    return fail(ErrorCode::kUnsupported, "tokenizer: pre-tokenizer type '", type, "'");
  }
  out.push_back(std::move(p));
  return {};
}

Result<void> parseDecoder(const json& j, std::vector<Decoder>& out) {
  if (j.is_null()) return {};
  std::string type = str(j, "type");
  using K = Decoder::Kind;
  if (type == "Sequence") {
    if (!j.contains("decoders") || !j["decoders"].is_array()) {
      return fail(ErrorCode::kMalformed, "tokenizer: Sequence decoder without a list");
    }
    for (const auto& d : j["decoders"]) TERN_TRY(parseDecoder(d, out));
    return {};
  }
  Decoder d{K::kFuse};
  if (type == "ByteLevel") {
    d = {K::kByteLevel};
  } else if (type == "Replace") {
    d = {K::kReplace};
    auto p = parsePattern(j.value("pattern", json()));
    if (!p) return fail(p.error());
    d.pattern = std::move(*p);
    d.text = str(j, "content");
  } else if (type == "ByteFallback") {
    d = {K::kByteFallback};
  } else if (type == "Fuse") {
    d = {K::kFuse};
  } else if (type == "Strip") {
    d = {K::kStrip};
    d.text = str(j, "content", " ");
    d.start = j.value("start", 0);
    d.stop = j.value("stop", 0);
  } else if (type == "WordPiece") {
    d = {K::kWordPiece};
    d.text = str(j, "prefix", "##");
    d.cleanup = flag(j, "cleanup", true);
  } else if (type == "Metaspace") {
    d = {K::kMetaspace};
    d.text = str(j, "replacement", "\u2581");
    d.prependFirst = str(j, "prepend_scheme", flag(j, "add_prefix_space", true) ? "always"
                                                                                : "never") != "never";
  } else if (type == "BPEDecoder") {
    d = {K::kBpe};
    d.text = str(j, "suffix", "</w>");
  } else {
    return fail(ErrorCode::kUnsupported, "tokenizer: decoder type '", type, "'");
  }
  out.push_back(std::move(d));
  return {};
}

Result<void> parseVocab(const json& vocab, Model& m) {
  if (!vocab.is_object() || vocab.size() > limits::kMaxVocab) {
    return fail(ErrorCode::kMalformed, "tokenizer: model.vocab must be an object of ids");
  }
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 ||
        id.get<int64_t>() >= static_cast<int64_t>(limits::kMaxVocab)) {
      return fail(ErrorCode::kMalformed, "tokenizer: bad id for token '", token, "'");
    }
    int32_t v = id.get<int32_t>();
    m.vocab[token] = v;
    if (m.idToToken.size() <= static_cast<size_t>(v)) m.idToToken.resize(v + 1);
    m.idToToken[v] = token;
  }
  return {};
}

Result<void> parseMerges(const json& merges, Model& m) {
  if (!merges.is_array()) return fail(ErrorCode::kMalformed, "tokenizer: merges must be a list");
  int32_t rank = 0;
  for (const auto& entry : merges) {
    std::string a, b;
    if (entry.is_string()) {  // "a b"
      auto s = entry.get<std::string>();
      auto sp = s.find(' ', 1);
      if (sp == std::string::npos) return fail(ErrorCode::kMalformed, "tokenizer: merge '", s, "'");
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (entry.is_array() && entry.size() == 2 && entry[0].is_string() &&
               entry[1].is_string()) {  // ["a", "b"] (tokenizers >= 0.20)
      a = entry[0].get<std::string>();
      b = entry[1].get<std::string>();
    } else {
      return fail(ErrorCode::kMalformed, "tokenizer: merge entry is neither \"a b\" nor [a, b]");
    }
    auto ia = m.vocab.find(a), ib = m.vocab.find(b);
    std::string joined = a + (m.prefix.empty() || !b.starts_with(m.prefix)
                                  ? b
                                  : b.substr(m.prefix.size()));
    auto ij = m.vocab.find(joined);
    if (ia == m.vocab.end() || ib == m.vocab.end() || ij == m.vocab.end()) {
      return fail(ErrorCode::kMalformed, "tokenizer: merge '", a, " ", b,
                  "' uses a token missing from the vocabulary");
    }
    uint64_t key = (uint64_t(uint32_t(ia->second)) << 32) | uint32_t(ib->second);
    m.merges.emplace(key, std::pair{rank++, ij->second});
  }
  return {};
}

Result<void> parseModel(const json& j, Model& m) {
  std::string type = str(j, "type");
  if (type.empty()) {
    // Old files omit the type; merges mean BPE.
    type = j.contains("merges") ? "BPE" : j.contains("continuing_subword_prefix") ? "WordPiece"
                                                                                  : "WordLevel";
  }
  TERN_TRY(parseVocab(j.value("vocab", json()), m));
  std::string unk = str(j, "unk_token");
  if (!unk.empty()) {
    auto it = m.vocab.find(unk);
    if (it != m.vocab.end()) m.unk = it->second;
  }
  if (type == "BPE") {
    m.kind = Model::Kind::kBpe;
    m.prefix = str(j, "continuing_subword_prefix");
    m.suffix = str(j, "end_of_word_suffix");
    m.fuseUnk = flag(j, "fuse_unk", false);
    m.byteFallback = flag(j, "byte_fallback", false);
    m.ignoreMerges = flag(j, "ignore_merges", false);
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      auto it = m.vocab.find(name);
      m.byteIds[b] = it == m.vocab.end() ? -1 : it->second;
    }
    return parseMerges(j.value("merges", json::array()), m);
  }
  if (type == "WordPiece") {
    m.kind = Model::Kind::kWordPiece;
    m.prefix = str(j, "continuing_subword_prefix", "##");
    m.maxInputChars = j.value("max_input_chars_per_word", 100);
    return {};
  }
  if (type == "WordLevel") {
    m.kind = Model::Kind::kWordLevel;
    return {};
  }
  return fail(ErrorCode::kUnsupported, "tokenizer: model type '", type, "'");
}

Result<std::vector<int32_t>> specialIds(const json& specials, const std::string& name) {
  if (!specials.is_object() || !specials.contains(name) || !specials[name].contains("ids") ||
      !specials[name]["ids"].is_array()) {
    return fail(ErrorCode::kMalformed, "tokenizer: template names special token '", name,
                "' without ids");
  }
  std::vector<int32_t> ids;
  for (const auto& id : specials[name]["ids"]) {
    if (!id.is_number_integer()) return fail(ErrorCode::kMalformed, "tokenizer: bad special id");
    ids.push_back(id.get<int32_t>());
  }
  return ids;
}

Result<void> parsePostProcessor(const json& j, Tokenizer::Impl& impl) {
  if (j.is_null()) return {};
  std::string type = str(j, "type");
  if (type == "Sequence") {
    for (const auto& p : j.value("processors", json::array())) TERN_TRY(parsePostProcessor(p, impl));
    return {};
  }
  if (type == "ByteLevel") return {};  // only adjusts offsets
  if (type == "TemplateProcessing") {
    impl.hasTemplate = true;
    impl.single.clear();
    for (const auto& piece : j.value("single", json::array())) {
      if (piece.contains("Sequence")) {
        impl.single.push_back({true, {}});
      } else if (piece.contains("SpecialToken")) {
        auto ids = specialIds(j.value("special_tokens", json()),
                              str(piece["SpecialToken"], "id"));
        if (!ids) return fail(ids.error());
        impl.single.push_back({false, std::move(*ids)});
      } else {
        return fail(ErrorCode::kMalformed, "tokenizer: template piece is neither");
      }
    }
    return {};
  }
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    auto cls = j.value("cls", json()), sep = j.value("sep", json());
    if (!cls.is_array() || cls.size() != 2 || !sep.is_array() || sep.size() != 2 ||
        !cls[1].is_number_integer() || !sep[1].is_number_integer()) {
      return fail(ErrorCode::kMalformed, "tokenizer: ", type, " needs cls and sep");
    }
    impl.hasTemplate = true;
    impl.single = {{false, {cls[1].get<int32_t>()}}, {true, {}}, {false, {sep[1].get<int32_t>()}}};
    return {};
  }
  return fail(ErrorCode::kUnsupported, "tokenizer: post-processor type '", type, "'");
}

Result<void> parseAdded(const json& added, Tokenizer::Impl& impl) {
  if (added.is_null()) return {};
  if (!added.is_array()) return fail(ErrorCode::kMalformed, "tokenizer: added_tokens not a list");
  for (const auto& a : added) {
    if (!a.contains("id") || !a["id"].is_number_integer() || str(a, "content").empty()) {
      return fail(ErrorCode::kMalformed, "tokenizer: added token needs id and content");
    }
    AddedToken t{a["id"].get<int32_t>(), str(a, "content"), flag(a, "special", false),
                 flag(a, "lstrip", false), flag(a, "rstrip", false)};
    if (t.id < 0 || static_cast<size_t>(t.id) >= limits::kMaxVocab) {
      return fail(ErrorCode::kMalformed, "tokenizer: added token id out of range");
    }
    auto& m = impl.model;
    if (m.idToToken.size() <= static_cast<size_t>(t.id)) m.idToToken.resize(t.id + 1);
    if (m.idToToken[t.id].empty()) m.idToToken[t.id] = t.content;
    m.vocab.emplace(t.content, t.id);
    impl.added.push_back(std::move(t));
  }
  // Longest first, so "<|end|>" is not cut by a shorter prefix token.
  std::stable_sort(impl.added.begin(), impl.added.end(),
                   [](const auto& a, const auto& b) { return a.content.size() > b.content.size(); });
  return {};
}

Result<std::unique_ptr<Tokenizer::Impl>> parseAll(const json& j) {
  auto impl = std::make_unique<Tokenizer::Impl>();
  if (!j.is_object() || !j.contains("model") || !j["model"].is_object()) {
    return fail(ErrorCode::kMalformed, "tokenizer: no model object");
  }
  TERN_TRY(parseModel(j["model"], impl->model));
  TERN_TRY(parseAdded(j.value("added_tokens", json()), *impl));
  TERN_TRY(parseNormalizer(j.value("normalizer", json()), impl->normalizers));
  TERN_TRY(parsePreTokenizer(j.value("pre_tokenizer", json()), impl->preTokenizers));
  TERN_TRY(parsePostProcessor(j.value("post_processor", json()), *impl));
  auto dec = j.value("decoder", json());
  impl->hasDecoder = !dec.is_null();
  TERN_TRY(parseDecoder(dec, impl->decoders));
  auto trunc = j.value("truncation", json());
  if (trunc.is_object() && trunc.contains("max_length") && trunc["max_length"].is_number_unsigned()) {
    impl->maxLength = trunc["max_length"].get<size_t>();
  }
  impl->special.assign(impl->model.idToToken.size(), false);
  for (const auto& a : impl->added) {
    if (a.special) impl->special[a.id] = true;
  }
  return impl;
}

// Splits `text` at added tokens: (segment, -1) for text, ("", id) for a token.
std::vector<std::pair<std::string, int32_t>> splitAdded(const Tokenizer::Impl& impl,
                                                        std::string_view text) {
  std::vector<std::pair<std::string, int32_t>> out;
  std::string pending;
  size_t i = 0;
  while (i < text.size()) {
    const AddedToken* hit = nullptr;
    for (const auto& a : impl.added) {
      if (text.compare(i, a.content.size(), a.content) == 0) {
        hit = &a;
        break;
      }
    }
    if (!hit) {
      pending += text[i++];
      continue;
    }
    if (hit->lstrip) {
      while (!pending.empty() && std::isspace(static_cast<unsigned char>(pending.back()))) {
        pending.pop_back();
      }
    }
    if (!pending.empty()) out.emplace_back(std::move(pending), -1);
    pending.clear();
    out.emplace_back("", hit->id);
    i += hit->content.size();
    if (hit->rstrip) {
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    }
  }
  if (!pending.empty()) out.emplace_back(std::move(pending), -1);
  return out;
}

}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

Result<std::shared_ptr<const Tokenizer>> Tokenizer::parse(std::string_view text) {
  if (text.size() > limits::kMaxTokenizerJsonBytes) {
    return fail(ErrorCode::kMalformed, "tokenizer.json is larger than the limit");
  }
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::kMalformed, "tokenizer.json is not JSON");
  auto impl = parseAll(j);
  if (!impl) return fail(impl.error());
  return std::shared_ptr<const Tokenizer>(new Tokenizer(std::move(*impl)));
}

Result<std::shared_ptr<const Tokenizer>> Tokenizer::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot read ", file.string());
  std::stringstream ss;
  ss << in.rdbuf();
  auto t = parse(ss.str());
  if (!t) return fail(t.error().code, file.string(), ": ", t.error().message);
  return t;
}

Result<std::vector<int32_t>> Tokenizer::encode(std::string_view text, bool addSpecial) const {
  if (!tok::validUtf8(text)) return fail(ErrorCode::kInvalidArgument, "text is not UTF-8");
  std::vector<int32_t> ids;
  bool first = true;
  for (auto& [segment, id] : splitAdded(*impl_, text)) {
    if (id >= 0) {
      ids.push_back(id);
      first = false;
      continue;
    }
    auto normalized = tok::normalize(impl_->normalizers, std::move(segment));
    if (!normalized) return fail(normalized.error());
    auto pieces = tok::preTokenize(impl_->preTokenizers, std::move(*normalized), first);
    if (!pieces) return fail(pieces.error());
    first = false;
    for (const auto& piece : *pieces) {
      if (piece.empty()) continue;
      switch (impl_->model.kind) {
        case tok::Model::Kind::kBpe: tok::tokenizeBpe(impl_->model, piece, ids); break;
        case tok::Model::Kind::kWordPiece: tok::tokenizeWordPiece(impl_->model, piece, ids); break;
        case tok::Model::Kind::kWordLevel: {
          auto it = impl_->model.vocab.find(piece);
          if (it != impl_->model.vocab.end()) {
            ids.push_back(it->second);
          } else if (impl_->model.unk) {
            ids.push_back(*impl_->model.unk);
          }
          break;
        }
      }
    }
  }
  if (!addSpecial || !impl_->hasTemplate) {
    if (impl_->maxLength && ids.size() > *impl_->maxLength) ids.resize(*impl_->maxLength);
    return ids;
  }
  size_t specials = 0;
  for (const auto& p : impl_->single) specials += p.ids.size();
  if (impl_->maxLength && ids.size() + specials > *impl_->maxLength) {
    ids.resize(*impl_->maxLength > specials ? *impl_->maxLength - specials : 0);
  }
  std::vector<int32_t> out;
  out.reserve(ids.size() + specials);
  for (const auto& p : impl_->single) {
    if (p.sequence) {
      out.insert(out.end(), ids.begin(), ids.end());
    } else {
      out.insert(out.end(), p.ids.begin(), p.ids.end());
    }
  }
  return out;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skipSpecial) const {
  std::vector<std::string> tokens;
  for (int32_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= impl_->model.idToToken.size()) continue;
    if (skipSpecial && impl_->special[id]) continue;
    tokens.push_back(impl_->model.idToToken[id]);
  }
  if (!impl_->hasDecoder) {
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
    return out;
  }
  std::string out;
  for (auto& t : tok::decodeChain(impl_->decoders, std::move(tokens))) out += t;
  return out;
}

std::optional<int32_t> Tokenizer::tokenId(std::string_view token) const {
  auto it = impl_->model.vocab.find(std::string(token));
  if (it == impl_->model.vocab.end()) return std::nullopt;
  return it->second;
}

const std::string* Tokenizer::tokenText(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= impl_->model.idToToken.size()) return nullptr;
  return &impl_->model.idToToken[id];
}

size_t Tokenizer::vocabSize() const { return impl_->model.idToToken.size(); }
std::optional<size_t> Tokenizer::maxLength() const { return impl_->maxLength; }

}  // namespace tern::ai
