// BuildNotification: the body and headers a receiver gets.

#include "src/notify/notification.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "civitas/model/context.h"

namespace civitas::notify {
namespace {

namespace json = boost::json;

Subscription Sub(std::string_view endpoint) {
  static auto contexts = model::OpenContextStore("");
  auto parsed =
      ParseSubscription(json::parse(R"({"type": "Subscription", "entities": [{"type": "Room"}],
                      "notification": {"endpoint": )" +
                                    std::string(endpoint) + "}}"),
                        (*contexts)->Core(), "urn:ngsi-ld:Subscription:1");
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  return std::move(*parsed);
}

TEST(NotificationTest, NumbersAreWrittenAsTheApiWritesThem) {
  const Subscription sub = Sub(R"({"uri": "http://h/", "accept": "application/ld+json"})");
  json::array data{json::object{{"id", "urn:r:1"}, {"temperature", 41.38}, {"count", 3}}};
  const auto out = BuildNotification(sub, std::move(data), "urn:n:1", Timestamp{});
  // Shortest round-trip form, as GET /entities has it (not boost's 4.138E1).
  EXPECT_NE(out.body.find(R"("temperature":41.38)"), std::string::npos) << out.body;
  EXPECT_NE(out.body.find(R"("count":3)"), std::string::npos) << out.body;
  const json::value body = json::parse(out.body);
  EXPECT_EQ(body.at("subscriptionId"), "urn:ngsi-ld:Subscription:1");
  EXPECT_TRUE(body.as_object().contains("@context"));
  EXPECT_EQ(out.headers.front(),
            (std::pair<std::string, std::string>{"Content-Type", "application/ld+json"}));
}

}  // namespace
}  // namespace civitas::notify
