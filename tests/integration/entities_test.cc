#include <gtest/gtest.h>

#include "harness.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;

class EntitiesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(dir_.path());
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(EntitiesTest, HealthAndReadiness) {
  EXPECT_EQ(client_->Get("/healthz").status, 200);
  EXPECT_EQ(client_->Get("/readyz").status, 200);
}

TEST_F(EntitiesTest, CreateRetrieveAndConflict) {
  json::object entity = {
      {"id", "urn:ngsi-ld:Streetlight:1"},
      {"type", "Streetlight"},
      {"powerState", {{"type", "Property"}, {"value", "on"}}},
      {"location", {{"type", "GeoProperty"},
                    {"value", {{"type", "Point"}, {"coordinates", json::array{2.17, 41.38}}}}}}};
  auto created = client_->Post("/ngsi-ld/v1/entities", entity);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Header("location"), "/ngsi-ld/v1/entities/urn:ngsi-ld:Streetlight:1");

  auto again = client_->Post("/ngsi-ld/v1/entities", entity);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.Json().at("type").as_string(), "https://uri.etsi.org/ngsi-ld/errors/AlreadyExists");

  auto got = client_->Get("/ngsi-ld/v1/entities/urn:ngsi-ld:Streetlight:1");
  ASSERT_EQ(got.status, 200) << got.body;
  auto body = got.Json().as_object();
  EXPECT_EQ(body.at("type").as_string(), "Streetlight");
  EXPECT_EQ(body.at("powerState").at("value").as_string(), "on");
  EXPECT_EQ(body.at("location").at("type").as_string(), "GeoProperty");
  EXPECT_NE(got.Header("link").find("ngsi-ld-core-context"), std::string::npos);
}

}  // namespace
}  // namespace civitas::testing
