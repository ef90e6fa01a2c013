// `civitas compact`: compacts a data dir that no server holds, keeps every entity and its history,
// and refuses a data dir a server has open.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>

#include "harness.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;

TEST(CompactTest, KeepsEntitiesAndHistoryAndRefusesAnOpenStore) {
  TempDir dir;
  const auto data = dir.path() / "data";
  {
    ServerProcess server(data);
    HttpClient http(server.port());
    for (int i = 0; i < 20; ++i) {
      json::object entity{{"id", "urn:ngsi-ld:Meter:" + std::to_string(i % 4)},
                          {"type", "Meter"},
                          {"reading", json::object{{"type", "Property"}, {"value", i}}}};
      auto upsert = http.Post("/ngsi-ld/v1/entityOperations/upsert", json::array{entity});
      ASSERT_LT(upsert.status, 300) << upsert.body;
    }
    auto [status, output] = RunCivitas("compact --data-dir " + data.string());
    EXPECT_EQ(status, 1) << output;  // the server holds the store's lock
    EXPECT_EQ(server.Terminate(), 0);
  }
  auto [status, output] = RunCivitas("compact --data-dir " + data.string());
  ASSERT_EQ(status, 0) << output;
  EXPECT_NE(output.find("compacted"), std::string::npos) << output;

  ServerProcess server(data);
  HttpClient http(server.port());
  auto entity = http.Get("/ngsi-ld/v1/entities/urn:ngsi-ld:Meter:3?options=keyValues");
  ASSERT_EQ(entity.status, 200) << entity.body;
  EXPECT_EQ(entity.Json().at("reading"), json::value(19));
  auto history =
      http.Get("/ngsi-ld/v1/temporal/entities/urn:ngsi-ld:Meter:3?options=temporalValues");
  ASSERT_EQ(history.status, 200) << history.body;
  const json::value body = history.Json();
  EXPECT_EQ(body.at("reading").at("values").as_array().size(), 5u);  // 3, 7, 11, 15, 19
}

}  // namespace
}  // namespace civitas::testing
