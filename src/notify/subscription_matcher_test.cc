// SubscriptionMatcher: entity selectors, triggers, watched attributes, q, and the index.

#include "civitas/notify/subscription_matcher.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace civitas::notify {
namespace {

namespace json = boost::json;
constexpr std::string_view kVocab = "https://uri.etsi.org/ngsi-ld/default-context/";

std::shared_ptr<const Subscription> Sub(std::string_view members, std::string tenant = "") {
  static auto contexts = model::OpenContextStore("");
  std::string text =
      R"({"type": "Subscription", "notification": {"endpoint": {"uri": "http://h/"}})";
  if (!members.empty()) text += ", " + std::string(members);
  text += "}";
  auto parsed = ParseSubscription(json::parse(text), (*contexts)->Core(),
                                  "urn:ngsi-ld:Subscription:" + std::to_string(rand()));
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  parsed->tenant = std::move(tenant);
  return std::make_shared<const Subscription>(std::move(*parsed));
}

model::Entity Room(std::string id, double temperature, std::string type = "Room") {
  model::Entity e;
  e.id = std::move(id);
  e.types = {std::string(kVocab) + type};
  model::Attribute a;
  a.name = std::string(kVocab) + "temperature";
  a.value = temperature;
  e.attributes.push_back(std::move(a));
  return e;
}

model::Entity WithHumidity(model::Entity e, double humidity) {
  model::Attribute a;
  a.name = std::string(kVocab) + "humidity";
  a.value = humidity;
  e.attributes.push_back(std::move(a));
  e.SortAttributes();
  return e;
}

std::shared_ptr<const model::Entity> Shared(model::Entity e) {
  return std::make_shared<const model::Entity>(std::move(e));
}
store::EntityChange Created(model::Entity e) { return {nullptr, Shared(std::move(e))}; }
store::EntityChange Updated(model::Entity before, model::Entity after) {
  return {Shared(std::move(before)), Shared(std::move(after))};
}
store::EntityChange Deleted(model::Entity e) { return {Shared(std::move(e)), nullptr}; }

TEST(SubscriptionMatcherTest, DefaultTriggersNotifyCreationAndUpdatesButNotDeletion) {
  auto sub = Sub(R"("entities": [{"type": "Room"}])");
  EXPECT_TRUE(SubscriptionMatcher::Triggers(*sub, Created(Room("urn:r:1", 20))));
  EXPECT_TRUE(
      SubscriptionMatcher::Triggers(*sub, Updated(Room("urn:r:1", 20), Room("urn:r:1", 21))));
  EXPECT_FALSE(
      SubscriptionMatcher::Triggers(*sub, Updated(Room("urn:r:1", 20), Room("urn:r:1", 20))))
      << "nothing changed";
  EXPECT_FALSE(SubscriptionMatcher::Triggers(*sub, Deleted(Room("urn:r:1", 20))));
  EXPECT_FALSE(SubscriptionMatcher::Triggers(*sub, Created(Room("urn:b:1", 20, "Building"))));
}

TEST(SubscriptionMatcherTest, EachTriggerFiresOnItsOwnKindOfChange) {
  auto before = Room("urn:r:1", 20);
  auto with_humidity = WithHumidity(before, 50);
  struct Case {
    std::string trigger;
    store::EntityChange change;
    bool fires;
  };
  std::vector<Case> cases;
  cases.push_back({"entityCreated", Created(before), true});
  cases.push_back({"entityCreated", Updated(before, Room("urn:r:1", 21)), false});
  cases.push_back({"entityUpdated", Updated(before, Room("urn:r:1", 21)), true});
  cases.push_back({"entityUpdated", Created(before), false});
  cases.push_back({"entityDeleted", Deleted(before), true});
  cases.push_back({"attributeCreated", Updated(before, with_humidity), true});
  cases.push_back({"attributeCreated", Updated(before, Room("urn:r:1", 21)), false});
  cases.push_back({"attributeUpdated", Updated(before, Room("urn:r:1", 21)), true});
  cases.push_back({"attributeUpdated", Updated(before, with_humidity), false});
  cases.push_back({"attributeDeleted", Updated(with_humidity, before), true});
  cases.push_back({"attributeDeleted", Updated(before, with_humidity), false});
  for (const auto& c : cases) {
    auto sub =
        Sub(R"("entities": [{"type": "Room"}], "notificationTrigger": [")" + c.trigger + R"("])");
    EXPECT_EQ(SubscriptionMatcher::Triggers(*sub, c.change), c.fires) << c.trigger;
  }
}

TEST(SubscriptionMatcherTest, WatchedAttributesIdsPatternsAndQFilter) {
  auto before = Room("urn:r:1", 20);
  auto watched = Sub(R"("entities": [{"type": "Room"}], "watchedAttributes": ["humidity"])");
  EXPECT_FALSE(SubscriptionMatcher::Triggers(*watched, Updated(before, Room("urn:r:1", 25))));
  EXPECT_TRUE(SubscriptionMatcher::Triggers(*watched, Updated(before, WithHumidity(before, 40))));
  EXPECT_FALSE(SubscriptionMatcher::Triggers(*watched, Created(before)))
      << "created without a watched attribute";

  auto by_id = Sub(R"("entities": [{"type": "Room", "id": "urn:r:2"}])");
  EXPECT_FALSE(SubscriptionMatcher::Triggers(*by_id, Created(Room("urn:r:1", 1))));
  EXPECT_TRUE(SubscriptionMatcher::Triggers(*by_id, Created(Room("urn:r:2", 1))));
  auto by_pattern = Sub(R"("entities": [{"type": "Room", "idPattern": "urn:r:[0-4]"}])");
  EXPECT_TRUE(SubscriptionMatcher::Triggers(*by_pattern, Created(Room("urn:r:3", 1))));
  EXPECT_FALSE(SubscriptionMatcher::Triggers(*by_pattern, Created(Room("urn:r:7", 1))));

  auto hot = Sub(R"("entities": [{"type": "Room"}], "q": "temperature>30")");
  EXPECT_FALSE(SubscriptionMatcher::Triggers(*hot, Updated(before, Room("urn:r:1", 25))));
  EXPECT_TRUE(SubscriptionMatcher::Triggers(*hot, Updated(before, Room("urn:r:1", 35))));

  auto periodic = Sub(R"("entities": [{"type": "Room"}], "timeInterval": 10)");
  EXPECT_FALSE(SubscriptionMatcher::Triggers(*periodic, Created(before)));
}

TEST(SubscriptionMatcherTest, IndexFindsByTypeOrWatchedAttributeWithinTheTenant) {
  SubscriptionMatcher matcher;
  auto rooms = Sub(R"("entities": [{"type": "Room"}])", "city");
  auto humidity = Sub(R"("watchedAttributes": ["humidity"])", "city");
  auto other_tenant = Sub(R"("entities": [{"type": "Room"}])", "other");
  auto paused = Sub(R"("entities": [{"type": "Room"}], "isActive": false)", "city");
  auto room_two = Sub(R"("entities": [{"type": "Room", "id": "urn:r:2"}])", "city");
  for (const auto& s : {rooms, humidity, other_tenant, paused, room_two}) matcher.Add(s);
  EXPECT_EQ(matcher.size(), 5u);
  Timestamp now = *ParseTimestamp("2024-01-01T00:00:00Z");

  auto matched = matcher.Match("city", Created(Room("urn:r:1", 20)), now);
  ASSERT_EQ(matched.size(), 1u);
  EXPECT_EQ(matched[0], rooms);
  matched = matcher.Match("city", Created(WithHumidity(Room("urn:b:1", 1, "Building"), 3)), now);
  ASSERT_EQ(matched.size(), 1u);
  EXPECT_EQ(matched[0], humidity);
  EXPECT_EQ(matcher.Match("city", Created(WithHumidity(Room("urn:r:1", 1), 3)), now).size(), 2u);

  matched = matcher.Match("city", Created(Room("urn:r:2", 20)), now);
  EXPECT_EQ(matched.size(), 2u) << "by type and by id";

  matcher.Remove("city", rooms->id);
  EXPECT_TRUE(matcher.Match("city", Created(Room("urn:r:1", 20)), now).empty());
  EXPECT_EQ(matcher.Match("other", Created(Room("urn:r:1", 20)), now).size(), 1u);
}

}  // namespace
}  // namespace civitas::notify
