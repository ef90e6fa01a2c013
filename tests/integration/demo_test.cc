// `civitas demo` end to end: the real binary with its own mosquitto, a short backfill and an
// accelerated live period; every entity type must show up with history, live measures must
// arrive over MQTT, and the planted anomalies must be in the data. Then a second run over the
// same data dir resumes the same city, and a different city over it is refused.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "harness.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;
using std::chrono::steady_clock;

const std::vector<std::string> kCity = {"--seed",     "7",  "--districts", "2",  "--sensors", "60",
                                        "--backfill", "2h", "--speed",     "600"};

const std::vector<std::string> kTypes = {"AirQualityObserved",
                                         "NoiseLevelObserved",
                                         "TrafficFlowObserved",
                                         "ParkingSpot",
                                         "Streetlight",
                                         "WasteContainer",
                                         "WaterConsumptionObserved",
                                         "ACMeasurement",
                                         "WeatherObserved",
                                         "AccessPoint",
                                         "Alert",
                                         "District",
                                         "RoadSegment",
                                         "PointOfInterest"};

// Polls `ready` every 50 ms until it holds or `seconds` pass.
template <typename F>
bool WaitFor(F ready, int seconds = 60) {
  auto deadline = steady_clock::now() + std::chrono::seconds(seconds);
  while (steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return ready();
}

// attribute → entity id → values in time order, from GET /temporal/entities.
using History = std::map<std::string, std::map<std::string, std::vector<double>>>;

History NumericHistory(HttpClient& client, const std::string& type, const std::string& attrs) {
  auto result =
      client.Get("/ngsi-ld/v1/temporal/entities?type=" + type + "&attrs=" + attrs + "&limit=100");
  EXPECT_EQ(result.status, 200) << result.body;
  History out;
  json::value body = result.Json();
  for (const auto& entity : body.as_array()) {
    std::string id(entity.at("id").as_string());
    for (const auto& [name, instances] : entity.as_object()) {
      if (!instances.is_array()) continue;
      for (const auto& instance : instances.as_array()) {
        const json::value* value = instance.as_object().if_contains("value");
        if (value != nullptr && value->is_number()) {
          out[name][id].push_back(value->to_number<double>());
        }
      }
    }
  }
  return out;
}

int64_t LatestObservedAtSeconds(HttpClient& client, const std::string& type) {
  auto result = client.Get("/ngsi-ld/v1/entities?type=" + type + "&limit=100");
  int64_t latest = 0;
  if (result.status != 200) return latest;
  json::value body = result.Json();
  for (const auto& entity : body.as_array()) {
    for (const auto& [name, attr] : entity.as_object()) {
      const json::value* at =
          attr.is_object() ? attr.as_object().if_contains("observedAt") : nullptr;
      if (at == nullptr || !at->is_string()) continue;
      // "2026-12-02T10:00:00Z": seconds of the day are enough to order within the test.
      std::tm tm{};
      strptime(std::string(at->as_string()).c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
      latest = std::max<int64_t>(latest, timegm(&tm));
    }
  }
  return latest;
}

bool AllTypesHaveHistory(HttpClient& client, std::string& missing) {
  for (const auto& type : kTypes) {
    auto result = client.Get("/ngsi-ld/v1/temporal/entities?type=" + type + "&limit=1&lastN=1");
    if (result.status != 200 || result.Json().as_array().empty()) {
      missing = type;
      return false;
    }
  }
  return true;
}

TEST(DemoTest, CityComesAliveWithHistoryLiveMeasuresAndAnomalies) {
  TempDir dir;
  const int64_t started = static_cast<int64_t>(std::time(nullptr));
  auto demo = std::make_unique<ServerProcess>(dir.path() / "data", kCity, "demo");
  ASSERT_GT(demo->port(), 0);
  HttpClient client(demo->port());

  std::string missing;
  ASSERT_TRUE(WaitFor([&] { return AllTypesHaveHistory(client, missing); })) << missing;

  // Live measures over MQTT: observations later than the end of the backfill (the start) by
  // more than a simulated sampling period can only come from the live publisher.
  ASSERT_TRUE(
      WaitFor([&] { return LatestObservedAtSeconds(client, "ParkingSpot") > started + 600; }));

  // Backfilled and live measures land in the same series: one ParkingSpot's `status` history
  // holds instances from before the start and from the live period.
  auto spot = client.Get(
      "/ngsi-ld/v1/temporal/entities/urn:ngsi-ld:ParkingSpot:demo-d1-parking-001"
      "?attrs=status");
  ASSERT_EQ(spot.status, 200) << spot.body;
  json::value spot_history = spot.Json();
  int before = 0, live = 0;
  for (const auto& instance : spot_history.at("status").as_array()) {
    std::tm tm{};
    strptime(std::string(instance.at("observedAt").as_string()).c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    int64_t at = timegm(&tm);
    before += at < started ? 1 : 0;
    live += at > started + 300 ? 1 : 0;
  }
  EXPECT_GE(before, 20) << spot.body;
  EXPECT_GE(live, 1) << spot.body;

  // Backfill: two hours of 5-minute noise samples per sensor.
  History noise = NumericHistory(client, "NoiseLevelObserved", "LAeq");
  ASSERT_FALSE(noise["LAeq"].empty());
  for (const auto& [id, values] : noise["LAeq"]) EXPECT_GE(values.size(), 20u) << id;

  // A stuck sensor: ten or more identical readings in a row.
  bool stuck = false;
  for (const auto& [id, values] : noise["LAeq"]) {
    int run = 1;
    for (size_t i = 1; i < values.size(); ++i) {
      run = values[i] == values[i - 1] ? run + 1 : 1;
      stuck = stuck || run >= 10;
    }
  }
  EXPECT_TRUE(stuck) << "no stuck noise sensor";

  // A pollution spike: PM2.5 at least triples from one 10-minute sample to the next.
  bool spike = false;
  History air = NumericHistory(client, "AirQualityObserved", "pm25");
  for (const auto& [id, values] : air["pm25"]) {
    for (size_t i = 1; i < values.size(); ++i) spike = spike || values[i] >= 3 * values[i - 1];
  }
  EXPECT_TRUE(spike) << "no pollution spike";

  // A burst pipe: a district meter's flow jumps by 80 % or more within 15 minutes.
  bool burst = false;
  History water = NumericHistory(client, "WaterConsumptionObserved", "flow");
  for (const auto& [id, values] : water["flow"]) {
    for (size_t i = 1; i < values.size(); ++i) burst = burst || values[i] >= 1.8 * values[i - 1];
  }
  EXPECT_TRUE(burst) << "no burst pipe";

  // ... and a citizen reported it.
  auto reports = client.Get("/ngsi-ld/v1/entities?type=Alert&q=subCategory==%22waterLeak%22");
  ASSERT_EQ(reports.status, 200);
  EXPECT_EQ(reports.Json().as_array().size(), 1u) << reports.body;

  // No raw MAC address anywhere: Wi-Fi access points carry counts only.
  auto aps = client.Get("/ngsi-ld/v1/entities?type=AccessPoint&limit=100");
  ASSERT_EQ(aps.status, 200);
  json::value ap_list = aps.Json();
  for (const auto& ap : ap_list.as_array()) {
    EXPECT_TRUE(ap.as_object().contains("clientsConnected"));
    EXPECT_FALSE(ap.as_object().contains("macAddress"));
  }

  auto count = client.Get("/ngsi-ld/v1/entities?type=ParkingSpot&count=true&limit=1");
  const int64_t entities_before = std::stoll(count.Header("ngsild-results-count"));
  const int64_t last_live = LatestObservedAtSeconds(client, "ParkingSpot");
  int status = demo->Terminate();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;

  // A second run over the same data dir continues the same city, without a new backfill.
  auto restart_begin = steady_clock::now();
  demo = std::make_unique<ServerProcess>(dir.path() / "data", kCity, "demo");
  ASSERT_GT(demo->port(), 0);
  HttpClient again(demo->port());
  auto recount = again.Get("/ngsi-ld/v1/entities?type=ParkingSpot&count=true&limit=1");
  EXPECT_EQ(std::stoll(recount.Header("ngsild-results-count")), entities_before);
  ASSERT_TRUE(
      WaitFor([&] { return LatestObservedAtSeconds(again, "ParkingSpot") > last_live + 600; }));
  EXPECT_LT(steady_clock::now() - restart_begin, std::chrono::seconds(30));
  status = demo->Terminate();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;

  // Another city over the same data dir is refused with exit code 2.
  std::vector<std::string> other = kCity;
  other[1] = "8";
  ServerProcess refused(dir.path() / "data", other, "demo");
  status = refused.Terminate();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << status;
}

}  // namespace
}  // namespace civitas::testing
