// An acknowledged write survives kill -9: writers run at full speed, the server is killed
// while requests are in flight, and after a restart every acknowledged entity is there.

#include <atomic>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "harness.h"

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
  const int port = server->port();

  constexpr int kWriters = 6;
  constexpr size_t kKillAfter = 3000;  // acknowledged entities before the kill
  std::mutex mu;
  std::vector<std::pair<std::string, int>> acknowledged;  // id → pm25 value, guarded by mu
  std::atomic<size_t> acked{0};
  std::atomic<bool> killed{false};

  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      HttpClient client(port, /*tolerate_disconnects=*/true);
      for (int i = 0; !killed.load(std::memory_order_acquire) && i < 100000; ++i) {
        std::string id = "urn:ngsi-ld:AirQualityObserved:w" + std::to_string(w) + "-" + std::to_string(i);
        HttpResult result;
        if (i % 2 == 0) {
          result = client.Post("/ngsi-ld/v1/entities", Sensor(id, i));
        } else {
          // Every other write goes through batch upsert, acknowledged as a whole.
          result = client.Post("/ngsi-ld/v1/entityOperations/upsert", json::array{Sensor(id, i)});
        }
        if (result.status == 201 || result.status == 204) {
          std::lock_guard lock(mu);
          acknowledged.emplace_back(id, i);
          acked.fetch_add(1, std::memory_order_release);
        } else if (result.status == 0) {
          return;  // server gone
        }
      }
    });
  }
  // Kill as soon as enough writes are acknowledged; writers are still sending.
  while (acked.load(std::memory_order_acquire) < kKillAfter) std::this_thread::yield();
  server->Kill();
  killed.store(true, std::memory_order_release);
  for (auto& t : writers) t.join();
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
