#include "civitas/demo/city.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cinttypes>
#include <cstdio>
#include <set>
#include <string>

#include "civitas/demo/measures.h"

namespace civitas::demo {
namespace {

// 2026-03-02T00:00:00Z, a Monday.
constexpr int64_t kMonday = 1772409600LL * 1'000'000;
constexpr int64_t kHour = 3'600'000'000LL;

CityOptions Options(uint64_t seed = 42, int districts = 8, int devices = 1500) {
  return {.seed = seed,
          .districts = districts,
          .devices = devices,
          .anomaly_from_us = kMonday,
          .anomaly_to_us = kMonday + 6 * kHour};
}

// FNV-1a over the layout and every reading and report of a 6-hour window.
class Digest {
 public:
  void Add(std::string_view text) {
    for (unsigned char c : text) h_ = (h_ ^ c) * 0x100000001b3ull;
    h_ = (h_ ^ 0xff) * 0x100000001b3ull;
  }
  void Add(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.9g", x);
    Add(buffer);
  }
  std::string Hex() const {
    char buffer[20];
    std::snprintf(buffer, sizeof buffer, "%016" PRIx64, h_);
    return buffer;
  }

 private:
  uint64_t h_ = 0xcbf29ce484222325ull;
};

std::string CityDigest(const CityOptions& options) {
  auto city = BuildCity(options);
  EXPECT_TRUE(city.ok());
  Digest digest;
  digest.Add(CityNetworkGeoJson(*city));
  std::vector<Reading> readings;
  for (const Device& device : city->devices) {
    digest.Add(device.id);
    digest.Add(device.at.lon);
    digest.Add(device.at.lat);
    for (int64_t t = FirstSampleAtOrAfter(device, kMonday); t < kMonday + 6 * kHour;
         t += InfoOf(device.kind).period_s * 1'000'000) {
      SampleDevice(*city, device, t, readings);
      for (const Reading& r : readings) {
        digest.Add(r.spec->name);
        digest.Add(r.number);
        digest.Add(r.text);
      }
    }
  }
  for (const Incident& incident : IncidentsBetween(*city, kMonday, kMonday + 6 * kHour)) {
    digest.Add(incident.id);
    digest.Add(static_cast<double>(incident.t_us));
    digest.Add(incident.sub_category);
  }
  return digest.Hex();
}

TEST(CityTest, SameSeedSameCityAndData) {
  std::string first = CityDigest(Options());
  EXPECT_EQ(first, CityDigest(Options()));
  // Pinned so that an accidental change of any model shows; update it when a model changes on
  // purpose (and say so in the commit).
  EXPECT_EQ(first, "86c12ce7b05be321");
}

TEST(CityTest, OtherSeedOtherData) { EXPECT_NE(CityDigest(Options(42)), CityDigest(Options(43))); }

TEST(CityTest, RejectsOptionsOutOfRange) {
  EXPECT_EQ(BuildCity(Options(1, 0)).status().code(), StatusCode::kInvalidRequest);
  EXPECT_EQ(BuildCity(Options(1, 65)).status().code(), StatusCode::kInvalidRequest);
  EXPECT_EQ(BuildCity(Options(1, 8, 10)).status().code(), StatusCode::kInvalidRequest);
  CityOptions empty_window = Options();
  empty_window.anomaly_to_us = empty_window.anomaly_from_us;
  EXPECT_EQ(BuildCity(empty_window).status().code(), StatusCode::kInvalidRequest);
}

TEST(CityTest, DefaultCityHasEveryKindInEveryDistrictItNeeds) {
  auto city = BuildCity(Options());
  ASSERT_TRUE(city.ok());
  EXPECT_EQ(city->districts.size(), 8u);
  EXPECT_GE(city->devices.size(), 1450u);
  EXPECT_LE(city->devices.size(), 1550u);
  std::set<std::string> ids;
  std::vector<int> per_kind(kDeviceKindCount, 0);
  for (const Device& d : city->devices) {
    EXPECT_TRUE(ids.insert(d.id).second) << d.id;
    ++per_kind[static_cast<int>(d.kind)];
    if (d.segment >= 0) {
      EXPECT_EQ(city->segments[d.segment].district, d.district) << d.id;
    }
    if (d.kind == DeviceKind::kWifi) {
      EXPECT_GE(d.poi, 0);
    }
  }
  for (int k = 0; k < kDeviceKindCount; ++k) EXPECT_GT(per_kind[k], 0) << k;
  EXPECT_EQ(per_kind[static_cast<int>(DeviceKind::kWater)], 8);
  EXPECT_EQ(city->anomalies.size(), 4u);
}

TEST(CityTest, SmallCityStillHasEveryKind) {
  auto city = BuildCity(Options(7, 2, 40));
  ASSERT_TRUE(city.ok());
  std::set<DeviceKind> kinds;
  for (const Device& d : city->devices) kinds.insert(d.kind);
  EXPECT_EQ(kinds.size(), static_cast<size_t>(kDeviceKindCount));
}

TEST(CityTest, NetworkGeoJsonHasEveryLayer) {
  auto city = BuildCity(Options());
  ASSERT_TRUE(city.ok());
  auto geojson = boost::json::parse(CityNetworkGeoJson(*city)).as_object();
  EXPECT_EQ(geojson.at("type"), "FeatureCollection");
  std::map<std::string, size_t> layers;
  for (const auto& f : geojson.at("features").as_array()) {
    ++layers[std::string(f.at("properties").at("layer").as_string())];
  }
  EXPECT_EQ(layers["district"], city->districts.size());
  EXPECT_EQ(layers["node"], city->nodes.size());
  EXPECT_EQ(layers["road"], city->segments.size());
  EXPECT_EQ(layers["poi"], city->pois.size());
  EXPECT_GT(city->segments.size(), 300u);
}

}  // namespace
}  // namespace civitas::demo
