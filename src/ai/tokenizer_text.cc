// Unicode steps of the tokenizer (ICU): normalizers, pre-tokenizers, decoders, byte-level map.
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <array>

#include "ai/tokenizer_impl.h"

namespace tern::ai::tok {

namespace {

std::vector<UChar32> codepoints(std::string_view s) {
  std::vector<UChar32> out;
  int32_t i = 0, n = static_cast<int32_t>(s.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), i, n, c);
    out.push_back(c < 0 ? 0xFFFD : c);
  }
  return out;
}

void appendUtf8(std::string& out, UChar32 c) {
  uint8_t buf[4];
  int32_t len = 0;
  U8_APPEND_UNSAFE(buf, len, c);
  out.append(reinterpret_cast<char*>(buf), len);
}

std::string utf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

std::string replaceLiteral(const std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t hit = text.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(text, pos, hit - pos).append(to);
    pos = hit + from.size();
  }
  return out.append(text, pos);
}

std::string replacePattern(const std::string& text, const Pattern& p, const std::string& to) {
  if (!p.regex) return replaceLiteral(text, p.literal, to);
  std::string out;
  auto u = icu::UnicodeString::fromUTF8(text);
  UErrorCode st = U_ZERO_ERROR;
  std::unique_ptr<icu::RegexMatcher> m(p.regex->matcher(u, st));
  int32_t last = 0;
  while (U_SUCCESS(st) && m->find(st)) {
    int32_t s = m->start(st), e = m->end(st);
    out += utf8(u.tempSubStringBetween(last, s)) + to;
    last = e;
    if (s == e) break;  // an empty match would repeat forever
  }
  return out + utf8(u.tempSubStringBetween(last));
}

bool isBertWhitespace(UChar32 c) {
  return c == '\t' || c == '\n' || c == '\r' || c == ' ' || u_isUWhiteSpace(c);
}

bool isBertControl(UChar32 c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  auto t = u_charType(c);
  return t == U_CONTROL_CHAR || t == U_FORMAT_CHAR || t == U_UNASSIGNED || t == U_PRIVATE_USE_CHAR;
}

bool isPunctuation(UChar32 c) {
  return (c < 128 && std::ispunct(static_cast<int>(c))) || u_ispunct(c);
}

bool isChinese(UChar32 c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

std::string stripMarks(const std::string& text) {
  std::string out;
  for (UChar32 c : codepoints(text)) {
    if (u_charType(c) != U_NON_SPACING_MARK) appendUtf8(out, c);
  }
  return out;
}

Result<std::string> normalizeForm(const std::string& text, Normalizer::Kind kind) {
  UErrorCode st = U_ZERO_ERROR;
  const icu::Normalizer2* n =
      kind == Normalizer::Kind::kNfc    ? icu::Normalizer2::getNFCInstance(st)
      : kind == Normalizer::Kind::kNfd  ? icu::Normalizer2::getNFDInstance(st)
      : kind == Normalizer::Kind::kNfkc ? icu::Normalizer2::getNFKCInstance(st)
                                        : icu::Normalizer2::getNFKDInstance(st);
  if (U_FAILURE(st)) return fail(ErrorCode::kIo, "ICU normalizer data: ", u_errorName(st));
  auto out = n->normalize(icu::UnicodeString::fromUTF8(text), st);
  if (U_FAILURE(st)) return fail(ErrorCode::kInvalidArgument, "normalization failed");
  return utf8(out);
}

std::string lower(const std::string& text) {
  auto u = icu::UnicodeString::fromUTF8(text);
  u.toLower(icu::Locale::getRoot());
  return utf8(u);
}

Result<std::string> bertNormalize(const Normalizer& n, const std::string& text) {
  std::string out;
  for (UChar32 c : codepoints(text)) {
    if (n.cleanText) {
      if (c == 0 || c == 0xFFFD || isBertControl(c)) continue;
      if (isBertWhitespace(c)) c = ' ';
    }
    if (n.chineseChars && isChinese(c)) {
      out += ' ';
      appendUtf8(out, c);
      out += ' ';
      continue;
    }
    appendUtf8(out, c);
  }
  if (n.stripAccents) {
    auto nfd = normalizeForm(out, Normalizer::Kind::kNfd);
    if (!nfd) return fail(nfd.error());
    out = stripMarks(*nfd);
  }
  if (n.lowercase) out = lower(out);
  return out;
}

// Splits on characters: `drop` ones are removed, `isolate` ones become their own piece.
template <class Drop, class Isolate>
std::vector<std::string> splitChars(const std::string& text, Drop drop, Isolate isolate) {
  std::vector<std::string> out;
  std::string cur;
  for (UChar32 c : codepoints(text)) {
    if (drop(c) || isolate(c)) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
      if (!drop(c)) {
        std::string one;
        appendUtf8(one, c);
        out.push_back(std::move(one));
      }
      continue;
    }
    appendUtf8(cur, c);
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

const Pattern& gpt2Pattern() {
  static const Pattern p = [] {
    Pattern q;
    UErrorCode st = U_ZERO_ERROR;
    UParseError pe;
    q.regex.reset(icu::RegexPattern::compile(
        icu::UnicodeString::fromUTF8(
            R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)"),
        0, pe, st));
    return q;
  }();
  return p;
}

const Pattern& wordPattern() {
  static const Pattern p = [] {
    Pattern q;
    UErrorCode st = U_ZERO_ERROR;
    UParseError pe;
    q.regex.reset(icu::RegexPattern::compile(u"\\w+|[^\\w\\s]+", 0, pe, st));
    return q;
  }();
  return p;
}

std::vector<std::string> preTokenizeOne(const PreTokenizer& p, std::string piece, bool first) {
  using K = PreTokenizer::Kind;
  switch (p.kind) {
    case K::kSplit: return splitPattern(piece, p.pattern, p.behavior, p.invert);
    case K::kByteLevel: {
      if (p.addPrefixSpace && !piece.starts_with(' ')) piece.insert(0, " ");
      std::vector<std::string> parts =
          p.useRegex ? splitPattern(piece, gpt2Pattern(), SplitBehavior::kIsolated, false)
                     : std::vector<std::string>{piece};
      for (auto& part : parts) {
        std::string mapped;
        for (unsigned char b : part) mapped += byteToUnicode(b);
        part = std::move(mapped);
      }
      return parts;
    }
    case K::kBert:
      return splitChars(piece, isBertWhitespace, isPunctuation);
    case K::kWhitespace:
      return splitPattern(piece, wordPattern(), SplitBehavior::kRemoved, true);
    case K::kWhitespaceSplit:
      return splitChars(piece, isBertWhitespace, [](UChar32) { return false; });
    case K::kMetaspace: {
      piece = replaceLiteral(piece, " ", p.replacement);
      bool prepend = p.prepend == PreTokenizer::Prepend::kAlways ||
                     (p.prepend == PreTokenizer::Prepend::kFirst && first);
      if (prepend && !piece.starts_with(p.replacement)) piece.insert(0, p.replacement);
      if (!p.split) return {piece};
      Pattern lit{p.replacement, nullptr};
      return splitPattern(piece, lit, SplitBehavior::kMergedWithNext, false);
    }
    case K::kDigits: {
      if (p.individualDigits) return splitChars(piece, [](UChar32) { return false; }, u_isdigit);
      Pattern digits;
      UErrorCode st = U_ZERO_ERROR;
      UParseError pe;
      digits.regex.reset(icu::RegexPattern::compile(u"\\p{Nd}+", 0, pe, st));
      return splitPattern(piece, digits, SplitBehavior::kIsolated, false);
    }
    case K::kPunctuation:
      return splitChars(piece, [](UChar32) { return false; }, isPunctuation);
  }
  return {piece};
}

std::string fromByteLevel(const std::string& text) {
  static const auto reverse = [] {
    std::unordered_map<UChar32, uint8_t> m;
    for (int b = 0; b < 256; ++b) m[codepoints(byteToUnicode(b))[0]] = static_cast<uint8_t>(b);
    return m;
  }();
  std::string bytes;
  for (UChar32 c : codepoints(text)) {
    auto it = reverse.find(c);
    if (it != reverse.end()) {
      bytes += static_cast<char>(it->second);
    } else {
      appendUtf8(bytes, c);
    }
  }
  return bytes;
}

// Invalid UTF-8 sequences become U+FFFD (what from_utf8_lossy does).
std::string lossyUtf8(const std::string& bytes) {
  std::string out;
  int32_t i = 0, n = static_cast<int32_t>(bytes.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(reinterpret_cast<const uint8_t*>(bytes.data()), i, n, c);
    appendUtf8(out, c < 0 ? 0xFFFD : c);
  }
  return out;
}

int byteFallbackValue(const std::string& t) {
  if (t.size() != 6 || !t.starts_with("<0x") || t[5] != '>') return -1;
  int v = 0;
  for (int i = 3; i < 5; ++i) {
    char c = t[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

std::vector<std::string> byteFallback(std::vector<std::string> tokens) {
  std::vector<std::string> out;
  std::string bytes;
  size_t pendingCount = 0;
  auto flush = [&] {
    if (pendingCount == 0) return;
    if (validUtf8(bytes)) {
      out.push_back(bytes);
    } else {
      for (size_t i = 0; i < pendingCount; ++i) out.push_back("\xEF\xBF\xBD");
    }
    bytes.clear();
    pendingCount = 0;
  };
  for (auto& t : tokens) {
    int v = byteFallbackValue(t);
    if (v >= 0) {
      bytes += static_cast<char>(v);
      ++pendingCount;
      continue;
    }
    flush();
    out.push_back(std::move(t));
  }
  flush();
  return out;
}

std::string wordPieceCleanup(std::string s) {
  static const std::pair<const char*, const char*> kRules[] = {
      {" .", "."},   {" ?", "?"},     {" !", "!"},   {" ,", ","},   {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"},
      {" 're", "'re"}};
  for (auto [from, to] : kRules) s = replaceLiteral(s, from, to);
  return s;
}

std::string stripChars(const std::string& t, const std::string& content, int start, int stop) {
  auto cps = codepoints(t);
  auto c = codepoints(content);
  if (c.size() != 1) return t;
  size_t b = 0, e = cps.size();
  for (int i = 0; i < start && b < e && cps[b] == c[0]; ++i) ++b;
  for (int i = 0; i < stop && e > b && cps[e - 1] == c[0]; ++i) --e;
  std::string out;
  for (size_t i = b; i < e; ++i) appendUtf8(out, cps[i]);
  return out;
}

}  // namespace

bool validUtf8(std::string_view s) {
  int32_t i = 0, n = static_cast<int32_t>(s.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), i, n, c);
    if (c < 0) return false;
  }
  return true;
}

const std::string& byteToUnicode(uint8_t b) {
  static const std::array<std::string, 256> table = [] {
    std::array<std::string, 256> t;
    int n = 0;
    for (int x = 0; x < 256; ++x) {
      bool printable = (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE);
      UChar32 c = printable ? x : 256 + n++;
      std::string s;
      appendUtf8(s, c);
      t[x] = s;
    }
    return t;
  }();
  return table[b];
}

std::vector<std::string> splitPattern(const std::string& text, const Pattern& pattern,
                                      SplitBehavior behavior, bool invert) {
  std::vector<std::pair<std::string, bool>> segs;  // (text, matched)
  if (pattern.regex) {
    auto u = icu::UnicodeString::fromUTF8(text);
    UErrorCode st = U_ZERO_ERROR;
    std::unique_ptr<icu::RegexMatcher> m(pattern.regex->matcher(u, st));
    int32_t last = 0;
    while (U_SUCCESS(st) && m->find(st)) {
      int32_t s = m->start(st), e = m->end(st);
      if (s == e) continue;  // empty matches split nothing
      if (s > last) segs.emplace_back(utf8(u.tempSubStringBetween(last, s)), false);
      segs.emplace_back(utf8(u.tempSubStringBetween(s, e)), true);
      last = e;
    }
    if (last < u.length()) segs.emplace_back(utf8(u.tempSubStringBetween(last)), false);
  } else {
    size_t pos = 0;
    while (!pattern.literal.empty()) {
      size_t hit = text.find(pattern.literal, pos);
      if (hit == std::string::npos) break;
      if (hit > pos) segs.emplace_back(text.substr(pos, hit - pos), false);
      segs.emplace_back(pattern.literal, true);
      pos = hit + pattern.literal.size();
    }
    if (pos < text.size()) segs.emplace_back(text.substr(pos), false);
  }
  if (invert) {
    for (auto& s : segs) s.second = !s.second;
  }
  std::vector<std::string> out;
  bool prevMatch = false;
  for (size_t i = 0; i < segs.size(); ++i) {
    auto& [s, matched] = segs[i];
    switch (behavior) {
      case SplitBehavior::kRemoved:
        if (!matched) out.push_back(std::move(s));
        break;
      case SplitBehavior::kIsolated: out.push_back(std::move(s)); break;
      case SplitBehavior::kMergedWithPrevious:
        if (matched && !out.empty() && i > 0) {
          out.back() += s;
        } else {
          out.push_back(std::move(s));
        }
        break;
      case SplitBehavior::kMergedWithNext:
        if (i > 0 && prevMatch) {
          out.back() += s;
        } else {
          out.push_back(std::move(s));
        }
        break;
      case SplitBehavior::kContiguous:
        if (i > 0 && matched && prevMatch) {
          out.back() += s;
        } else {
          out.push_back(std::move(s));
        }
        break;
    }
    prevMatch = matched;
  }
  return out;
}

Result<std::string> normalize(const std::vector<Normalizer>& steps, std::string text) {
  using K = Normalizer::Kind;
  for (const auto& n : steps) {
    switch (n.kind) {
      case K::kPrepend:
        if (!text.empty()) text.insert(0, n.text);
        break;
      case K::kReplace: text = replacePattern(text, n.pattern, n.text); break;
      case K::kLowercase: text = lower(text); break;
      case K::kNfc:
      case K::kNfd:
      case K::kNfkc:
      case K::kNfkd: {
        auto r = normalizeForm(text, n.kind);
        if (!r) return r;
        text = std::move(*r);
        break;
      }
      case K::kStripAccents: text = stripMarks(text); break;
      case K::kStrip: {
        auto cps = codepoints(text);
        size_t b = 0, e = cps.size();
        while (n.left && b < e && u_isUWhiteSpace(cps[b])) ++b;
        while (n.right && e > b && u_isUWhiteSpace(cps[e - 1])) --e;
        std::string out;
        for (size_t i = b; i < e; ++i) appendUtf8(out, cps[i]);
        text = std::move(out);
        break;
      }
      case K::kBert: {
        auto r = bertNormalize(n, text);
        if (!r) return r;
        text = std::move(*r);
        break;
      }
    }
  }
  return text;
}

Result<std::vector<std::string>> preTokenize(const std::vector<PreTokenizer>& steps,
                                             std::string text, bool firstSegment) {
  std::vector<std::string> pieces{std::move(text)};
  for (const auto& step : steps) {
    std::vector<std::string> next;
    for (size_t i = 0; i < pieces.size(); ++i) {
      for (auto& p : preTokenizeOne(step, std::move(pieces[i]), firstSegment && i == 0)) {
        if (!p.empty()) next.push_back(std::move(p));
      }
    }
    pieces = std::move(next);
  }
  return pieces;
}

std::vector<std::string> decodeChain(const std::vector<Decoder>& steps,
                                     std::vector<std::string> tokens) {
  using K = Decoder::Kind;
  for (const auto& d : steps) {
    switch (d.kind) {
      case K::kByteLevel: {
        std::string all;
        for (auto& t : tokens) all += t;
        tokens = {lossyUtf8(fromByteLevel(all))};
        break;
      }
      case K::kReplace:
        for (auto& t : tokens) t = replacePattern(t, d.pattern, d.text);
        break;
      case K::kByteFallback: tokens = byteFallback(std::move(tokens)); break;
      case K::kFuse: {
        std::string all;
        for (auto& t : tokens) all += t;
        tokens = {all};
        break;
      }
      case K::kStrip:
        for (auto& t : tokens) t = stripChars(t, d.text, d.start, d.stop);
        break;
      case K::kWordPiece:
        for (size_t i = 0; i < tokens.size(); ++i) {
          auto& t = tokens[i];
          if (i != 0) t = t.starts_with(d.text) ? t.substr(d.text.size()) : " " + t;
          if (d.cleanup) t = wordPieceCleanup(t);
        }
        break;
      case K::kMetaspace:
        for (size_t i = 0; i < tokens.size(); ++i) {
          auto& t = tokens[i];
          t = replaceLiteral(t, d.text, " ");
          if (i == 0 && d.prependFirst && t.starts_with(' ')) t.erase(0, 1);
        }
        break;
      case K::kBpe:
        for (size_t i = 0; i < tokens.size(); ++i) {
          auto& t = tokens[i];
          t = replaceLiteral(t, d.text, i + 1 == tokens.size() ? "" : " ");
        }
        break;
    }
  }
  return tokens;
}

}  // namespace tern::ai::tok
