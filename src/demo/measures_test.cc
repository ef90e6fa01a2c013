// Physics sanity of the demo city's models (src/demo/README.md): patterns a person expects to
// see on a chart, and the planted anomalies standing out from normal data.

#include "civitas/demo/measures.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace civitas::demo {
namespace {

constexpr int64_t kMonday = 1772409600LL * 1'000'000;  // 2026-03-02T00:00:00Z
constexpr int64_t kHour = 3'600'000'000LL;
constexpr int64_t kDay = 24 * kHour;

class MeasuresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Anomalies in the second week, so the first week shows the normal city.
    auto city = BuildCity({.seed = 42,
                           .districts = 8,
                           .devices = 1500,
                           .anomaly_from_us = kMonday + 7 * kDay,
                           .anomaly_to_us = kMonday + 8 * kDay});
    ASSERT_TRUE(city.ok());
    city_ = std::move(*city);
  }
  // The named reading of `d` at the first sample at or after `t`.
  double Number(const Device& d, int64_t t, std::string_view name) {
    SampleDevice(city_, d, FirstSampleAtOrAfter(d, t), readings_);
    for (const Reading& r : readings_) {
      if (r.spec->name == name) return r.number;
    }
    ADD_FAILURE() << "no " << name;
    return 0;
  }
  std::string_view Text(const Device& d, int64_t t, std::string_view name) {
    SampleDevice(city_, d, FirstSampleAtOrAfter(d, t), readings_);
    for (const Reading& r : readings_) {
      if (r.spec->name == name) return r.text;
    }
    ADD_FAILURE() << "no " << name;
    return {};
  }
  std::vector<const Device*> OfKind(DeviceKind kind) {
    std::vector<const Device*> out;
    for (const Device& d : city_.devices) {
      if (d.kind == kind) out.push_back(&d);
    }
    return out;
  }
  const PlantedAnomaly& Anomaly(AnomalyKind kind) {
    for (const auto& a : city_.anomalies) {
      if (a.kind == kind) return a;
    }
    ADD_FAILURE() << "no anomaly";
    return city_.anomalies[0];
  }

  City city_;
  std::vector<Reading> readings_;
};

TEST_F(MeasuresTest, EveryKindReadsEverySpecInOrder) {
  for (const Device& d : city_.devices) {
    SampleDevice(city_, d, kMonday + 10 * kHour, readings_);
    const auto& specs = InfoOf(d.kind).measurements;
    ASSERT_EQ(readings_.size(), specs.size()) << d.id;
    for (size_t i = 0; i < specs.size(); ++i) {
      EXPECT_EQ(readings_[i].spec, &specs[i]);
      EXPECT_TRUE(std::isfinite(readings_[i].number));
      if (specs[i].type == ValueType::kText) {
        EXPECT_FALSE(readings_[i].text.empty());
      }
    }
  }
}

TEST_F(MeasuresTest, SampleInstantsFollowThePeriodAndPhase) {
  for (const Device& d : city_.devices) {
    int64_t t = FirstSampleAtOrAfter(d, kMonday + 123);
    int64_t period = InfoOf(d.kind).period_s * 1'000'000;
    EXPECT_GE(t, kMonday + 123);
    EXPECT_LT(t, kMonday + 123 + period);
    EXPECT_EQ(FirstSampleAtOrAfter(d, t), t);
    EXPECT_EQ(FirstSampleAtOrAfter(d, t + 1), t + period);
  }
}

TEST_F(MeasuresTest, RushHourTrafficExceedsNightTraffic) {
  for (const Device* d : OfKind(DeviceKind::kTraffic)) {
    double rush = Number(*d, kMonday + 8 * kHour, "intensity");
    double night = Number(*d, kMonday + 3 * kHour, "intensity");
    EXPECT_GT(rush, 3 * night) << d->id;
    EXPECT_LT(Number(*d, kMonday + 8 * kHour, "averageVehicleSpeed"),
              Number(*d, kMonday + 3 * kHour, "averageVehicleSpeed"));
  }
}

TEST_F(MeasuresTest, WeekdayMorningBusierThanSundayMorning) {
  double weekday = 0, sunday = 0;
  for (const Device* d : OfKind(DeviceKind::kTraffic)) {
    weekday += Number(*d, kMonday + 8 * kHour, "intensity");
    sunday += Number(*d, kMonday + 6 * kDay + 8 * kHour, "intensity");
  }
  EXPECT_GT(weekday, 2 * sunday);
}

TEST_F(MeasuresTest, StreetlightsOnAtNightOffAtNoon) {
  for (const Device* d : OfKind(DeviceKind::kStreetlight)) {
    EXPECT_EQ(Text(*d, kMonday + 22 * kHour, "powerState"), "on") << d->id;
    EXPECT_EQ(Text(*d, kMonday + 12 * kHour, "powerState"), "off") << d->id;
    EXPECT_GT(Number(*d, kMonday + 22 * kHour, "powerConsumption"),
              10 * Number(*d, kMonday + 12 * kHour, "powerConsumption"));
  }
}

TEST_F(MeasuresTest, BinsFillUntilCollectedAfterSixInTheMorning) {
  for (const Device* d : OfKind(DeviceKind::kWaste)) {
    double previous = -1;
    int collections = 0;
    for (int64_t t = FirstSampleAtOrAfter(*d, kMonday); t < kMonday + 7 * kDay; t += kHour) {
      double level = Number(*d, t, "fillingLevel");
      EXPECT_GE(level, 0);
      EXPECT_LE(level, 1);
      if (level < previous) {
        ++collections;
        double hour = static_cast<double>((t - kMonday) % kDay) / static_cast<double>(kHour);
        EXPECT_GE(hour, 6) << d->id;
        EXPECT_LT(hour, 7) << d->id;
        EXPECT_LE(level, 0.05) << d->id;
      }
      previous = level;
    }
    EXPECT_GE(collections, 1) << d->id;  // every 2 to 4 days
  }
}

TEST_F(MeasuresTest, LeakDistrictKeepsFlowingAtNight) {
  std::map<int, double> night_per_person;
  for (const Device* d : OfKind(DeviceKind::kWater)) {
    double sum = 0;
    for (int day = 0; day < 7; ++day) sum += Number(*d, kMonday + day * kDay + 3 * kHour, "flow");
    night_per_person[d->district] =
        sum / static_cast<double>(city_.districts[d->district].population);
  }
  for (const auto& [district, flow] : night_per_person) {
    if (district != city_.leak_district) {
      EXPECT_GT(night_per_person[city_.leak_district], 1.5 * flow) << district;
    }
  }
}

TEST_F(MeasuresTest, PlantedAnomaliesStandOut) {
  const auto& spike = Anomaly(AnomalyKind::kPollutionSpike);
  const Device& station = city_.devices[spike.device];
  EXPECT_GT(Number(station, spike.from_us, "pm25"),
            3 * Number(station, spike.from_us - kDay, "pm25"));
  EXPECT_LT(Number(station, spike.to_us + kHour, "pm25"),
            Number(station, spike.from_us, "pm25") / 2);

  const auto& burst = Anomaly(AnomalyKind::kBurstPipe);
  const Device& meter = city_.devices[burst.device];
  EXPECT_GT(Number(meter, burst.from_us, "flow"),
            1.5 * Number(meter, burst.from_us - kDay, "flow"));

  const auto& stuck = Anomaly(AnomalyKind::kStuckSensor);
  const Device& sensor = city_.devices[stuck.device];
  double frozen = Number(sensor, stuck.from_us, "LAeq");
  std::set<double> before;
  for (int i = 0; i < 24; ++i) {
    EXPECT_EQ(Number(sensor, stuck.from_us + i * kHour, "LAeq"), frozen);
    before.insert(Number(sensor, stuck.from_us - (i + 1) * kHour, "LAeq"));
  }
  EXPECT_GT(before.size(), 10u);  // it did vary before
}

TEST_F(MeasuresTest, ParkingFullerAtMiddayThanAtNight) {
  int midday = 0, night = 0;
  for (const Device* d : OfKind(DeviceKind::kParking)) {
    midday += Text(*d, kMonday + 12 * kHour, "status") == "occupied";
    night += Text(*d, kMonday + 3 * kHour, "status") == "occupied";
  }
  EXPECT_GT(midday, night + static_cast<int>(OfKind(DeviceKind::kParking).size()) / 5);
}

TEST_F(MeasuresTest, WifiCountsFollowFootfallAndSessionsAreKeyedHashes) {
  double noon = 0, night = 0;
  for (const Device* ap : OfKind(DeviceKind::kWifi)) {
    noon += Number(*ap, kMonday + 12 * kHour, "clientsConnected");
    night += Number(*ap, kMonday + 4 * kHour, "clientsConnected");
  }
  EXPECT_GT(noon, 3 * night);

  const Device& ap = *OfKind(DeviceKind::kWifi)[0];
  SessionKey key_a{}, key_b{};
  key_b[0] = 1;
  auto a = WifiSessionsStarting(city_, ap, kMonday + 10 * kHour, kMonday + 14 * kHour, key_a);
  auto again = WifiSessionsStarting(city_, ap, kMonday + 10 * kHour, kMonday + 14 * kHour, key_a);
  auto b = WifiSessionsStarting(city_, ap, kMonday + 10 * kHour, kMonday + 14 * kHour, key_b);
  ASSERT_GT(a.size(), 10u);
  ASSERT_EQ(a.size(), b.size());
  std::set<std::string> hashes_a, hashes_b;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].device_hash, again[i].device_hash);
    EXPECT_EQ(a[i].device_hash.size(), 32u);
    EXPECT_LT(a[i].start_us, a[i].end_us);
    hashes_a.insert(a[i].device_hash);
    hashes_b.insert(b[i].device_hash);
  }
  for (const auto& h : hashes_a) EXPECT_EQ(hashes_b.count(h), 0u) << "the key must matter";
  EXPECT_LT(hashes_a.size(), a.size()) << "regulars come back";
  EXPECT_NE(RandomSessionKey(), RandomSessionKey());
}

TEST_F(MeasuresTest, IncidentsHaveStableIdsAndIncludeTheBurstReport) {
  auto day = IncidentsBetween(city_, kMonday, kMonday + kDay);
  EXPECT_GT(day.size(), 20u);
  std::set<std::string> ids;
  for (const auto& i : day) {
    EXPECT_TRUE(ids.insert(i.id).second) << i.id;
    EXPECT_GE(i.t_us, kMonday);
    EXPECT_LT(i.t_us, kMonday + kDay);
  }
  // A sub-range gives the same reports as the whole range restricted to it.
  auto morning = IncidentsBetween(city_, kMonday + 6 * kHour, kMonday + 12 * kHour);
  size_t in_morning = std::count_if(day.begin(), day.end(), [](const Incident& i) {
    return i.t_us >= kMonday + 6 * kHour && i.t_us < kMonday + 12 * kHour;
  });
  EXPECT_EQ(morning.size(), in_morning);
  const auto& burst = Anomaly(AnomalyKind::kBurstPipe);
  auto around = IncidentsBetween(city_, burst.from_us, burst.from_us + kHour);
  EXPECT_TRUE(std::any_of(around.begin(), around.end(),
                          [](const Incident& i) { return i.sub_category == "waterLeak"; }));
}

}  // namespace
}  // namespace civitas::demo
