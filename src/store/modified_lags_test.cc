#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include "civitas/store/temporal_store.h"

namespace civitas::store {
namespace {

using Lags = std::optional<std::pair<int64_t, int64_t>>;

// A backfill of three years' observations written in two hours, then live writes: the live
// write hours get a band of their own, so a read of what changed since the backfill looks at
// recent hours only.
TEST(ModifiedLagsTest, WritesAfterABackfillHaveABandOfTheirOwn) {
  ModifiedLags lags;
  for (int64_t lag = 26'000; lag >= 13'000; lag -= 100) lags.Note(500'000, lag);
  for (int64_t lag = 13'000; lag >= 0; lag -= 100) lags.Note(500'001, lag);
  lags.Note(500'003, 0);
  lags.Note(500'004, 1);
  lags.Note(500'010, 0);
  EXPECT_EQ(lags.Between(500'003, 500'020), (Lags{{0, 1}}));
  EXPECT_EQ(lags.Between(500'001, 500'003), (Lags{{0, 13'000}}));
  EXPECT_EQ(lags.Between(500'000, 500'000), (Lags{{13'000, 26'000}}));
  EXPECT_EQ(lags.Between(499'000, 499'999), Lags{}) << "nothing was written then";
  EXPECT_EQ(lags.Between(500'011, 600'000), Lags{}) << "nor after the last write";
  EXPECT_EQ(lags.Between(500'002, 500'002), Lags{}) << "nor between the backfill and live writes";
  EXPECT_EQ(lags.bands().size(), 3u);
  // A late correction within two days widens the live band rather than opening one.
  lags.Note(500'011, 30);
  EXPECT_EQ(lags.Between(500'011, 500'011), (Lags{{0, 30}}));
  EXPECT_EQ(lags.bands().size(), 3u);
}

// A write hour between two bands (an import of writes made then) extends the earlier band up to
// it, and no further: the hours after it stay in no band.
TEST(ModifiedLagsTest, AWriteBetweenBandsExtendsTheEarlierOne) {
  ModifiedLags lags;
  lags.Note(100, 5'000);
  lags.Note(100, 0);
  lags.Note(200, 0);
  ASSERT_EQ(lags.bands().size(), 2u);
  EXPECT_FALSE(lags.Covers(150, 3));
  lags.Note(150, 3);
  EXPECT_EQ(lags.bands(),
            (std::vector<ModifiedLags::Band>{{100, 150, 0, 5'000}, {200, 200, 0, 0}}));
  EXPECT_EQ(lags.Between(150, 150), (Lags{{0, 5'000}}));
  EXPECT_EQ(lags.Between(151, 199), Lags{});
}

// Every sample noted stays covered whatever comes after (old write hours from imports, huge
// lags, more bands than are kept), and Covers is exactly "Note changes nothing".
TEST(ModifiedLagsTest, EveryNotedLagStaysCovered) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 40; ++round) {
    SCOPED_TRACE(round);
    ModifiedLags lags;
    std::vector<std::pair<int64_t, int64_t>> noted;
    int64_t hour = 400'000;
    for (int i = 0; i < 300; ++i) {
      hour += static_cast<int64_t>(rng() % 3);
      const int64_t write_hour =
          rng() % 10 == 0 ? hour - static_cast<int64_t>(rng() % 5'000) : hour;   // an import
      const int64_t lag = rng() % 7 == 0 ? static_cast<int64_t>(rng() % 30'000)  // a backfill
                                         : static_cast<int64_t>(rng() % 3) - 1;
      ModifiedLags before = lags;
      const bool covered = lags.Covers(write_hour, lag);
      lags.Note(write_hour, lag);
      EXPECT_EQ(covered, lags == before) << write_hour << " " << lag;
      noted.emplace_back(write_hour, lag);
      ASSERT_LE(lags.bands().size(), ModifiedLags::kMaxBands);
    }
    for (const auto& [write_hour, lag] : noted) {
      EXPECT_TRUE(lags.Covers(write_hour, lag)) << write_hour << " " << lag;
      const int64_t from = write_hour - static_cast<int64_t>(rng() % 50);
      const auto between = lags.Between(from, from + static_cast<int64_t>(rng() % 100) + 50);
      ASSERT_TRUE(between.has_value());
      EXPECT_LE(between->first, lag);
      EXPECT_GE(between->second, lag);
    }
    // The hours no sample was written in are in no band.
    const auto& bands = lags.bands();
    for (size_t i = 0; i < bands.size(); ++i) {
      EXPECT_TRUE(std::any_of(noted.begin(), noted.end(),
                              [&](const auto& n) { return n.first == bands[i].to_hour; }))
          << "band " << i << " ends at a write hour";
      if (i + 1 < bands.size() && bands[i].to_hour + 1 < bands[i + 1].from_hour) {
        EXPECT_EQ(lags.Between(bands[i].to_hour + 1, bands[i + 1].from_hour - 1), Lags{});
      }
    }
  }
}

TEST(ModifiedLagsTest, AssignRefusesBandsThatCannotBe) {
  using Band = ModifiedLags::Band;
  ModifiedLags lags;
  EXPECT_TRUE(lags.Assign({{10, 12, -1, 2}, {20, 25, 0, 0}}));
  EXPECT_EQ(lags.Between(21, 21), (Lags{{0, 0}}));
  EXPECT_EQ(lags.Between(13, 19), Lags{});
  EXPECT_EQ(lags.last_write_hour(), 25);
  EXPECT_FALSE(lags.Assign({{10, 10, 3, 2}})) << "least above greatest";
  EXPECT_TRUE(lags.empty()) << "a refused assignment leaves nothing";
  EXPECT_FALSE(lags.Assign({{20, 20, 0, 0}, {10, 10, 0, 0}})) << "out of order";
  EXPECT_FALSE(lags.Assign({{10, 15, 0, 0}, {15, 16, 0, 0}})) << "bands sharing an hour";
  EXPECT_FALSE(lags.Assign({{10, 9, 0, 0}})) << "last write before the first";
  std::vector<Band> many;
  for (int64_t i = 0; i <= static_cast<int64_t>(ModifiedLags::kMaxBands); ++i) {
    many.push_back({i, i, 0, 0});
  }
  EXPECT_FALSE(lags.Assign(many)) << "more bands than are kept";
}

}  // namespace
}  // namespace civitas::store
