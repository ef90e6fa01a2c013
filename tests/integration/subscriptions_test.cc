// NGSI-LD subscriptions against the real binary: the /subscriptions API, notifications to a real
// HTTP receiver and a real mosquitto broker run by the test, throttling and periodic timing,
// retries against a failing endpoint, and persistence across restarts.

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <thread>

#include "broker_fixture.h"
#include "mosquitto.h"
#include "notification_receiver.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string SubscriptionUrl(const std::string& id) {
  return std::string(kApi) + "/subscriptions/" + id;
}

json::object RoomEntity(const std::string& id, double temperature) {
  return json::object{
      {"id", id}, {"type", "Room"}, {"temperature", Prop(temperature)}, {"humidity", Prop(40)}};
}

// A subscription to Rooms notifying `uri`, plus `members`.
json::object RoomSubscription(const std::string& uri, json::object members = {}) {
  json::object sub{{"type", "Subscription"},
                   {"entities", json::array{json::object{{"type", "Room"}}}},
                   {"notification", json::object{{"endpoint", json::object{{"uri", uri}}}}}};
  for (auto& [k, v] : members) {
    if (k == "notification") {
      for (auto& [nk, nv] : v.as_object()) sub["notification"].as_object()[nk] = nv;
    } else {
      sub[k] = v;
    }
  }
  return sub;
}

// The values of `attr` in every data item of the notifications, in arrival order (keyValues).
std::vector<double> Values(const std::vector<ReceivedNotification>& received,
                           const std::string& attr) {
  std::vector<double> out;
  for (const auto& n : received) {
    for (const auto& item : n.body.at("data").as_array()) {
      out.push_back(item.at(attr).to_number<double>());
    }
  }
  return out;
}

double Number(const json::value& value) { return value.to_number<double>(); }

size_t DataItems(const std::vector<ReceivedNotification>& received) {
  size_t items = 0;
  for (const auto& n : received) items += n.body.at("data").as_array().size();
  return items;
}

// Waits (up to 10 s) until the notifications carry at least `n` data items in total; what came.
std::vector<ReceivedNotification> WaitForItems(const NotificationLog& log, size_t n) {
  auto deadline = std::chrono::steady_clock::now() + seconds(10);
  std::vector<ReceivedNotification> received;
  while (DataItems(received) < n && std::chrono::steady_clock::now() < deadline) {
    received = log.WaitFor(received.size() + 1, milliseconds(500));
  }
  return received;
}

// ISO 8601 UTC, whole seconds.
std::string IsoTime(std::chrono::system_clock::time_point t) {
  std::time_t seconds_since_epoch = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds_since_epoch, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

class SubscriptionsTest : public BrokerTest {
 protected:
  // POSTs a subscription, asserts 201 with a Location, and returns the id.
  std::string Subscribe(const json::object& body,
                        const std::map<std::string, std::string>& headers = {}) {
    auto r = http().Post(std::string(kApi) + "/subscriptions", body, headers);
    EXPECT_EQ(r.status, 201) << r.body;
    std::string location = r.Header("location");
    std::string prefix = std::string(kApi) + "/subscriptions/";
    EXPECT_TRUE(location.starts_with(prefix)) << location;
    return location.substr(std::min(prefix.size(), location.size()));
  }
  json::object GetSubscription(const std::string& id,
                               const std::map<std::string, std::string>& headers = {}) {
    auto r = http().Get(SubscriptionUrl(id), headers);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.Json().as_object() : json::object();
  }
  // Polls the subscription until `pred` holds (bounded by 10 s); the last rendering.
  json::object WaitForSubscription(const std::string& id,
                                   const std::function<bool(const json::object&)>& pred) {
    auto deadline = std::chrono::steady_clock::now() + seconds(10);
    json::object last;
    while (std::chrono::steady_clock::now() < deadline) {
      last = GetSubscription(id);
      if (pred(last)) return last;
      std::this_thread::yield();
    }
    ADD_FAILURE() << "subscription never reached the expected state: " << json::serialize(last);
    return last;
  }
  void UpdateTemperature(const std::string& id, double value,
                         const std::map<std::string, std::string>& headers = {}) {
    auto r =
        http().Patch(EntityUrl(id) + "/attrs", json::object{{"temperature", Prop(value)}}, headers);
    ASSERT_EQ(r.status, 204) << r.body;
  }

  HttpReceiver receiver_;
};

TEST_F(SubscriptionsTest, CreateRetrieveListPatchDelete) {
  std::string a = Subscribe(RoomSubscription(receiver_.Url()));
  EXPECT_TRUE(a.starts_with("urn:ngsi-ld:Subscription:")) << a;
  Subscribe(RoomSubscription(receiver_.Url(), {{"id", "urn:ngsi-ld:Subscription:b"}}));
  Subscribe(RoomSubscription(receiver_.Url(), {{"id", "urn:ngsi-ld:Subscription:c"}}));

  auto sub = GetSubscription(a);
  EXPECT_EQ(sub.at("id"), json::value(a));
  EXPECT_EQ(sub.at("type"), json::value("Subscription"));
  EXPECT_EQ(sub.at("status"), json::value("active"));
  EXPECT_EQ(sub.at("isActive"), json::value(true));
  EXPECT_EQ(sub.at("entities").at(0).at("type"), json::value("Room"));
  EXPECT_EQ(sub.at("notificationTrigger"),
            json::parse(R"(["entityCreated", "attributeCreated", "attributeUpdated"])"));
  const auto& notification = sub.at("notification").as_object();
  EXPECT_EQ(notification.at("format"), json::value("normalized"));
  EXPECT_EQ(notification.at("endpoint").at("uri"), json::value(receiver_.Url()));
  EXPECT_EQ(notification.at("timesSent"), json::value(0));
  EXPECT_EQ(notification.at("status"), json::value("ok"));
  EXPECT_TRUE(sub.contains("createdAt"));

  auto page = http().Get(std::string(kApi) + "/subscriptions?limit=2&offset=1&count=true");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.Header("ngsild-results-count"), "3");
  ASSERT_EQ(page.Json().as_array().size(), 2u);

  auto patched = http().Patch(SubscriptionUrl("urn:ngsi-ld:Subscription:b"),
                              json::parse(R"({"q": "temperature>30", "isActive": false,
                                  "notification": {"format": "keyValues"}})"));
  ASSERT_EQ(patched.status, 204) << patched.body;
  sub = GetSubscription("urn:ngsi-ld:Subscription:b");
  EXPECT_EQ(sub.at("q"), json::value("temperature>30"));
  EXPECT_EQ(sub.at("status"), json::value("paused"));
  EXPECT_EQ(sub.at("notification").at("format"), json::value("keyValues"));
  EXPECT_EQ(sub.at("notification").at("endpoint").at("uri"), json::value(receiver_.Url()))
      << "a notification fragment keeps the members it does not name";

  ASSERT_EQ(http().Delete(SubscriptionUrl("urn:ngsi-ld:Subscription:c")).status, 204);
  EXPECT_TRUE(IsProblem(http().Get(SubscriptionUrl("urn:ngsi-ld:Subscription:c")), 404,
                        "ResourceNotFound"));
  EXPECT_TRUE(IsProblem(http().Delete(SubscriptionUrl("urn:ngsi-ld:Subscription:c")), 404,
                        "ResourceNotFound"));
  EXPECT_EQ(http().Get(std::string(kApi) + "/subscriptions").Json().as_array().size(), 2u);
}

TEST_F(SubscriptionsTest, BadInputIsAProblemAndChangesNothing) {
  std::string id = Subscribe(RoomSubscription(receiver_.Url()));
  const std::string base = std::string(kApi) + "/subscriptions";
  EXPECT_TRUE(IsProblem(http().Post(base, json::parse(R"({"type": "Subscription"})")), 400,
                        "BadRequestData"));
  EXPECT_TRUE(IsProblem(http().Post(base, RoomSubscription("ftp://x/")), 400, "BadRequestData"));
  EXPECT_TRUE(IsProblem(http().Post(base, RoomSubscription("https://example.org/hook")), 422,
                        "OperationNotSupported"));
  EXPECT_TRUE(IsProblem(http().Post(base, RoomSubscription(receiver_.Url(), {{"q", "a=="}})), 400,
                        "InvalidRequest"));
  EXPECT_TRUE(IsProblem(
      http().Post(base, RoomSubscription(receiver_.Url(), {{"expiresAt", "2001-01-01T00:00:00Z"}})),
      400, "BadRequestData"));
  EXPECT_TRUE(IsProblem(http().Post(base, RoomSubscription(receiver_.Url(), {{"id", id}})), 409,
                        "AlreadyExists"));
  EXPECT_TRUE(IsProblem(http().Get(SubscriptionUrl("not-a-uri")), 400, "BadRequestData"));
  EXPECT_TRUE(IsProblem(http().Get(base + "?limit=5000"), 403, "TooManyResults"));
  auto before = GetSubscription(id);
  EXPECT_TRUE(IsProblem(http().Patch(SubscriptionUrl(id), json::parse(R"({"throttling": -1})")),
                        400, "BadRequestData"));
  EXPECT_TRUE(IsProblem(http().Patch(SubscriptionUrl(id), json::parse(R"({"id": "urn:x"})")), 400,
                        "BadRequestData"));
  EXPECT_EQ(GetSubscription(id), before);
  EXPECT_EQ(http().Get(base).Json().as_array().size(), 1u);
}

TEST_F(SubscriptionsTest, NotifiesCreationAndUpdatesInTheRequestedFormat) {
  std::string id = Subscribe(RoomSubscription(
      receiver_.Url("/hook?from=civitas"),
      {{"notification",
        json::object{
            {"format", "keyValues"},
            {"attributes", json::array{"temperature"}},
            {"endpoint", json::object{{"uri", receiver_.Url("/hook?from=civitas")},
                                      {"receiverInfo", json::parse(R"([{"key": "X-City-Token",
                                                                     "value": "t-42"}])")}}}}}}));
  Create(RoomEntity("urn:ngsi-ld:Room:1", 20));
  UpdateTemperature("urn:ngsi-ld:Room:1", 21);
  UpdateTemperature("urn:ngsi-ld:Room:1", 22);
  auto received = WaitForItems(receiver_, 3);
  ASSERT_EQ(DataItems(received), 3u);
  EXPECT_EQ(Values(received, "temperature"), (std::vector<double>{20, 21, 22}))
      << "one subscription's notifications arrive in order";
  const auto& first = received.front();
  EXPECT_EQ(first.target, "/hook?from=civitas");
  EXPECT_EQ(first.headers.at("content-type"), "application/json");
  EXPECT_NE(first.headers.at("link").find("ngsi-ld-core-context"), std::string::npos);
  EXPECT_EQ(first.headers.at("x-city-token"), "t-42");
  const auto& body = first.body.as_object();
  EXPECT_TRUE(body.at("id").as_string().starts_with("urn:ngsi-ld:Notification:"));
  EXPECT_EQ(body.at("type"), json::value("Notification"));
  EXPECT_EQ(body.at("subscriptionId"), json::value(id));
  EXPECT_TRUE(body.contains("notifiedAt"));
  const auto& entity = body.at("data").at(0).as_object();
  EXPECT_EQ(entity.at("id"), json::value("urn:ngsi-ld:Room:1"));
  EXPECT_EQ(entity.at("type"), json::value("Room"));
  EXPECT_FALSE(entity.contains("humidity")) << "only notification.attributes";

  auto sub = WaitForSubscription(id, [&](const json::object& s) {
    return s.at("notification").at("timesSent").to_number<int64_t>() ==
           static_cast<int64_t>(received.size());
  });
  EXPECT_TRUE(sub.at("notification").as_object().contains("lastSuccess"));
  EXPECT_TRUE(sub.at("notification").as_object().contains("lastNotification"));
}

TEST_F(SubscriptionsTest, LdJsonNormalizedAndDeletionTriggers) {
  Subscribe(RoomSubscription(
      receiver_.Url(),
      {{"notificationTrigger", json::array{"entityDeleted", "attributeDeleted"}},
       {"notification",
        json::object{{"endpoint", json::object{{"uri", receiver_.Url()},
                                               {"accept", "application/ld+json"}}}}}}));
  Create(RoomEntity("urn:ngsi-ld:Room:1", 20));
  ASSERT_EQ(http().Delete(EntityUrl("urn:ngsi-ld:Room:1") + "/attrs/humidity").status, 204);
  ASSERT_EQ(http().Delete(EntityUrl("urn:ngsi-ld:Room:1")).status, 204);
  // The two changes arrive in two notifications, or in one when both were queued before its
  // delivery started (a notification carries every entity queued for the subscription).
  auto received = receiver_.WaitFor(1);
  ASSERT_FALSE(received.empty());
  if (received[0].body.at("data").as_array().size() < 2) received = receiver_.WaitFor(2);
  std::vector<json::object> data;
  for (const auto& notification : received) {
    EXPECT_EQ(notification.headers.at("content-type"), "application/ld+json");
    EXPECT_TRUE(notification.body.as_object().contains("@context"));
    for (const auto& entity : notification.body.at("data").as_array()) {
      data.push_back(entity.as_object());
    }
  }
  ASSERT_EQ(data.size(), 2u) << "creation does not notify; the two deletions do";
  const auto& after_attr_delete = data[0];
  EXPECT_FALSE(after_attr_delete.contains("humidity"));
  EXPECT_EQ(after_attr_delete.at("temperature").at("type"), json::value("Property"))
      << "normalized by default";
  const auto& deleted = data[1];
  EXPECT_EQ(deleted.at("id"), json::value("urn:ngsi-ld:Room:1"));
  EXPECT_FALSE(deleted.contains("temperature"));
}

// A change that must not notify is followed by one that must: since one subscription's
// notifications arrive in order, the first one received proves the earlier change was skipped.
TEST_F(SubscriptionsTest, WatchedAttributesAndQDecideWhatNotifies) {
  Create(RoomEntity("urn:ngsi-ld:Room:1", 20));
  Subscribe(
      RoomSubscription(receiver_.Url(), {{"watchedAttributes", json::array{"temperature"}},
                                         {"q", "temperature>30"},
                                         {"notification", json::object{{"format", "concise"}}}}));
  UpdateTemperature("urn:ngsi-ld:Room:1", 25);  // q false
  ASSERT_EQ(
      http()
          .Patch(EntityUrl("urn:ngsi-ld:Room:1") + "/attrs", json::object{{"humidity", Prop(90)}})
          .status,
      204);  // not watched
  UpdateTemperature("urn:ngsi-ld:Room:1", 35);
  auto received = receiver_.WaitFor(1);
  ASSERT_FALSE(received.empty());
  const auto& entity = received[0].body.at("data").at(0).as_object();
  EXPECT_EQ(Number(entity.at("temperature")), 35) << "concise: bare value";
  EXPECT_EQ(Number(entity.at("humidity")), 90);
}

TEST_F(SubscriptionsTest, GeoQAndLangApply) {
  json::object far = RoomEntity("urn:ngsi-ld:Room:far", 20);
  far["location"] = Geo(Point(2.35, 48.85));  // Paris
  far["name"] = json::parse(R"({"type": "LanguageProperty",
                                "languageMap": {"en": "Far room", "es": "Sala lejana"}})");
  json::object near = far;
  near["id"] = "urn:ngsi-ld:Room:near";
  near["location"] = Geo(Point(-3.7038, 40.4168));  // Madrid, Puerta del Sol
  Subscribe(RoomSubscription(
      receiver_.Url(),
      {{"geoQ", json::parse(R"({"georel": "near;maxDistance==2000", "geometry": "Point",
                                "coordinates": [-3.70, 40.42]})")},
       {"lang", "es"},
       {"notification", json::object{{"format", "keyValues"}}}}));
  Create(far);
  Create(near);
  auto received = receiver_.WaitFor(1);
  ASSERT_FALSE(received.empty());
  const auto& entity = received[0].body.at("data").at(0).as_object();
  EXPECT_EQ(entity.at("id"), json::value("urn:ngsi-ld:Room:near")) << "the far room is not near";
  EXPECT_EQ(entity.at("name"), json::value("Sala lejana"));
}

TEST_F(SubscriptionsTest, PausedAndExpiredSubscriptionsDoNotNotify) {
  HttpReceiver sentinel;
  std::string paused = Subscribe(RoomSubscription(receiver_.Url(), {{"isActive", false}}));
  Subscribe(RoomSubscription(sentinel.Url()));
  Create(RoomEntity("urn:ngsi-ld:Room:1", 20));
  ASSERT_EQ(sentinel.WaitFor(1).size(), 1u);
  ASSERT_EQ(http().Patch(SubscriptionUrl(paused), json::parse(R"({"isActive": true})")).status,
            204);
  UpdateTemperature("urn:ngsi-ld:Room:1", 21);
  auto received = receiver_.WaitFor(1);
  ASSERT_FALSE(received.empty());
  EXPECT_EQ(Number(received[0].body.at("data").at(0).at("temperature").at("value")), 21)
      << "the change made while paused was not notified";

  std::string expiring = Subscribe(
      RoomSubscription(receiver_.Url("/expiring"),
                       {{"expiresAt", IsoTime(std::chrono::system_clock::now() + seconds(2))}}));
  WaitForSubscription(
      expiring, [](const json::object& s) { return s.at("status") == json::value("expired"); });
  size_t sentinel_before = sentinel.All().size();
  UpdateTemperature("urn:ngsi-ld:Room:1", 22);
  ASSERT_GT(sentinel.WaitFor(sentinel_before + 1).size(), sentinel_before);
  for (const auto& n : receiver_.All()) EXPECT_NE(n.target, "/expiring");
  EXPECT_EQ(GetSubscription(expiring).at("notification").at("timesSent"), json::value(0));
}

TEST_F(SubscriptionsTest, ThrottlingSpacesNotificationsWithoutLosingChanges) {
  Create(RoomEntity("urn:ngsi-ld:Room:1", 0));
  Subscribe(RoomSubscription(
      receiver_.Url(),
      {{"throttling", 1}, {"notification", json::object{{"format", "keyValues"}}}}));
  // The first update opens the throttling window; four more arrive inside it.
  UpdateTemperature("urn:ngsi-ld:Room:1", 1);
  ASSERT_EQ(receiver_.WaitFor(1).size(), 1u);
  for (int i = 2; i <= 5; ++i) UpdateTemperature("urn:ngsi-ld:Room:1", i);
  auto received = WaitForItems(receiver_, 5);
  ASSERT_EQ(Values(received, "temperature"), (std::vector<double>{1, 2, 3, 4, 5}));
  ASSERT_GE(received.size(), 2u);
  for (size_t i = 1; i < received.size(); ++i) {
    // The gate counts from the end of the previous delivery, after its receipt, so no slack
    // is needed below the 1 s minimum.
    EXPECT_GE(received[i].received_at - received[i - 1].received_at, milliseconds(1000));
  }
}

TEST_F(SubscriptionsTest, PeriodicNotificationsCarryTheMatchingEntities) {
  Create(RoomEntity("urn:ngsi-ld:Room:1", 20));
  Create(RoomEntity("urn:ngsi-ld:Room:2", 35));
  Subscribe(RoomSubscription(receiver_.Url(), {{"timeInterval", 0.5}, {"q", "temperature>30"}}));
  auto received = receiver_.WaitFor(4);
  ASSERT_EQ(received.size(), 4u);
  for (const auto& n : received) {
    ASSERT_EQ(n.body.at("data").as_array().size(), 1u);
    EXPECT_EQ(n.body.at("data").at(0).at("id"), json::value("urn:ngsi-ld:Room:2"));
  }
  // Tolerance: a delivery can be late by scheduling delays on a loaded machine, which shortens
  // the next gap; the span of three intervals is still bounded both ways.
  for (size_t i = 1; i < received.size(); ++i) {
    EXPECT_GE(received[i].received_at - received[i - 1].received_at, milliseconds(200));
  }
  auto span = received.back().received_at - received.front().received_at;
  EXPECT_GE(span, milliseconds(1000));
  EXPECT_LE(span, milliseconds(4000));
}

TEST_F(SubscriptionsTest, FailingEndpointIsRetriedAndRecovers) {
  receiver_.SetStatus(500);
  std::string id = Subscribe(RoomSubscription(receiver_.Url()));
  Create(RoomEntity("urn:ngsi-ld:Room:1", 20));
  ASSERT_GE(receiver_.WaitFor(2).size(), 2u) << "retried after the first failure";
  auto failed = WaitForSubscription(id, [](const json::object& s) {
    return s.at("notification").at("status") == json::value("failed");
  });
  EXPECT_GE(failed.at("notification").at("timesFailed").to_number<int64_t>(), 1);
  EXPECT_TRUE(failed.at("notification").as_object().contains("lastFailure"));
  EXPECT_FALSE(failed.at("notification").as_object().contains("lastSuccess"));

  receiver_.SetStatus(200);
  auto recovered = WaitForSubscription(id, [](const json::object& s) {
    return s.at("notification").at("status") == json::value("ok");
  });
  const auto& n = recovered.at("notification").as_object();
  EXPECT_TRUE(n.contains("lastSuccess"));
  EXPECT_EQ(n.at("timesSent").to_number<int64_t>(), n.at("timesFailed").to_number<int64_t>() + 1);
  auto all = receiver_.All();
  for (const auto& r : all) {
    EXPECT_EQ(Number(r.body.at("data").at(0).at("temperature").at("value")), 20)
        << "every attempt carries the same change";
  }

  // An endpoint that is down: nothing listens on the port.
  std::string down_url;
  {
    HttpReceiver gone;
    down_url = gone.Url();
  }
  std::string down = Subscribe(RoomSubscription(down_url));
  UpdateTemperature("urn:ngsi-ld:Room:1", 21);
  WaitForSubscription(down, [](const json::object& s) {
    return s.at("notification").at("status") == json::value("failed");
  });
}

TEST_F(SubscriptionsTest, MqttEndpointPublishesWithMetadata) {
  Mosquitto broker(dir_.path());
  MqttReceiver mqtt(broker.port(), "city/rooms");
  std::string uri = "mqtt://127.0.0.1:" + std::to_string(broker.port()) + "/city/rooms";
  std::string id = Subscribe(RoomSubscription(
      uri,
      {{"notification",
        json::object{{"format", "keyValues"},
                     {"endpoint", json::object{{"uri", uri},
                                               {"notifierInfo", json::parse(R"([{"key": "MQTT-QoS",
                                                                        "value": "1"}])")}}}}}}));
  Create(RoomEntity("urn:ngsi-ld:Room:1", 20), {{"NGSILD-Tenant", "city"}});
  Create(RoomEntity("urn:ngsi-ld:Room:1", 20));
  auto received = mqtt.WaitFor(1);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].target, "city/rooms");
  EXPECT_EQ(received[0].qos, 1) << "published with notifierInfo MQTT-QoS 1";
  const auto& message = received[0].body.as_object();
  EXPECT_EQ(message.at("metadata").at("Content-Type"), json::value("application/json"));
  EXPECT_EQ(message.at("body").at("subscriptionId"), json::value(id));
  EXPECT_EQ(Number(message.at("body").at("data").at(0).at("temperature")), 20);
  EXPECT_FALSE(message.at("metadata").as_object().contains("NGSILD-Tenant"))
      << "the subscription lives in the default tenant; tenant city's entity is not seen";
}

TEST_F(SubscriptionsTest, MqttDeviceIngestNotifies) {
  Mosquitto broker(dir_.path());
  ServerProcess server(dir_.path() / "ingest",
                       {"--mqtt", "127.0.0.1:" + std::to_string(broker.port())});
  HttpClient client(server.port());
  ASSERT_EQ(client
                .Post("/iot/services", json::parse(R"({"services": [{"apikey": "k",
      "entity_type": "AirQualityObserved", "resource": "/iot/d"}]})"))
                .status,
            201);
  ASSERT_EQ(client
                .Post("/iot/devices", json::parse(R"({"devices": [{"device_id": "aq-1",
      "apikey": "k", "protocol": "IoTA-UL", "entity_name": "urn:ngsi-ld:AirQualityObserved:aq-1",
      "attributes": [{"object_id": "n", "name": "no2", "type": "Number"}]}]})"))
                .status,
            201);
  json::object sub{
      {"type", "Subscription"},
      {"watchedAttributes", json::array{"no2"}},
      {"notification", json::object{{"format", "keyValues"},
                                    {"endpoint", json::object{{"uri", receiver_.Url()}}}}}};
  ASSERT_EQ(client.Post(std::string(kApi) + "/subscriptions", sub).status, 201);
  ASSERT_TRUE(Publish(broker.port(), "/ul/k/aq-1/attrs", "n|41"));
  auto received = receiver_.WaitFor(1);
  ASSERT_FALSE(received.empty());
  const auto& entity = received[0].body.at("data").at(0).as_object();
  EXPECT_EQ(entity.at("id"), json::value("urn:ngsi-ld:AirQualityObserved:aq-1"));
  EXPECT_EQ(Number(entity.at("no2")), 41);
}

TEST_F(SubscriptionsTest, BatchOperationsAndTenantsNotify) {
  std::map<std::string, std::string> tenant = {{"NGSILD-Tenant", "north"}};
  std::string id = Subscribe(RoomSubscription(receiver_.Url()), tenant);
  EXPECT_TRUE(IsProblem(http().Get(SubscriptionUrl(id)), 404, "ResourceNotFound"))
      << "not visible from the default tenant";
  json::array batch{RoomEntity("urn:ngsi-ld:Room:1", 1), RoomEntity("urn:ngsi-ld:Room:2", 2),
                    RoomEntity("urn:ngsi-ld:Room:3", 3)};
  auto r = http().Post(std::string(kApi) + "/entityOperations/upsert", batch, tenant);
  ASSERT_TRUE(r.status == 201 || r.status == 204) << r.body;
  auto received = WaitForItems(receiver_, 3);
  ASSERT_EQ(DataItems(received), 3u);
  EXPECT_EQ(received[0].headers.at("ngsild-tenant"), "north");
}

TEST_F(SubscriptionsTest, SubscriptionsAndStatusSurviveRestartAndKill) {
  std::string id = Subscribe(RoomSubscription(receiver_.Url(), {{"subscriptionName", "rooms"}}));
  Create(RoomEntity("urn:ngsi-ld:Room:1", 20));
  ASSERT_EQ(receiver_.WaitFor(1).size(), 1u);
  WaitForSubscription(id, [](const json::object& s) {
    return s.at("notification").at("timesSent") == json::value(1);
  });
  Restart();
  auto sub = GetSubscription(id);
  EXPECT_EQ(sub.at("subscriptionName"), json::value("rooms"));
  EXPECT_EQ(sub.at("notification").at("timesSent"), json::value(1)) << "status persisted on stop";
  UpdateTemperature("urn:ngsi-ld:Room:1", 21);
  ASSERT_EQ(receiver_.WaitFor(2).size(), 2u) << "the restored subscription notifies";

  std::string second = Subscribe(RoomSubscription(receiver_.Url("/second")));
  client_.reset();
  server_->Kill();
  Start();
  EXPECT_EQ(GetSubscription(second).at("id"), json::value(second))
      << "an acknowledged subscription survives kill -9";
}

}  // namespace
}  // namespace civitas::testing
