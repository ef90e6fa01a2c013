// Many clients writing the same few entities at once: no crash, no lost update.
// Each client owns one attribute name per entity and writes an increasing
// counter to it, alternating the append, update and merge endpoints (all
// read-modify-write); at the end every client's last acknowledged value is
// present on every entity.

#include <thread>

#include <gtest/gtest.h>

#include "broker_fixture.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;

class ConcurrencyTest : public BrokerTest {};

TEST_F(ConcurrencyTest, ConcurrentWritersLoseNothing) {
  constexpr int kClients = 8;
  constexpr int kRequests = 200;
  constexpr int kEntities = 3;
  auto id = [](int e) { return "urn:ngsi-ld:Counter:" + std::to_string(e); };
  for (int e = 0; e < kEntities; ++e) {
    Create(json::object{{"id", id(e)}, {"type", "Counter"}});
  }
  // last[c][e]: the last value client c had acknowledged on entity e (-1:
  // none).
  std::vector<std::vector<int>> last(kClients, std::vector<int>(kEntities, -1));
  std::vector<int> failures(kClients, 0);
  std::vector<std::thread> threads;
  const int port = server_->port();
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      HttpClient client(port);
      const std::string name = "c" + std::to_string(c);
      for (int k = 0; k < kRequests; ++k) {
        int e = (k + c) % kEntities;
        json::object body{{name, Prop(k)}};
        HttpResult r;
        switch (k % 4) {
        case 0:
          r = client.Post(EntityUrl(id(e)) + "/attrs", body);
          break;
        case 1:
          r = client.Patch(EntityUrl(id(e)), body);
          break;
        case 2:
          // Update only once the attribute exists on this entity; else append.
          r = last[c][e] >= 0 ? client.Patch(EntityUrl(id(e)) + "/attrs", body)
                              : client.Post(EntityUrl(id(e)) + "/attrs", body);
          break;
        default:
          r = client.Post(
              std::string(kApi) + "/entityOperations/upsert?options=update",
              json::array{json::object{
                  {"id", id(e)}, {"type", "Counter"}, {name, Prop(k)}}});
          break;
        }
        if (r.status == 204) {
          last[c][e] = k;
        } else {
          ++failures[c];
        }
        if (k % 25 == 0) {
          auto q = client.Get(std::string(kApi) +
                              "/entities?type=Counter&q=" + name + "%3E%3D0");
          if (q.status != 200)
            ++failures[c];
        }
      }
    });
  }
  for (auto &t : threads)
    t.join();
  for (int c = 0; c < kClients; ++c)
    EXPECT_EQ(failures[c], 0) << "client " << c;
  for (int e = 0; e < kEntities; ++e) {
    auto entity = Fetch(id(e), "?options=keyValues");
    for (int c = 0; c < kClients; ++c) {
      std::string name = "c" + std::to_string(c);
      ASSERT_TRUE(entity.contains(name)) << id(e) << " lost " << name;
      EXPECT_EQ(entity.at(name).as_int64(), last[c][e]) << id(e) << " " << name;
    }
  }
  EXPECT_EQ(http().Get("/healthz").status, 200);
}

} // namespace
} // namespace civitas::testing
