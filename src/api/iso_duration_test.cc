#include "src/api/iso_duration.h"

#include <gtest/gtest.h>

namespace civitas::api {
namespace {

constexpr int64_t kS = 1'000'000;

TEST(IsoDurationTest, ParsesEveryUnit) {
  EXPECT_EQ(*ParseIsoDurationUs("PT1M"), 60 * kS);
  EXPECT_EQ(*ParseIsoDurationUs("PT1H"), 3600 * kS);
  EXPECT_EQ(*ParseIsoDurationUs("P1D"), 86400 * kS);
  EXPECT_EQ(*ParseIsoDurationUs("P1W"), 7 * 86400 * kS);
  EXPECT_EQ(*ParseIsoDurationUs("P1M"), 30 * 86400 * kS);
  EXPECT_EQ(*ParseIsoDurationUs("P1Y"), 365 * 86400 * kS);
  EXPECT_EQ(*ParseIsoDurationUs("P1DT2H3M4S"), (86400 + 7200 + 180 + 4) * kS);
  EXPECT_EQ(*ParseIsoDurationUs("PT0.5S"), kS / 2);
  EXPECT_EQ(*ParseIsoDurationUs("PT1.000001S"), kS + 1);
  EXPECT_EQ(*ParseIsoDurationUs("PT90M"), 90 * 60 * kS);
}

TEST(IsoDurationTest, RejectsMalformed) {
  for (const char* text :
       {"", "P", "PT", "1H", "PT1", "P1H", "PT1D", "P1DT", "PT1M1H", "P1D1D", "PT0S", "P0D",
        "P1.5D", "PT1.S", "PT.5S", "PT1.0000001S", "pt1h", "P99999999999999999999D", "P1DT1H "}) {
    auto parsed = ParseIsoDurationUs(text);
    EXPECT_FALSE(parsed.ok()) << text;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), StatusCode::kBadRequestData) << text;
    }
  }
}

}  // namespace
}  // namespace civitas::api
