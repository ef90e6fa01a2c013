#include "civitas/store/retention.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>

#include "civitas/store/store.h"
#include "src/store/retention.h"
#include "src/store/test_dir.h"

namespace civitas::store {
namespace {

using std::chrono::hours;

constexpr int64_t kHour = 3'600'000'000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kT0 = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z
constexpr const char* kSensor = "https://example.org/Sensor";
constexpr const char* kRoom = "https://example.org/Room";
constexpr const char* kStation = "https://example.org/Station";
constexpr const char* kLevel = "https://example.org/level";

class SettableClock final : public Clock {
 public:
  Timestamp Now() const override {
    return Timestamp(std::chrono::microseconds(now_us.load(std::memory_order_relaxed)));
  }
  std::atomic<int64_t> now_us{kT0};
};

TemporalSeries Level() {
  TemporalSeries series;
  series.attr = kLevel;
  return series;
}

// Each test writes a month of hourly-and-finer history, moves the clock, compacts, and compares
// what is left with what the rules say should be, computed here from the samples written.
class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir("civitas-retention-test");
    // Sensors: raw 2 days, hourly rollups 10 days. Stations: raw 20 days. Everything else
    // (rooms): 20 days, no rollup.
    rules_ = {{.type = kSensor, .raw = hours(48), .hourly = hours(240)},
              {.type = kStation, .raw = hours(480)},
              {.type = "", .raw = hours(480)}};
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    auto opened = Store::Open({.data_dir = dir_.string(),
                               .block_cache_bytes = 8u << 20,
                               .retention = rules_,
                               .clock = &clock_});
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(*opened);
  }
  // One sample every 10 minutes over [from, to), value 10 * hour index + sample index.
  std::map<int64_t, double> Write(const std::string& id, const std::string& type, int64_t from,
                                  int64_t to) {
    std::map<int64_t, double> written;
    std::vector<TemporalInstance> instances;
    for (int64_t t = from; t < to; t += kHour / 6) {
      TemporalInstance i;
      i.attr = kLevel;
      i.timestamp_us = t;
      i.number = static_cast<double>((t - kT0) / kHour * 10 + (t % kHour) / (kHour / 6));
      written[t] = i.number;
      instances.push_back(std::move(i));
    }
    // In daily requests, as a sensor's backlog would arrive, so pending hours get folded.
    for (size_t begin = 0; begin < instances.size(); begin += 144) {
      std::vector<TemporalInstance> day(
          instances.begin() + static_cast<long>(begin),
          instances.begin() + static_cast<long>(std::min(begin + 144, instances.size())));
      EXPECT_TRUE(store_
                      ->Mutate("", {&id, 1},
                               [&](Mutation& m) {
                                 m.AddHistory(id, {type}, std::move(day));
                                 return Status::Ok();
                               })
                      .ok());
    }
    return written;
  }
  std::map<int64_t, double> Raw(const std::string& id) {
    std::map<int64_t, double> out;
    auto s = store_->ReadTemporal("")->Samples(id, Level(), INT64_MIN, INT64_MAX,
                                               [&](const Sample& sample) {
                                                 out[sample.timestamp_us] = sample.number;
                                                 return true;
                                               });
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }
  // Hourly count and sum over all time, by hour start.
  std::map<int64_t, std::pair<uint64_t, double>> Hourly(const std::string& id) {
    AggregateBuckets buckets;
    auto s = store_->ReadTemporal("")->Aggregate(id, Level(), 0, kHour, 0, INT64_MAX, buckets);
    EXPECT_TRUE(s.ok()) << s.message();
    std::map<int64_t, std::pair<uint64_t, double>> out;
    for (const auto& [start, b] : buckets.buckets()) out[start] = {b.count, b.sum};
    return out;
  }
  static std::map<int64_t, std::pair<uint64_t, double>> HourlyOf(
      const std::map<int64_t, double>& samples) {
    std::map<int64_t, std::pair<uint64_t, double>> out;
    for (auto [t, v] : samples) {
      auto& bucket = out[t - t % kHour];
      bucket.first += 1;
      bucket.second += v;
    }
    return out;
  }
  template <typename Map, typename Keep>
  static Map Filter(const Map& m, Keep keep) {
    Map out;
    for (const auto& [k, v] : m) {
      if (keep(k)) out.emplace(k, v);
    }
    return out;
  }

  std::filesystem::path dir_;
  std::vector<RetentionRule> rules_;
  SettableClock clock_;
  std::unique_ptr<Store> store_;
};

TEST_F(RetentionTest, ExpiredHoursRollUpThenGo) {
  const auto written = Write("urn:s1", kSensor, kT0, kT0 + 30 * kDay);
  clock_.now_us = kT0 + 30 * kDay;  // the last hour ended just now
  ASSERT_TRUE(store_->Compact().ok());

  const int64_t raw_from = kT0 + 28 * kDay;     // hours that ended less than 2 days ago
  const int64_t hourly_from = kT0 + 20 * kDay;  // hours that ended less than 10 days ago
  EXPECT_EQ(Raw("urn:s1"), Filter(written, [&](int64_t t) { return t >= raw_from; }));
  EXPECT_EQ(Hourly("urn:s1"),
            Filter(HourlyOf(written), [&](int64_t h) { return h >= hourly_from; }));
}

TEST_F(RetentionTest, TypesWithoutARuleTakeTheDefault) {
  const auto room = Write("urn:r1", kRoom, kT0, kT0 + 30 * kDay);
  clock_.now_us = kT0 + 30 * kDay;
  ASSERT_TRUE(store_->Compact().ok());
  const int64_t from = kT0 + 10 * kDay;
  EXPECT_EQ(Raw("urn:r1"), Filter(room, [&](int64_t t) { return t >= from; }));
  EXPECT_EQ(Hourly("urn:r1"), Filter(HourlyOf(room), [&](int64_t h) { return h >= from; }));
}

TEST_F(RetentionTest, TheLongestKeepingTypeWins) {
  const auto both = Write("urn:x", std::string(kSensor), kT0, kT0 + 30 * kDay);
  ASSERT_TRUE(store_
                  ->Mutate("", std::vector<std::string>{"urn:x"},
                           [&](Mutation& m) {
                             TemporalInstance last;
                             last.attr = kLevel;
                             last.timestamp_us = kT0 + 30 * kDay - 1;
                             last.number = -1;
                             m.AddHistory("urn:x", {kSensor, kStation}, {last});
                             return Status::Ok();
                           })
                  .ok());
  clock_.now_us = kT0 + 30 * kDay;
  ASSERT_TRUE(store_->Compact().ok());
  // Sensor keeps raw 2 days (summaries 10), Station 20: the entity is both, so 20 days raw.
  auto expected = Filter(both, [&](int64_t t) { return t >= kT0 + 10 * kDay; });
  expected[kT0 + 30 * kDay - 1] = -1;
  EXPECT_EQ(Raw("urn:x"), expected);
}

TEST_F(RetentionTest, RulesSurviveReopenAndLateSamplesDoNotReplaceRollups) {
  const auto written = Write("urn:s1", kSensor, kT0, kT0 + 30 * kDay);
  Reopen();  // the index of entity types is rebuilt from the history at open
  clock_.now_us = kT0 + 30 * kDay;
  ASSERT_TRUE(store_->Compact().ok());
  const auto rolled = Hourly("urn:s1");
  ASSERT_EQ(rolled, Filter(HourlyOf(written), [&](int64_t h) { return h >= kT0 + 20 * kDay; }));

  // A late sample into a rolled-up hour (day 25) is older than the raw retention: dropped.
  const std::string id = "urn:s1";
  ASSERT_TRUE(store_
                  ->Mutate("", {&id, 1},
                           [&](Mutation& m) {
                             TemporalInstance late;
                             late.attr = kLevel;
                             late.timestamp_us = kT0 + 25 * kDay + 1;
                             late.number = 1e6;
                             m.AddHistory(id, {kSensor}, {late});
                             return Status::Ok();
                           })
                  .ok());
  EXPECT_EQ(Hourly("urn:s1"), rolled);
}

TEST_F(RetentionTest, NothingExpiresBeforeItsTime) {
  const auto written = Write("urn:s1", kSensor, kT0, kT0 + 2 * kDay);
  clock_.now_us = kT0 + 2 * kDay;
  ASSERT_TRUE(store_->Compact().ok());
  EXPECT_EQ(Raw("urn:s1"), written);
}

TEST(RetentionRulesTest, RejectsInvalidRules) {
  using R = RetentionRule;
  EXPECT_TRUE(ValidateRetentionRules({}).ok());
  EXPECT_TRUE(ValidateRetentionRules(std::vector<R>{{.type = "t", .raw = hours(1)}}).ok());
  EXPECT_FALSE(ValidateRetentionRules(std::vector<R>{{.type = "t", .raw = hours(0)}}).ok());
  EXPECT_FALSE(
      ValidateRetentionRules(std::vector<R>{{.type = "t", .raw = hours(5), .hourly = hours(5)}})
          .ok());
  EXPECT_FALSE(ValidateRetentionRules(
                   std::vector<R>{{.type = "t", .raw = hours(1)}, {.type = "t", .raw = hours(2)}})
                   .ok());
  EXPECT_FALSE(Store::Open({.data_dir = "/nonexistent-civitas",
                            .retention = {{.type = "", .raw = hours(-1)}}})
                   .ok());
}

TEST(RetentionIndexTest, LongestRuleOfTheEntityTypes) {
  RetentionIndex index({{.type = "a", .raw = hours(1)},
                        {.type = "b", .raw = hours(2), .hourly = hours(100)},
                        {.type = "", .raw = hours(50)}});
  const std::vector<std::string> ab = {"a", "b"};
  const std::vector<std::string> a = {"a"};
  const std::vector<std::string> c = {"c"};
  index.SetTypes(std::string("\0e1\0", 4), ab);
  index.SetTypes(std::string("\0e2\0", 4), a);
  index.SetTypes(std::string("\0e3\0", 4), c);
  EXPECT_EQ(index.RuleFor(std::string("\0e1\0", 4))->type, "b");
  EXPECT_EQ(index.RuleFor(std::string("\0e2\0", 4))->type, "a");
  EXPECT_EQ(index.RuleFor(std::string("\0e3\0", 4))->type, "");
  index.SetTypes(std::string("\0e2\0", 4), c);  // types change
  EXPECT_EQ(index.RuleFor(std::string("\0e2\0", 4))->type, "");
}

TEST(RetentionIndexTest, ModifiedAtTimelineUnlessEveryApplyingRuleTurnsItOff) {
  const std::vector<std::string> a = {"a"}, ab = {"a", "b"}, c = {"c"}, none;
  RetentionIndex with_default({{.type = "a", .raw = hours(1), .keep_modified_at = false},
                               {.type = "b", .raw = hours(1)},
                               {.type = "", .raw = hours(1), .keep_modified_at = false}});
  EXPECT_FALSE(with_default.KeepsModifiedAt(a));
  EXPECT_TRUE(with_default.KeepsModifiedAt(ab));  // b keeps it
  EXPECT_FALSE(with_default.KeepsModifiedAt(c));  // the default rule applies
  EXPECT_FALSE(with_default.KeepsModifiedAt(none));
  RetentionIndex without_default({{.type = "a", .raw = hours(1), .keep_modified_at = false}});
  EXPECT_FALSE(without_default.KeepsModifiedAt(a));
  EXPECT_TRUE(without_default.KeepsModifiedAt(c));
  EXPECT_TRUE(RetentionIndex({}).KeepsModifiedAt(a));
}

}  // namespace
}  // namespace civitas::store
