#include "civitas/core/shared_prefix.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace civitas {
namespace {

size_t ByteByByte(std::string_view a, std::string_view b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

TEST(SharedPrefixSizeTest, EdgeCases) {
  EXPECT_EQ(SharedPrefixSize("", ""), 0u);
  EXPECT_EQ(SharedPrefixSize("", "abc"), 0u);
  EXPECT_EQ(SharedPrefixSize("abcdefghij", "abcdefghij"), 10u);
  EXPECT_EQ(SharedPrefixSize("abcdefgh", "abcdefghij"), 8u);
  EXPECT_EQ(SharedPrefixSize("xbcdefghij", "abcdefghij"), 0u);
  EXPECT_EQ(SharedPrefixSize("abcdefgXij", "abcdefghij"), 7u);
  EXPECT_EQ(SharedPrefixSize("abcdefghXj", "abcdefghij"), 8u);
  EXPECT_EQ(SharedPrefixSize("abcdefghiX", "abcdefghij"), 9u);
  EXPECT_EQ(SharedPrefixSize(std::string_view("a\0b", 3), std::string_view("a\0c", 3)), 2u);
}

// Random pairs with a common prefix of every length up to 100, then a random tail each; bytes
// over the whole range (a high bit set where they differ included).
TEST(SharedPrefixSizeTest, AgreesWithByteByByteComparison) {
  std::mt19937 random(42);
  std::uniform_int_distribution<int> byte(0, 255), tail(0, 20), alphabet(0, 2);
  for (int round = 0; round < 20000; ++round) {
    std::string a(static_cast<size_t>(round % 101), '\0');
    for (auto& c : a) c = static_cast<char>(byte(random));
    std::string b = a;
    // A small alphabet for the tails, so they often share more bytes by chance.
    for (int i = tail(random); i > 0; --i) a.push_back(static_cast<char>(0x80 + alphabet(random)));
    for (int i = tail(random); i > 0; --i) b.push_back(static_cast<char>(0x80 + alphabet(random)));
    ASSERT_EQ(SharedPrefixSize(a, b), ByteByByte(a, b)) << "round " << round;
  }
}

}  // namespace
}  // namespace civitas
