// ParseSubscription / RenderSubscription: validation of the NGSI-LD Subscription JSON.

#include "civitas/notify/subscription.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace civitas::notify {
namespace {

namespace json = boost::json;

std::shared_ptr<const model::Context> Core() {
  static auto store = model::OpenContextStore("");
  return (*store)->Core();
}

Result<Subscription> Parse(std::string_view text) {
  return ParseSubscription(json::parse(text), Core(), "urn:ngsi-ld:Subscription:generated");
}

constexpr std::string_view kMinimal = R"({"type": "Subscription",
    "entities": [{"type": "Room"}],
    "notification": {"endpoint": {"uri": "http://127.0.0.1:9999/notify"}}})";

TEST(SubscriptionTest, ParsesTheMinimalSubscriptionWithDefaults) {
  auto sub = Parse(kMinimal);
  ASSERT_TRUE(sub.ok()) << sub.status().message();
  EXPECT_EQ(sub->id, "urn:ngsi-ld:Subscription:generated");
  ASSERT_EQ(sub->entities.size(), 1u);
  EXPECT_EQ(sub->entities[0].type, "https://uri.etsi.org/ngsi-ld/default-context/Room");
  EXPECT_EQ(sub->triggers, kDefaultTriggers);
  EXPECT_TRUE(sub->is_active);
  EXPECT_EQ(sub->format, model::Representation::kNormalized);
  EXPECT_EQ(sub->endpoint.scheme, EndpointScheme::kHttp);
  EXPECT_EQ(sub->endpoint.host, "127.0.0.1");
  EXPECT_EQ(sub->endpoint.port, 9999);
  EXPECT_EQ(sub->endpoint.target, "/notify");
  EXPECT_EQ(sub->endpoint.accept, "application/json");
}

TEST(SubscriptionTest, ParsesEveryMember) {
  auto sub = Parse(R"({"id": "urn:ngsi-ld:Subscription:s1", "type": "Subscription",
      "subscriptionName": "rooms", "description": "hot rooms",
      "entities": [{"type": "Room", "idPattern": "urn:ngsi-ld:Room:.*"},
                   {"type": "Room", "id": "urn:ngsi-ld:Room:1"}],
      "watchedAttributes": ["temperature"], "q": "temperature>30",
      "geoQ": {"georel": "near;maxDistance==1000", "geometry": "Point", "coordinates": [-3.7, 40.4]},
      "notificationTrigger": ["entityDeleted", "attributeUpdated"],
      "throttling": 2.5, "expiresAt": "2099-01-01T00:00:00Z", "isActive": false, "lang": "es",
      "notification": {"attributes": ["temperature"], "format": "keyValues", "sysAttrs": true,
        "endpoint": {"uri": "mqtt://127.0.0.1:1883/city/rooms", "accept": "application/ld+json",
          "receiverInfo": [{"key": "X-Token", "value": "abc"}],
          "notifierInfo": [{"key": "MQTT-QoS", "value": "1"}]}}})");
  ASSERT_TRUE(sub.ok()) << sub.status().message();
  EXPECT_EQ(sub->id, "urn:ngsi-ld:Subscription:s1");
  EXPECT_EQ(sub->entities.size(), 2u);
  EXPECT_TRUE(std::regex_match("urn:ngsi-ld:Room:7", *sub->entities[0].pattern));
  EXPECT_EQ(sub->watched_attributes,
            std::vector<std::string>{"https://uri.etsi.org/ngsi-ld/default-context/temperature"});
  EXPECT_TRUE(sub->filter.q);
  EXPECT_TRUE(sub->filter.geo);
  EXPECT_EQ(sub->triggers, kEntityDeleted | kAttributeUpdated);
  EXPECT_EQ(sub->throttling, std::chrono::milliseconds(2500));
  EXPECT_FALSE(sub->is_active);
  EXPECT_EQ(sub->StatusAt(*ParseTimestamp("2030-01-01T00:00:00Z")), "paused");
  EXPECT_EQ(sub->StatusAt(*ParseTimestamp("2100-01-01T00:00:00Z")), "expired");
  EXPECT_EQ(sub->format, model::Representation::kKeyValues);
  EXPECT_EQ(sub->endpoint.scheme, EndpointScheme::kMqtt);
  EXPECT_EQ(sub->endpoint.target, "city/rooms");
  EXPECT_EQ(sub->endpoint.mqtt_qos, 1);
  EXPECT_EQ(sub->endpoint.receiver_info.at(0).first, "X-Token");
}

TEST(SubscriptionTest, RenderParsesBackToTheSameSubscription) {
  auto sub = Parse(R"({"type": "Subscription", "entities": [{"type": "Room", "id": "urn:r:1"}],
      "watchedAttributes": ["temperature"], "q": "temperature>30", "timeInterval": 0,
      "notification": {"format": "concise", "endpoint": {"uri": "http://h:80/x"}}})");
  EXPECT_FALSE(sub.ok()) << "timeInterval must be positive";
  sub = Parse(R"({"type": "Subscription", "entities": [{"type": "Room", "id": "urn:r:1"}],
      "q": "temperature>30", "timeInterval": 1.5,
      "notification": {"format": "concise", "endpoint": {"uri": "http://h:80/x"}}})");
  ASSERT_TRUE(sub.ok()) << sub.status().message();
  DeliveryStatus delivery;
  delivery.failed = true;
  delivery.times_sent = 3;
  delivery.times_failed = 1;
  delivery.last_notification = ParseTimestamp("2024-01-01T00:00:00Z").value();
  Timestamp now = *ParseTimestamp("2024-01-02T00:00:00Z");
  auto rendered = RenderSubscription(*sub, delivery, *Core(), now);
  EXPECT_EQ(rendered.at("status"), json::value("active"));
  EXPECT_EQ(rendered.at("notification").at("status"), json::value("failed"));
  EXPECT_EQ(rendered.at("notification").at("timesSent"), json::value(3));
  auto again = ParseSubscription(rendered, Core(), "");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(json::serialize(RenderSubscription(*again, delivery, *Core(), now)),
            json::serialize(rendered));
  auto status = ParseDeliveryStatus(rendered.at("notification"));
  EXPECT_TRUE(status.failed);
  EXPECT_EQ(status.times_sent, 3u);
  EXPECT_EQ(status.times_failed, 1u);
  EXPECT_EQ(status.last_notification, delivery.last_notification);
}

TEST(SubscriptionTest, RejectsInvalidSubscriptionsWithPreciseMessages) {
  struct Case {
    std::string_view body;
    std::string_view message_part;
  };
  const Case cases[] = {
      {R"([])", "JSON object"},
      {R"({"type": "Sub", "entities": [{"type": "A"}], "notification": {"endpoint": {"uri": "http://h/"}}})",
       "type must be"},
      {R"({"type": "Subscription", "notification": {"endpoint": {"uri": "http://h/"}}})",
       "entities or watchedAttributes"},
      {R"({"type": "Subscription", "entities": [{"id": "urn:a"}], "notification": {"endpoint": {"uri": "http://h/"}}})",
       "entities[0].type is required"},
      {R"({"type": "Subscription", "entities": [{"type": "A", "idPattern": "("}], "notification": {"endpoint": {"uri": "http://h/"}}})",
       "idPattern"},
      {R"({"type": "Subscription", "entities": [{"type": "A"}]})", "notification is required"},
      {R"({"type": "Subscription", "entities": [{"type": "A"}], "notification": {}})",
       "endpoint is required"},
      {R"({"type": "Subscription", "entities": [{"type": "A"}], "notification": {"endpoint": {"uri": "ftp://h/"}}})",
       "http:// or mqtt://"},
      {R"({"type": "Subscription", "entities": [{"type": "A"}], "notification": {"endpoint": {"uri": "http://h:99999/"}}})",
       "port"},
      {R"({"type": "Subscription", "entities": [{"type": "A"}], "notification": {"endpoint": {"uri": "mqtt://h/a/#"}}})",
       "wildcards"},
      {R"({"type": "Subscription", "entities": [{"type": "A"}], "notification": {"format": "xml", "endpoint": {"uri": "http://h/"}}})",
       "format"},
      {R"({"type": "Subscription", "entities": [{"type": "A"}], "notification": {"endpoint": {"uri": "http://h/", "accept": "text/plain"}}})",
       "accept"},
      {R"({"type": "Subscription", "entities": [{"type": "A"}], "notification": {"endpoint": {"uri": "mqtt://h/t", "notifierInfo": [{"key": "MQTT-QoS", "value": "3"}]}}})",
       "MQTT-QoS"},
      {R"({"type": "Subscription", "entities": [{"type": "A"}], "notification": {"endpoint": {"uri": "http://h/", "receiverInfo": [{"key": "X", "value": "a\r\nB: c"}]}}})",
       "line breaks"},
      {R"({"type": "Subscription", "entities": [{"type": "A"}], "notificationTrigger": ["entityChanged"], "notification": {"endpoint": {"uri": "http://h/"}}})",
       "notificationTrigger"},
      {R"({"type": "Subscription", "entities": [{"type": "A"}], "watchedAttributes": ["x"], "timeInterval": 5, "notification": {"endpoint": {"uri": "http://h/"}}})",
       "cannot be combined"},
      {R"({"type": "Subscription", "entities": [{"type": "A"}], "expiresAt": "tomorrow", "notification": {"endpoint": {"uri": "http://h/"}}})",
       "expiresAt"},
      {R"({"type": "Subscription", "entities": [{"type": "A"}], "isActive": "yes", "notification": {"endpoint": {"uri": "http://h/"}}})",
       "isActive"},
  };
  for (const auto& c : cases) {
    auto sub = Parse(c.body);
    ASSERT_FALSE(sub.ok()) << c.body;
    EXPECT_NE(sub.status().message().find(c.message_part), std::string::npos)
        << c.body << " → " << sub.status().message();
  }
  auto bad_q = Parse(R"({"type": "Subscription", "entities": [{"type": "A"}], "q": "a==",
      "notification": {"endpoint": {"uri": "http://h/"}}})");
  EXPECT_EQ(bad_q.status().code(), StatusCode::kInvalidRequest);
  auto https = Parse(R"({"type": "Subscription", "entities": [{"type": "A"}],
      "notification": {"endpoint": {"uri": "https://h/"}}})");
  EXPECT_EQ(https.status().code(), StatusCode::kOperationNotSupported);
}

}  // namespace
}  // namespace civitas::notify
