#include "civitas/core/time.h"

#include <gtest/gtest.h>

namespace civitas {
namespace {

// The system clock: whole milliseconds, unless the previous reading was in the same
// millisecond, then 1 µs after it; never twice the same, never backwards.
TEST(SystemClockTest, ReadsWholeMillisecondsAndNeverRepeats) {
  const Clock& clock = Clock::System();
  int64_t previous = clock.Now().time_since_epoch().count();
  int crowded = 0;
  for (int i = 0; i < 100'000; ++i) {
    const int64_t now = clock.Now().time_since_epoch().count();
    ASSERT_GT(now, previous);
    if (now % 1000 != 0) {
      ASSERT_EQ(now, previous + 1);
      ++crowded;
    }
    previous = now;
  }
  EXPECT_GT(crowded, 0);  // 100,000 readings take less than 100 s
}

TEST(TimestampTest, RoundTripsUtcWithFraction) {
  auto t = ParseTimestamp("2024-05-01T10:00:00.123Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatTimestamp(*t), "2024-05-01T10:00:00.123Z");
  auto micro = ParseTimestamp("2024-05-01T10:00:00.123456Z");
  ASSERT_TRUE(micro.ok());
  EXPECT_EQ(FormatTimestamp(*micro), "2024-05-01T10:00:00.123456Z");
}

TEST(TimestampTest, FormatsEveryFieldWidthAcrossTheEpochAndBeyondFourDigitYears) {
  auto at = [](int64_t us) { return FormatTimestamp(Timestamp(std::chrono::microseconds(us))); };
  EXPECT_EQ(at(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(at(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(at(-62'135'596'800'000'000 + 1'000), "0001-01-01T00:00:00.001Z");
  EXPECT_EQ(at(253'402'300'800'000'000), "10000-01-01T00:00:00Z");
  for (const char* text :
       {"0999-02-03T04:05:06Z", "2024-11-30T23:09:08.070Z", "1900-03-01T00:00:00.000001Z"}) {
    auto t = ParseTimestamp(text);
    ASSERT_TRUE(t.ok()) << text;
    EXPECT_EQ(FormatTimestamp(*t), text);
  }
}

TEST(TimestampTest, AppliesOffsets) {
  auto t = ParseTimestamp("2024-05-01T12:30:00+02:30");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatTimestamp(*t), "2024-05-01T10:00:00Z");
  auto compact = ParseTimestamp("2024-05-01T08:00:00-0200");
  ASSERT_TRUE(compact.ok());
  EXPECT_EQ(FormatTimestamp(*compact), "2024-05-01T10:00:00Z");
}

// Every accepted text formats back to a text accepted again: an offset may not carry the
// instant out of the four-digit years.
TEST(TimestampTest, RejectsOffsetsThatLeaveTheFourDigitYears) {
  EXPECT_FALSE(ParseTimestamp("9999-12-31T23:59:59-05:00").ok());
  EXPECT_FALSE(ParseTimestamp("0000-01-01T00:30:00+01:00").ok());
  for (const char* edge : {"9999-12-31T18:59:59.999999-05:00", "0000-01-01T01:00:00+01:00"}) {
    auto t = ParseTimestamp(edge);
    ASSERT_TRUE(t.ok()) << edge;
    EXPECT_TRUE(ParseTimestamp(FormatTimestamp(*t)).ok()) << FormatTimestamp(*t);
  }
}

TEST(TimestampTest, OrdersChronologically) {
  EXPECT_LT(*ParseTimestamp("2023-12-31T23:59:59Z"), *ParseTimestamp("2024-01-01T00:00:00Z"));
}

TEST(TimestampTest, RejectsMalformedText) {
  for (const char* bad :
       {"", "2024", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-05-01T25:00:00Z",
        "2024-05-01T10:00:00Zjunk", "yesterday", "2024-05-01T10:00:00."}) {
    auto t = ParseTimestamp(bad);
    EXPECT_FALSE(t.ok()) << bad;
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), StatusCode::kBadRequestData);
    }
  }
}

}  // namespace
}  // namespace civitas
