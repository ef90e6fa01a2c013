// MQTT device ingest through a real mosquitto broker: provisioning over HTTP, UltraLight and
// JSON measures published with libmosquitto, entities checked over the NGSI-LD API.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "auth_support.h"
#include "harness.h"
#include "mosquitto.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;

class MqttIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = std::make_unique<Mosquitto>(dir_.path());
    StartServer();
  }
  void StartServer() {
    server_ = std::make_unique<ServerProcess>(
        dir_.path() / "data",
        std::vector<std::string>{"--mqtt", "127.0.0.1:" + std::to_string(broker_->port())});
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  void Provision() {
    auto service = client_->Post("/iot/services", json::parse(R"({"services": [{
        "apikey": "city-key", "entity_type": "AirQualityObserved", "resource": "/iot/d",
        "static_attributes": [{"name": "district", "type": "Property", "value": "Centro"}]}]})"));
    ASSERT_EQ(service.status, 201) << service.body;
    auto devices = client_->Post("/iot/devices", json::parse(R"({"devices": [
        {"device_id": "aq-001", "apikey": "city-key", "protocol": "IoTA-UL",
         "entity_name": "urn:ngsi-ld:AirQualityObserved:aq-001",
         "attributes": [{"object_id": "t", "name": "temperature", "type": "Number"},
                        {"object_id": "p", "name": "pm25", "type": "Number"}]},
        {"device_id": "aq-002", "apikey": "city-key", "protocol": "IoTA-JSON",
         "attributes": [{"object_id": "n", "name": "no2", "type": "Number"}]}]})"));
    ASSERT_EQ(devices.status, 201) << devices.body;
  }
  // Polls the entity (keyValues) until `attr` equals `expected`; the bridge applies messages
  // asynchronously, so the test waits for the observable outcome, bounded by 5 s.
  json::value WaitForValue(const std::string& id, const std::string& attr,
                           const json::value& expected) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    json::value last;
    while (std::chrono::steady_clock::now() < deadline) {
      auto got = client_->Get("/ngsi-ld/v1/entities/" + id + "?options=keyValues");
      if (got.status == 200) {
        last = got.Json();
        const auto* value = last.as_object().if_contains(attr);
        if (value != nullptr && *value == expected) return last;
      }
      std::this_thread::yield();
    }
    ADD_FAILURE() << id << "." << attr << " never became " << json::serialize(expected)
                  << "; last: " << json::serialize(last);
    return last;
  }

  TempDir dir_;
  std::unique_ptr<Mosquitto> broker_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(MqttIngestTest, UltraLightMeasuresUpdateTheMappedEntity) {
  Provision();
  ASSERT_TRUE(Publish(broker_->port(), "/ul/city-key/aq-001/attrs", "t|21.5|p|12"));
  auto entity = WaitForValue("urn:ngsi-ld:AirQualityObserved:aq-001", "pm25", json::value(12));
  EXPECT_EQ(entity.at("temperature"), json::value(21.5));
  EXPECT_EQ(entity.at("district"), json::value("Centro"));
  EXPECT_EQ(entity.at("type"), json::value("AirQualityObserved"));
  // Two groups: the later one wins.
  ASSERT_TRUE(Publish(broker_->port(), "/city-key/aq-001/attrs", "t|22|p|13#t|23|p|14"));
  WaitForValue("urn:ngsi-ld:AirQualityObserved:aq-001", "pm25", json::value(14));
}

// A burst is written in batches by the bridge's workers: every measure must still reach the
// history, in the order each device sent it.
TEST_F(MqttIngestTest, BurstsKeepEveryMeasureInOrderPerDevice) {
  Provision();
  constexpr int kPerDevice = 300;
  std::vector<std::pair<std::string, std::string>> messages;
  for (int i = 0; i < kPerDevice; ++i) {
    messages.emplace_back("/ul/city-key/aq-001/attrs", "p|" + std::to_string(i));
    messages.emplace_back("/json/city-key/aq-002/attrs",
                          R"({"n": )" + std::to_string(1000 + i) + "}");
  }
  ASSERT_TRUE(PublishAll(broker_->port(), messages));
  WaitForValue("urn:ngsi-ld:AirQualityObserved:aq-001", "pm25", json::value(kPerDevice - 1));
  WaitForValue("urn:ngsi-ld:AirQualityObserved:aq-002", "no2", json::value(1000 + kPerDevice - 1));

  auto history = [&](const std::string& id, const std::string& attr) {
    auto got = client_->Get("/ngsi-ld/v1/temporal/entities/" + id + "?attrs=" + attr +
                            "&options=temporalValues");
    EXPECT_EQ(got.status, 200) << got.body;
    std::vector<int64_t> values;
    const json::value body = got.Json();  // the loop below borrows from it
    for (const auto& pair : body.at(attr).at("values").as_array()) {
      const auto& value = pair.as_array().at(0);
      EXPECT_TRUE(value.is_number()) << json::serialize(pair);
      if (value.is_number()) values.push_back(value.to_number<int64_t>());
    }
    return values;
  };
  std::vector<int64_t> expected_pm25, expected_no2;
  for (int i = 0; i < kPerDevice; ++i) {
    expected_pm25.push_back(i);
    expected_no2.push_back(1000 + i);
  }
  EXPECT_EQ(history("urn:ngsi-ld:AirQualityObserved:aq-001", "pm25"), expected_pm25);
  EXPECT_EQ(history("urn:ngsi-ld:AirQualityObserved:aq-002", "no2"), expected_no2);
}

TEST_F(MqttIngestTest, JsonMeasuresAndSingleAttributeTopics) {
  Provision();
  ASSERT_TRUE(Publish(broker_->port(), "/json/city-key/aq-002/attrs", R"({"n": 41})"));
  WaitForValue("urn:ngsi-ld:AirQualityObserved:aq-002", "no2", json::value(41));
  ASSERT_TRUE(Publish(broker_->port(), "/json/city-key/aq-002/attrs/n", "44"));
  WaitForValue("urn:ngsi-ld:AirQualityObserved:aq-002", "no2", json::value(44));
}

TEST_F(MqttIngestTest, BadMessagesAreDroppedAndTheBridgeKeepsWorking) {
  Provision();
  ASSERT_TRUE(Publish(broker_->port(), "/ul/city-key/unknown-device/attrs", "t|1"));
  ASSERT_TRUE(Publish(broker_->port(), "/ul/wrong-key/aq-001/attrs", "t|1"));
  ASSERT_TRUE(Publish(broker_->port(), "/json/city-key/aq-002/attrs", "{not json"));
  ASSERT_TRUE(Publish(broker_->port(), "/ul/city-key/aq-001/attrs", "t|30"));
  auto entity =
      WaitForValue("urn:ngsi-ld:AirQualityObserved:aq-001", "temperature", json::value(30));
  EXPECT_EQ(
      client_->Get("/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:unknown-device").status,
      404);
  EXPECT_EQ(client_->Get("/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:aq-002").status, 404);
  // /metrics counts the four messages: three rejected (the workers may still be at them, so
  // polled, bounded by 5 s), one applied.
  const std::string rejected = R"(civitas_mqtt_messages_total{outcome="rejected"} 3)";
  std::string metrics;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
       std::chrono::steady_clock::now() < deadline && metrics.find(rejected) == std::string::npos;
       std::this_thread::yield()) {
    metrics = client_->Get("/metrics").body;
  }
  EXPECT_NE(metrics.find(rejected), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(R"(civitas_mqtt_messages_total{outcome="applied"} 1)"), std::string::npos);
  EXPECT_NE(metrics.find("\ncivitas_mqtt_messages_received_total 4\n"), std::string::npos);
}

TEST_F(MqttIngestTest, ProvisioningIsValidatedListedDeletedAndPersistent) {
  Provision();
  auto duplicate =
      client_->Post("/iot/devices", json::parse(R"({"devices": [{"device_id": "aq-001"}]})"));
  EXPECT_EQ(duplicate.status, 409) << duplicate.body;
  auto invalid =
      client_->Post("/iot/services", json::parse(R"({"services": [{"entity_type": "X"}]})"));
  EXPECT_EQ(invalid.status, 400) << invalid.body;
  EXPECT_EQ(client_->Get("/iot/devices").Json().at("count"), json::value(2));
  ASSERT_EQ(client_->Delete("/iot/devices/aq-002").status, 204);
  EXPECT_EQ(client_->Get("/iot/devices/aq-002").status, 404);

  server_->Terminate();
  StartServer();
  auto devices = client_->Get("/iot/devices").Json();
  EXPECT_EQ(devices.at("count"), json::value(1));
  EXPECT_EQ(client_->Get("/iot/services").Json().at("count"), json::value(1));
  EXPECT_EQ(client_->Get("/readyz").status, 200);
  // The restored registry serves measures.
  ASSERT_TRUE(Publish(broker_->port(), "/ul/city-key/aq-001/attrs", "t|5"));
  WaitForValue("urn:ngsi-ld:AirQualityObserved:aq-001", "temperature", json::value(5));
}

TEST(MqttsIngestTest, MeasuresFlowOverTls) {
  TempDir dir;
  ASSERT_TRUE(MakeTestCertificate(dir.path()));
  const std::string ca = (dir.path() / "cert.pem").string();
  // mosquitto started as root drops to its own user, which must read the (throwaway) key.
  std::filesystem::permissions(dir.path() / "key.pem", std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  Mosquitto broker(dir.path(), dir.path());
  EXPECT_FALSE(Publish(broker.port(), "/ul/k/d/attrs", "t|1")) << "plain MQTT is refused";
  ServerProcess server(dir.path() / "data", {"--mqtt", "127.0.0.1:" + std::to_string(broker.port()),
                                             "--mqtt-ca-file", ca});
  HttpClient client(server.port());
  ASSERT_EQ(client.Post("/iot/services", json::parse(R"({"services": [{"apikey": "k",
                          "entity_type": "Lamp"}]})")).status, 201);
  ASSERT_EQ(client.Post("/iot/devices", json::parse(R"({"devices": [{"device_id": "d",
                          "apikey": "k", "protocol": "IoTA-UL",
                          "attributes": [{"object_id": "t", "name": "t", "type": "Number"}]}]})"))
                .status,
            201);
  // /readyz turns 200 once the bridge subscribed over TLS.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (client.Get("/readyz").status != 200 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_EQ(client.Get("/readyz").status, 200);
  ASSERT_TRUE(Publish(broker.port(), "/ul/k/d/attrs", "t|7", ca));
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  HttpResult got;
  while (std::chrono::steady_clock::now() < deadline) {
    got = client.Get("/ngsi-ld/v1/entities/urn:ngsi-ld:Lamp:d?options=keyValues");
    if (got.status == 200 && got.Json().as_object().contains("t")) break;
    std::this_thread::yield();
  }
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.Json().at("t"), json::value(7));
}

}  // namespace
}  // namespace civitas::testing
