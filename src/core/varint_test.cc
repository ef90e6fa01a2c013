#include "civitas/core/varint.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace civitas {
namespace {

TEST(VarintTest, RoundTripsAcrossEveryLength) {
  std::vector<uint64_t> values = {
      0, 1, 0x7f, 0x80, 0x3fff, 0x4000, std::numeric_limits<uint64_t>::max()};
  for (int bits = 1; bits < 64; ++bits) {
    values.push_back((uint64_t{1} << bits) - 1);
    values.push_back(uint64_t{1} << bits);
  }
  std::string encoded;
  for (uint64_t v : values) PutVarint64(encoded, v);
  std::string_view in = encoded;
  for (uint64_t v : values) {
    uint64_t got = 0;
    ASSERT_TRUE(GetVarint64(in, got)) << v;
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(VarintTest, RefusesTruncatedAndOverlongInput) {
  uint64_t v = 0;
  std::string_view empty;
  EXPECT_FALSE(GetVarint64(empty, v));
  std::string_view truncated("\x80\x80", 2);
  EXPECT_FALSE(GetVarint64(truncated, v));
  std::string_view eleven("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
  EXPECT_FALSE(GetVarint64(eleven, v));
  std::string_view beyond_64_bits("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10);
  EXPECT_FALSE(GetVarint64(beyond_64_bits, v));
  std::string_view one_byte_then_more("\x05\x06", 2);
  ASSERT_TRUE(GetVarint64(one_byte_then_more, v));
  EXPECT_EQ(v, 5u);
  EXPECT_EQ(one_byte_then_more, std::string_view("\x06", 1));
}

}  // namespace
}  // namespace civitas
