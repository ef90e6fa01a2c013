#include "civitas/model/json_text.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace civitas::model {
namespace {

TEST(JsonTextTest, WritesShortestDoubles) {
  EXPECT_EQ(ToJsonText(boost::json::value(41.38)), "41.38");
  EXPECT_EQ(ToJsonText(boost::json::value(-3.712247222222222)), "-3.712247222222222");
  EXPECT_EQ(ToJsonText(boost::json::value(1e-7)), "1e-07");
}

TEST(JsonTextTest, RoundTripsThroughTheParser) {
  const char* text = R"({"a":[1,-2,3.5,true,null,"x\"y\\z\n\u0001"],"b":{"c":18446744073709551615}})";
  auto parsed = boost::json::parse(text);
  EXPECT_EQ(boost::json::parse(ToJsonText(parsed)), parsed);
}

TEST(JsonTextTest, WritesNonFiniteAsNull) {
  EXPECT_EQ(ToJsonText(boost::json::value(std::nan(""))), "null");
}

}  // namespace
}  // namespace civitas::model
