#include "civitas/model/json_text.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace civitas::model {
namespace {

TEST(JsonTextTest, WritesShortestDoubles) {
  EXPECT_EQ(ToJsonText(boost::json::value(41.38)), "41.38");
  EXPECT_EQ(ToJsonText(boost::json::value(-3.712247222222222)), "-3.712247222222222");
  EXPECT_EQ(ToJsonText(boost::json::value(1e-7)), "1e-07");
}

// Their shortest form is an integer beyond 64 bits, which JSON readers such as simdjson refuse.
TEST(JsonTextTest, DoublesBeyondInt64CarryAnExponent) {
  EXPECT_EQ(ToJsonText(boost::json::value(5.554555555555556e19)), "5.554555555555556e+19");
  EXPECT_EQ(ToJsonText(boost::json::value(-0x1p63)), "-9.223372036854776e+18");
  EXPECT_EQ(ToJsonText(boost::json::value(0x1p62)), "4611686018427387904");
}

// "-0" would read back as the integer 0 (entity_record_fuzz finding: a record changed when
// re-encoded).
TEST(JsonTextTest, NegativeZeroStaysADouble) {
  EXPECT_EQ(ToJsonText(boost::json::value(-0.0)), "-0.0");
  const boost::json::value back = boost::json::parse(ToJsonText(boost::json::value(-0.0)));
  ASSERT_TRUE(back.is_double());
  EXPECT_TRUE(std::signbit(back.get_double()));
  EXPECT_EQ(ToJsonText(boost::json::value(0.0)), "0");
}

TEST(JsonTextTest, RoundTripsThroughTheParser) {
  const char* text = R"({"a":[1,-2,3.5,true,null,"x\"y\\z\n\u0001"],"b":{"c":18446744073709551615}})";
  auto parsed = boost::json::parse(text);
  EXPECT_EQ(boost::json::parse(ToJsonText(parsed)), parsed);
}

TEST(JsonTextTest, WritesNonFiniteAsNull) {
  EXPECT_EQ(ToJsonText(boost::json::value(std::nan(""))), "null");
}

// Escapes at random offsets of short and long strings, among the bytes around the escaped
// ranges (0x1f/0x20, 0x21-0x23, 0x5b-0x5d, 0x7f, UTF-8): exactly what needs it, nothing else.
TEST(JsonTextTest, EscapesAtEveryOffsetAndOnlyWhatNeedsIt) {
  std::string expected;
  AppendJsonString(expected, std::string("a\"b\\c\x01\x1f d\n", 9));
  EXPECT_EQ(expected, R"("a\"b\\c\u0001\u001f d")");
  const std::vector<std::string> alphabet = {"\x1f", " ",    "!",  "\"", "#",    "[", "\\",
                                             "]",    "\x7f", "\n", "\t", "\x01", "x", "\xc3\xa9"};
  std::mt19937 random(11);
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    const size_t size = random() % 40;
    for (size_t i = 0; i < size; ++i) s += alphabet[random() % alphabet.size()];
    std::string text;
    AppendJsonString(text, s);
    size_t specials = 0;
    for (char c : s) specials += c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
    ASSERT_EQ(boost::json::parse(text).as_string(), s) << text;
    // Two quotes, one backslash per special (\n, \", \\) or five more for \u00XX.
    const size_t controls = static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t';
    }));
    EXPECT_EQ(text.size(), s.size() + 2 + specials + 4 * controls) << text;
  }
}

// Plain runs are scanned eight bytes at a time: every byte value at every offset of runs longer
// than a word, escaped exactly when it must be.
TEST(JsonTextTest, FindsEachByteThatNeedsEscapingInLongPlainRuns) {
  for (int byte = 0; byte < 256; ++byte) {
    const char c = static_cast<char>(byte);
    const bool special = c == '"' || c == '\\' || byte < 0x20;
    for (size_t offset = 0; offset < 19; ++offset) {
      std::string s(19, 'x');
      s[offset] = c;
      std::string text;
      AppendJsonString(text, s);
      if (!special) {
        EXPECT_EQ(text, '"' + s + '"');
        continue;
      }
      const size_t extra =
          c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f'
              ? 1
              : 5;
      EXPECT_EQ(text.size(), s.size() + 2 + extra) << byte << " at " << offset;
      if (byte < 0x80) {  // a lone byte >= 0x80 is not UTF-8: the parser would refuse it
        EXPECT_EQ(boost::json::parse(text).as_string(), s) << byte << " at " << offset;
      }
    }
  }
}

}  // namespace
}  // namespace civitas::model
