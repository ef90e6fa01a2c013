// NGSILD-Tenant isolation, unknown and invalid tenants, and persistence across
// restarts.

#include <gtest/gtest.h>

#include "broker_fixture.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;

class TenantsTest : public BrokerTest {};

json::object Meter(const std::string &id, int v) {
  return json::object{{"id", id}, {"type", "Meter"}, {"reading", Prop(v)}};
}

TEST_F(TenantsTest, TenantsAreIsolated) {
  Create(Meter("urn:ngsi-ld:Meter:1", 1));
  Create(Meter("urn:ngsi-ld:Meter:1", 2), {{"NGSILD-Tenant", "city-a"}});
  Create(Meter("urn:ngsi-ld:Meter:2", 3), {{"NGSILD-Tenant", "city-a"}});

  EXPECT_EQ(Fetch("urn:ngsi-ld:Meter:1", "?options=keyValues")
                .at("reading")
                .as_int64(),
            1);
  EXPECT_EQ(Fetch("urn:ngsi-ld:Meter:1", "?options=keyValues",
                  {{"NGSILD-Tenant", "city-a"}})
                .at("reading")
                .as_int64(),
            2);
  EXPECT_EQ(Ids(Query("type=Meter")),
            std::vector<std::string>{"urn:ngsi-ld:Meter:1"});
  EXPECT_EQ(
      Ids(Query("type=Meter", {{"NGSILD-Tenant", "city-a"}})),
      (std::vector<std::string>{"urn:ngsi-ld:Meter:1", "urn:ngsi-ld:Meter:2"}));
  EXPECT_EQ(http().Get(EntityUrl("urn:ngsi-ld:Meter:2")).status, 404);

  // Writes and deletes stay in their tenant.
  ASSERT_EQ(http()
                .Patch(EntityUrl("urn:ngsi-ld:Meter:1") + "/attrs",
                       json::object{{"reading", Prop(5)}},
                       {{"NGSILD-Tenant", "city-a"}})
                .status,
            204);
  EXPECT_EQ(Fetch("urn:ngsi-ld:Meter:1", "?options=keyValues")
                .at("reading")
                .as_int64(),
            1);
  ASSERT_EQ(http()
                .Delete(EntityUrl("urn:ngsi-ld:Meter:1"),
                        {{"NGSILD-Tenant", "city-a"}})
                .status,
            204);
  EXPECT_EQ(http().Get(EntityUrl("urn:ngsi-ld:Meter:1")).status, 200);

  // Discovery is per tenant.
  auto types =
      http().Get(std::string(kApi) + "/types", {{"NGSILD-Tenant", "city-a"}});
  ASSERT_EQ(types.status, 200);
  EXPECT_EQ(types.Json().at("typeList"), json::value(json::array{"Meter"}));

  Restart();
  EXPECT_EQ(Ids(Query("type=Meter", {{"NGSILD-Tenant", "city-a"}})),
            std::vector<std::string>{"urn:ngsi-ld:Meter:2"});
  EXPECT_EQ(Fetch("urn:ngsi-ld:Meter:1", "?options=keyValues")
                .at("reading")
                .as_int64(),
            1);
}

TEST_F(TenantsTest, UnknownTenantIsNotFound) {
  const std::map<std::string, std::string> ghost{{"NGSILD-Tenant", "ghost"}};
  EXPECT_TRUE(IsProblem(http().Get(EntityUrl("urn:ngsi-ld:Meter:1"), ghost),
                        404, "NonexistentTenant"));
  EXPECT_TRUE(
      IsProblem(http().Get(std::string(kApi) + "/entities?type=Meter", ghost),
                404, "NonexistentTenant"));
  EXPECT_TRUE(IsProblem(http().Get(std::string(kApi) + "/types", ghost), 404,
                        "NonexistentTenant"));
  EXPECT_TRUE(IsProblem(http().Get(std::string(kApi) + "/attributes", ghost),
                        404, "NonexistentTenant"));
  EXPECT_TRUE(IsProblem(http().Delete(EntityUrl("urn:ngsi-ld:Meter:1"), ghost),
                        404, "NonexistentTenant"));
  EXPECT_TRUE(
      IsProblem(http().Patch(EntityUrl("urn:ngsi-ld:Meter:1") + "/attrs",
                             json::object{{"reading", Prop(1)}}, ghost),
                404, "NonexistentTenant"));
  EXPECT_TRUE(IsProblem(http().Patch(EntityUrl("urn:ngsi-ld:Meter:1"),
                                     json::object{{"reading", Prop(1)}}, ghost),
                        404, "NonexistentTenant"));
  EXPECT_TRUE(IsProblem(http().Put(EntityUrl("urn:ngsi-ld:Meter:1"),
                                   json::object{{"type", "Meter"}}, ghost),
                        404, "NonexistentTenant"));
  // Failed writes did not create the tenant.
  EXPECT_TRUE(IsProblem(http().Get(std::string(kApi) + "/types", ghost), 404,
                        "NonexistentTenant"));
  // A create does.
  Create(Meter("urn:ngsi-ld:Meter:1", 1), ghost);
  EXPECT_EQ(http().Get(std::string(kApi) + "/types", ghost).status, 200);
}

TEST_F(TenantsTest, InvalidTenantNames) {
  for (const char *bad : {"has space", "slash/y", "semi;colon",
                          "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                          "xxxxxxxxxxxxxxxxxxx"}) {
    EXPECT_TRUE(IsProblem(http().Post(std::string(kApi) + "/entities",
                                      Meter("urn:ngsi-ld:Meter:9", 1),
                                      {{"NGSILD-Tenant", bad}}),
                          400, "BadRequestData"))
        << bad;
    EXPECT_TRUE(IsProblem(
        http().Get(std::string(kApi) + "/types", {{"NGSILD-Tenant", bad}}), 400,
        "BadRequestData"))
        << bad;
  }
}

TEST_F(TenantsTest, EverythingSurvivesRestart) {
  Create(json::object{
      {"id", "urn:ngsi-ld:Meter:1"},
      {"type", json::array{"Meter", "Device"}},
      {"reading",
       {{"type", "Property"},
        {"value", 3.5},
        {"unitCode", "KWH"},
        {"observedAt", "2024-02-03T04:05:06Z"}}},
      {"location", Geo(Point(1, 2))},
      {"name",
       {{"type", "LanguageProperty"}, {"languageMap", {{"en", "meter"}}}}}});
  auto before = Fetch("urn:ngsi-ld:Meter:1", "?options=sysAttrs");
  Restart();
  EXPECT_EQ(Fetch("urn:ngsi-ld:Meter:1", "?options=sysAttrs"), before);
  // Indexes survive too.
  EXPECT_EQ(Ids(Query("type=Device&q=reading>3&georel=near%3BmaxDistance%3D%"
                      "3D100&geometry=Point&coordinates=%5B1,2%5D")),
            std::vector<std::string>{"urn:ngsi-ld:Meter:1"});
}

} // namespace
} // namespace civitas::testing
