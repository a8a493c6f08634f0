// Tests of canonical ABI strings: UTF-8, UTF-16 and latin1+utf16 in guest memory, the realloc
// sequences the spec prescribes for each transcoding, and the traps for ill-formed strings.
#include <gtest/gtest.h>

#include "component/canon.h"
#include "component/canon_test_util.h"

namespace tern::component::testing {
namespace {

class CanonStringTest : public CanonTest {
 protected:
  const ValType* str_ = types_.prim(TypeKind::kString);

  // Stores `s` at address 8 and returns (ptr, tagged length) as written there.
  std::pair<uint32_t, uint32_t> lower(const std::string& s) {
    auto c = cx();
    auto r = store(c, *str_, Val::string(s), 8);
    EXPECT_TRUE(r) << r.error().message;
    return {peek<uint32_t>(8), peek<uint32_t>(12)};
  }
  // Lifts the string at (ptr, tagged) through a string slot at address 0.
  Result<Val> lift(uint32_t ptr, uint32_t tagged) {
    poke<uint32_t>(0, ptr);
    poke<uint32_t>(4, tagged);
    auto c = cx();
    return load(c, *str_, 0);
  }
  std::string liftOk(uint32_t ptr, uint32_t tagged) {
    auto r = lift(ptr, tagged);
    EXPECT_TRUE(r) << r.error().message;
    return r ? r->bytes : "";
  }
  void expectTrap(uint32_t ptr, uint32_t tagged, const std::string& text) {
    auto r = lift(ptr, tagged);
    ASSERT_FALSE(r) << "lifted \"" << r->bytes << "\"";
    EXPECT_EQ(r.error().code, ErrorCode::kTrap);
    EXPECT_NE(r.error().message.find(text), std::string::npos) << r.error().message;
  }
  static std::string utf16(std::u16string_view s) {
    return std::string(reinterpret_cast<const char*>(s.data()), s.size() * 2);
  }
};

TEST_F(CanonStringTest, Utf8IsCopiedAsIs) {
  std::string s = "Grüße, 世界! 😀 and a longer ASCII tail";
  auto [ptr, len] = lower(s);
  EXPECT_EQ(len, s.size());
  ASSERT_EQ(reallocs_.size(), 1u);
  EXPECT_EQ(reallocs_[0], (ReallocCall{0, 0, 1, static_cast<uint32_t>(s.size()), ptr}));
  EXPECT_EQ(peekBytes(ptr, len), s);
  EXPECT_EQ(liftOk(ptr, len), s);
  // The empty string still asks realloc for 0 bytes.
  auto [eptr, elen] = lower("");
  EXPECT_EQ(elen, 0u);
  EXPECT_EQ(reallocs_.back(), (ReallocCall{0, 0, 1, 0, eptr}));
  EXPECT_EQ(liftOk(eptr, 0), "");
}

TEST_F(CanonStringTest, IllFormedUtf8FromTheGuestTraps) {
  const char* bad[] = {
      "\xc0\x80",          // overlong NUL
      "\xe0\x80\xaf",      // overlong '/'
      "\xed\xa0\x80",      // UTF-8-encoded surrogate U+D800
      "\xf4\x90\x80\x80",  // U+110000
      "\xf8\x88\x80\x80",  // 5-byte form
      "abc\xe2\x98",       // truncated U+2603
      "\x80",              // stray continuation byte
      "0123456789\xff",    // after an 8-byte ASCII run
  };
  for (const char* s : bad) {
    SCOPED_TRACE(s);
    pokeBytes(1000, s);
    expectTrap(1000, static_cast<uint32_t>(std::strlen(s)), "invalid UTF-8");
  }
  pokeBytes(1000, "\xf4\x8f\xbf\xbf");  // U+10FFFF is fine
  EXPECT_EQ(liftOk(1000, 4), "\xf4\x8f\xbf\xbf");
}

TEST_F(CanonStringTest, Utf16TranscodesWithWorstCaseThenShrink) {
  options_.encoding = StringEncoding::kUtf16;
  std::string s = "aé☃😀";  // 1 + 2 + 3 + 4 UTF-8 bytes; 1 + 1 + 1 + 2 UTF-16 units
  auto [ptr, units] = lower(s);
  EXPECT_EQ(units, 5u);
  ASSERT_EQ(reallocs_.size(), 2u);
  EXPECT_EQ(reallocs_[0], (ReallocCall{0, 0, 2, 20, reallocs_[0].result}));
  EXPECT_EQ(reallocs_[1], (ReallocCall{reallocs_[0].result, 20, 2, 10, ptr}));
  EXPECT_EQ(peekBytes(ptr, 10), utf16(u"aé☃😀"));
  EXPECT_EQ(liftOk(ptr, units), s);
  // ASCII needs exactly the worst case: no shrinking realloc.
  reallocs_.clear();
  auto [aptr, aunits] = lower("ab");
  EXPECT_EQ(aunits, 2u);
  EXPECT_EQ(reallocs_.size(), 1u);
  EXPECT_EQ(peekBytes(aptr, 4), utf16(u"ab"));
}

TEST_F(CanonStringTest, UnpairedSurrogatesAndMisalignedUtf16Trap) {
  options_.encoding = StringEncoding::kUtf16;
  const char16_t* bad[] = {u"a\xD800", u"\xDC00z", u"\xD83D" u"a"};
  for (const char16_t* s : bad) {
    std::u16string_view v(s);
    pokeBytes(1000, utf16(v));
    expectTrap(1000, static_cast<uint32_t>(v.size()), "unpaired surrogate");
  }
  pokeBytes(1000, utf16(u"ok"));
  expectTrap(1001, 1, "not aligned to 2");
  expectTrap(128 * 1024 - 2, 2, "out of bounds");
  EXPECT_EQ(liftOk(1000, 2), "ok");
}

TEST_F(CanonStringTest, Latin1StaysLatin1) {
  options_.encoding = StringEncoding::kLatin1Utf16;
  auto [ptr, len] = lower("café");  // 5 UTF-8 bytes, 4 Latin-1 bytes
  EXPECT_EQ(len, 4u);  // no UTF-16 tag
  ASSERT_EQ(reallocs_.size(), 2u);
  EXPECT_EQ(reallocs_[0], (ReallocCall{0, 0, 2, 5, reallocs_[0].result}));
  EXPECT_EQ(reallocs_[1], (ReallocCall{reallocs_[0].result, 5, 2, 4, ptr}));
  EXPECT_EQ(peekBytes(ptr, 4), "caf\xe9");
  EXPECT_EQ(liftOk(ptr, len), "café");
  // Pure ASCII fits exactly: one realloc.
  reallocs_.clear();
  auto [aptr, alen] = lower("plain");
  EXPECT_EQ(alen, 5u);
  EXPECT_EQ(reallocs_.size(), 1u);
  EXPECT_EQ(peekBytes(aptr, 5), "plain");
}

TEST_F(CanonStringTest, Latin1UpgradesToUtf16InPlace) {
  options_.encoding = StringEncoding::kLatin1Utf16;
  std::string s = "caf☃x";  // 7 UTF-8 bytes: 3 Latin-1 chars, then U+2603 forces UTF-16
  auto [ptr, tagged] = lower(s);
  EXPECT_EQ(tagged, 5u | (1u << 31));
  ASSERT_EQ(reallocs_.size(), 3u);
  uint32_t first = reallocs_[0].result;
  EXPECT_EQ(reallocs_[0], (ReallocCall{0, 0, 2, 7, first}));
  EXPECT_EQ(reallocs_[1], (ReallocCall{first, 7, 2, 14, reallocs_[1].result}));
  EXPECT_EQ(reallocs_[2], (ReallocCall{reallocs_[1].result, 14, 2, 10, ptr}));
  EXPECT_EQ(peekBytes(ptr, 10), utf16(u"caf☃x"));
  EXPECT_EQ(liftOk(ptr, tagged), s);
  // A string that starts outside Latin-1 upgrades before writing any byte.
  auto [p2, t2] = lower("😀é");
  EXPECT_EQ(t2, 3u | (1u << 31));
  EXPECT_EQ(peekBytes(p2, 6), utf16(u"😀é"));
  EXPECT_EQ(liftOk(p2, t2), "😀é");
}

TEST_F(CanonStringTest, Latin1FromTheGuestBecomesUtf8) {
  options_.encoding = StringEncoding::kLatin1Utf16;
  pokeBytes(1000, "\x63\xe9\xff");
  EXPECT_EQ(liftOk(1000, 3), "cé\xc3\xbf");
  expectTrap(1001, 2, "not aligned to 2");  // latin1+utf16 strings are 2-aligned in either form
  pokeBytes(2000, utf16(u"\xDBFF"));
  expectTrap(2000, 1u | (1u << 31), "unpaired surrogate");
}

TEST_F(CanonStringTest, StringsInsideListsUseTheEncodingToo) {
  options_.encoding = StringEncoding::kUtf16;
  auto list = types_.list(str_);
  auto c = cx();
  ASSERT_TRUE(store(c, *list, Val::list({Val::string("x"), Val::string("ÿz")}), 8));
  uint32_t elems = peek<uint32_t>(8);
  EXPECT_EQ(peek<uint32_t>(12), 2u);
  EXPECT_EQ(peek<uint32_t>(elems + 4), 1u);
  EXPECT_EQ(peek<uint32_t>(elems + 12), 2u);
  EXPECT_EQ(peekBytes(peek<uint32_t>(elems + 8), 4), utf16(u"ÿz"));
  auto back = load(c, *list, 8);
  ASSERT_TRUE(back);
  EXPECT_EQ(show(*list, *back), "[\"x\", \"ÿz\"]");
}

}  // namespace
}  // namespace tern::component::testing
