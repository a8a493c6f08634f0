// Tokenizer models: byte-pair encoding (ranked merges, byte fallback) and WordPiece.
#include <unicode/utf8.h>

#include "ai/tokenizer_impl.h"

namespace tern::ai::tok {

namespace {

std::vector<std::string> utf8Chars(const std::string& s) {
  std::vector<std::string> out;
  int32_t i = 0, n = static_cast<int32_t>(s.size());
  while (i < n) {
    int32_t start = i;
    UChar32 c;
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), i, n, c);
    out.push_back(s.substr(start, i - start));
  }
  return out;
}

void pushUnknown(const Model& m, const std::string& symbol, std::vector<int32_t>& out,
                 bool& lastWasUnk) {
  if (m.byteFallback) {
    bool all = true;
    for (unsigned char b : symbol) all = all && m.byteIds[b] >= 0;
    if (all) {
      for (unsigned char b : symbol) out.push_back(m.byteIds[b]);
      lastWasUnk = false;
      return;
    }
  }
  if (!m.unk) return;  // no unknown token: the symbol is dropped, as the reference does
  if (m.fuseUnk && lastWasUnk) return;
  out.push_back(*m.unk);
  lastWasUnk = true;
}

}  // namespace

void tokenizeBpe(const Model& m, const std::string& piece, std::vector<int32_t>& out) {
  if (m.ignoreMerges) {
    auto it = m.vocab.find(piece);
    if (it != m.vocab.end()) {
      out.push_back(it->second);
      return;
    }
  }
  // Symbols are vocabulary ids; a character outside the vocabulary stays as text (id -1).
  auto chars = utf8Chars(piece);
  std::vector<int32_t> ids(chars.size());
  for (size_t i = 0; i < chars.size(); ++i) {
    std::string s = chars[i];
    if (i > 0 && !m.prefix.empty()) s = m.prefix + s;
    if (i + 1 == chars.size() && !m.suffix.empty()) s += m.suffix;
    auto it = m.vocab.find(s);
    ids[i] = it == m.vocab.end() ? -1 : it->second;
    chars[i] = std::move(s);
  }
  while (ids.size() > 1) {
    int32_t bestRank = INT32_MAX, bestNew = -1;
    size_t bestAt = 0;
    for (size_t i = 0; i + 1 < ids.size(); ++i) {
      if (ids[i] < 0 || ids[i + 1] < 0) continue;
      uint64_t key = (uint64_t(uint32_t(ids[i])) << 32) | uint32_t(ids[i + 1]);
      auto it = m.merges.find(key);
      if (it != m.merges.end() && it->second.first < bestRank) {
        bestRank = it->second.first;
        bestNew = it->second.second;
        bestAt = i;
      }
    }
    if (bestNew < 0) break;
    ids[bestAt] = bestNew;
    ids.erase(ids.begin() + bestAt + 1);
    chars.erase(chars.begin() + bestAt + 1);
  }
  bool lastWasUnk = false;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] >= 0) {
      out.push_back(ids[i]);
      lastWasUnk = false;
    } else {
      pushUnknown(m, chars[i], out, lastWasUnk);
    }
  }
}

void tokenizeWordPiece(const Model& m, const std::string& piece, std::vector<int32_t>& out) {
  auto chars = utf8Chars(piece);
  if (chars.size() > m.maxInputChars) {
    if (m.unk) out.push_back(*m.unk);
    return;
  }
  std::vector<int32_t> word;
  size_t start = 0;
  while (start < chars.size()) {
    int32_t found = -1;
    size_t end = chars.size();
    for (; end > start; --end) {
      std::string sub = start > 0 ? m.prefix : "";
      for (size_t i = start; i < end; ++i) sub += chars[i];
      auto it = m.vocab.find(sub);
      if (it != m.vocab.end()) {
        found = it->second;
        break;
      }
    }
    if (found < 0) {  // one unmatched piece makes the whole word unknown
      if (m.unk) out.push_back(*m.unk);
      return;
    }
    word.push_back(found);
    start = end;
  }
  out.insert(out.end(), word.begin(), word.end());
}

}  // namespace tern::ai::tok
