// An acknowledged write survives kill -9: writers run at full speed, the server is killed
// while requests are in flight, and after a restart every acknowledged entity is there.

#include <gtest/gtest.h>

#include "harness.h"
#include "write_support.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;

json::object Sensor(const std::string& id, int n) {
  return json::object{{"id", id},
                      {"type", "AirQualityObserved"},
                      {"pm25", json::object{{"type", "Property"}, {"value", n}}}};
}

TEST(CrashTest, AcknowledgedWritesSurviveSigkill) {
  TempDir dir;
  auto server = std::make_unique<ServerProcess>(dir.path());
  ASSERT_GT(server->port(), 0);

  // Every other write goes through batch upsert, acknowledged as a whole.
  std::vector<std::pair<std::string, int>> acknowledged;  // id → pm25 value
  auto id_of = [](int w, int i) {
    return "urn:ngsi-ld:AirQualityObserved:w" + std::to_string(w) + "-" + std::to_string(i);
  };
  for (auto [w, i] : AcknowledgedBeforeSigkill(
           *server, /*writers=*/6, /*kill_after=*/3000, [&](HttpClient& client, int w, int i) {
             const std::string id = id_of(w, i);
             return i % 2 == 0 ? client.Post("/ngsi-ld/v1/entities", Sensor(id, i)).status
                               : client.Post("/ngsi-ld/v1/entityOperations/upsert",
                                             json::array{Sensor(id, i)})
                                     .status;
           })) {
    acknowledged.emplace_back(id_of(w, i), i);
  }
  ::testing::Test::RecordProperty("acknowledged", static_cast<int>(acknowledged.size()));

  ServerProcess restarted(dir.path());
  ASSERT_GT(restarted.port(), 0);
  HttpClient client(restarted.port());
  size_t missing = 0;
  for (const auto& [id, value] : acknowledged) {
    auto result = client.Get("/ngsi-ld/v1/entities/" + id + "?options=keyValues");
    if (result.status != 200) {
      ++missing;
      continue;
    }
    EXPECT_EQ(result.Json().at("pm25").as_int64(), value) << id;
  }
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged entities";
}

}  // namespace
}  // namespace civitas::testing
