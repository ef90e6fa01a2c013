// Discovery: /types, /types/{type}, /attributes, /attributes/{attr}, with
// details, and counts that follow creates, attribute deletes and entity
// deletes.

#include <set>

#include <gtest/gtest.h>

#include "broker_fixture.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;

class DiscoveryTest : public BrokerTest {
protected:
  void SetUp() override {
    BrokerTest::SetUp();
    Create(json::object{{"id", "urn:ngsi-ld:Bike:1"},
                        {"type", "Bike"},
                        {"speed", Prop(1)},
                        {"location", Geo(Point(1, 1))}});
    Create(json::object{
        {"id", "urn:ngsi-ld:Bike:2"}, {"type", "Bike"}, {"speed", Prop(2)}});
    Create(json::object{{"id", "urn:ngsi-ld:Dock:1"},
                        {"type", "Dock"},
                        {"capacity", Prop(10)},
                        {"near", Rel("urn:ngsi-ld:Bike:1")},
                        {"speed", Prop(0)}});
  }
  json::value GetJson(const std::string &path) {
    auto r = http().Get(std::string(kApi) + path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return r.status == 200 ? r.Json() : json::value();
  }
  static std::set<std::string> Strings(const json::value &array) {
    std::set<std::string> out;
    for (const auto &v : array.as_array())
      out.emplace(v.as_string());
    return out;
  }
};

TEST_F(DiscoveryTest, Types) {
  auto list = GetJson("/types").as_object();
  EXPECT_EQ(list.at("type").as_string(), "EntityTypeList");
  EXPECT_TRUE(list.contains("id"));
  EXPECT_EQ(Strings(list.at("typeList")),
            (std::set<std::string>{"Bike", "Dock"}));

  auto details = GetJson("/types?details=true").as_array();
  ASSERT_EQ(details.size(), 2u);
  for (const auto &t : details) {
    EXPECT_EQ(t.at("type").as_string(), "EntityType");
    if (t.at("typeName") == "Bike") {
      EXPECT_EQ(Strings(t.at("attributeNames")),
                (std::set<std::string>{"speed", "location"}));
    } else {
      EXPECT_EQ(Strings(t.at("attributeNames")),
                (std::set<std::string>{"capacity", "near", "speed"}));
    }
  }

  auto bike = GetJson("/types/Bike").as_object();
  EXPECT_EQ(bike.at("type").as_string(), "EntityTypeInfo");
  EXPECT_EQ(bike.at("typeName").as_string(), "Bike");
  EXPECT_EQ(bike.at("entityCount").as_int64(), 2);
  std::map<std::string, std::set<std::string>> kinds;
  for (const auto &a : bike.at("attributeDetails").as_array()) {
    kinds[std::string(a.at("attributeName").as_string())] =
        Strings(a.at("attributeTypes"));
  }
  EXPECT_EQ(kinds["location"], std::set<std::string>{"GeoProperty"});
  EXPECT_EQ(kinds["speed"], std::set<std::string>{"Property"});
  EXPECT_TRUE(IsProblem(http().Get(std::string(kApi) + "/types/Tram"), 404,
                        "ResourceNotFound"));
}

TEST_F(DiscoveryTest, Attributes) {
  auto list = GetJson("/attributes").as_object();
  EXPECT_EQ(list.at("type").as_string(), "AttributeList");
  EXPECT_EQ(Strings(list.at("attributeList")),
            (std::set<std::string>{"speed", "location", "capacity", "near"}));
  auto details = GetJson("/attributes?details=true").as_array();
  EXPECT_EQ(details.size(), 4u);
  for (const auto &a : details) {
    EXPECT_EQ(a.at("type").as_string(), "Attribute");
    if (a.at("attributeName") == "speed") {
      EXPECT_EQ(Strings(a.at("typeNames")),
                (std::set<std::string>{"Bike", "Dock"}));
    }
  }
  auto speed = GetJson("/attributes/speed").as_object();
  EXPECT_EQ(speed.at("attributeCount").as_int64(), 3);
  EXPECT_EQ(Strings(speed.at("typeNames")),
            (std::set<std::string>{"Bike", "Dock"}));
  EXPECT_EQ(Strings(speed.at("attributeTypes")),
            std::set<std::string>{"Property"});
  auto near = GetJson("/attributes/near").as_object();
  EXPECT_EQ(Strings(near.at("attributeTypes")),
            std::set<std::string>{"Relationship"});
  EXPECT_TRUE(IsProblem(http().Get(std::string(kApi) + "/attributes/colour"),
                        404, "ResourceNotFound"));
}

TEST_F(DiscoveryTest, CountsFollowDeletes) {
  ASSERT_EQ(http().Delete(EntityUrl("urn:ngsi-ld:Bike:2")).status, 204);
  EXPECT_EQ(GetJson("/types/Bike").at("entityCount").as_int64(), 1);
  EXPECT_EQ(GetJson("/attributes/speed").at("attributeCount").as_int64(), 2);
  ASSERT_EQ(
      http().Delete(EntityUrl("urn:ngsi-ld:Dock:1") + "/attrs/near").status,
      204);
  EXPECT_TRUE(IsProblem(http().Get(std::string(kApi) + "/attributes/near"), 404,
                        "ResourceNotFound"));
  ASSERT_EQ(http().Delete(EntityUrl("urn:ngsi-ld:Dock:1")).status, 204);
  EXPECT_TRUE(IsProblem(http().Get(std::string(kApi) + "/types/Dock"), 404,
                        "ResourceNotFound"));
  EXPECT_EQ(Strings(GetJson("/types").at("typeList")),
            std::set<std::string>{"Bike"});
  EXPECT_EQ(Strings(GetJson("/attributes").at("attributeList")),
            (std::set<std::string>{"speed", "location"}));
  // Replacing an entity moves its counts.
  ASSERT_EQ(http()
                .Put(EntityUrl("urn:ngsi-ld:Bike:1"),
                     json::object{{"type", "Scooter"}, {"charge", Prop(80)}})
                .status,
            204);
  EXPECT_EQ(Strings(GetJson("/types").at("typeList")),
            std::set<std::string>{"Scooter"});
  EXPECT_EQ(Strings(GetJson("/attributes").at("attributeList")),
            std::set<std::string>{"charge"});
  Restart();
  EXPECT_EQ(GetJson("/types/Scooter").at("entityCount").as_int64(), 1);
}

} // namespace
} // namespace civitas::testing
