// /entities/{id}/attrs and /entities/{id}/attrs/{attrId}: append, update,
// partial update, replace and delete of attributes, multi-instance attributes,
// and every attribute kind.

#include <gtest/gtest.h>

#include "broker_fixture.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;

constexpr const char *kId = "urn:ngsi-ld:Room:1";

class AttrsTest : public BrokerTest {
protected:
  void SetUp() override {
    BrokerTest::SetUp();
    Create(json::object{
        {"id", kId},
        {"type", "Room"},
        {"temperature",
         {{"type", "Property"}, {"value", 21}, {"unitCode", "CEL"}}},
        {"humidity", Prop(40)}});
  }
  std::string Url(const std::string &suffix = "") {
    return EntityUrl(kId) + "/attrs" + suffix;
  }
};

TEST_F(AttrsTest, AppendAddsAndOverwrites) {
  auto r = http().Post(
      Url(), json::object{{"temperature", Prop(22)}, {"pressure", Prop(1013)}});
  ASSERT_EQ(r.status, 204) << r.body;
  auto e = Fetch(kId);
  EXPECT_EQ(e.at("temperature").at("value").as_int64(), 22);
  EXPECT_FALSE(e.at("temperature")
                   .as_object()
                   .contains("unitCode")); // overwritten whole
  EXPECT_EQ(e.at("pressure").at("value").as_int64(), 1013);
  EXPECT_EQ(e.at("humidity").at("value").as_int64(), 40);
}

TEST_F(AttrsTest, AppendNoOverwriteReportsNotUpdated) {
  auto r = http().Post(
      Url("?options=noOverwrite"),
      json::object{{"temperature", Prop(99)}, {"pressure", Prop(1013)}});
  ASSERT_EQ(r.status, 207) << r.body;
  auto body = r.Json().as_object();
  EXPECT_EQ(body.at("updated"), json::value(json::array{"pressure"}));
  ASSERT_EQ(body.at("notUpdated").as_array().size(), 1u);
  EXPECT_EQ(body.at("notUpdated").at(0).at("attributeName").as_string(),
            "temperature");
  EXPECT_FALSE(body.at("notUpdated").at(0).at("reason").as_string().empty());
  auto e = Fetch(kId);
  EXPECT_EQ(e.at("temperature").at("value").as_int64(), 21);
  EXPECT_EQ(e.at("pressure").at("value").as_int64(), 1013);
}

TEST_F(AttrsTest, UpdateExistingOnlyWith207ForUnknown) {
  auto r = http().Patch(Url(), json::object{{"humidity", Prop(45)}});
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(Fetch(kId).at("humidity").at("value").as_int64(), 45);

  r = http().Patch(Url(),
                   json::object{{"humidity", Prop(50)}, {"co2", Prop(400)}});
  ASSERT_EQ(r.status, 207) << r.body;
  auto body = r.Json().as_object();
  EXPECT_EQ(body.at("updated"), json::value(json::array{"humidity"}));
  EXPECT_EQ(body.at("notUpdated").at(0).at("attributeName").as_string(), "co2");
  auto e = Fetch(kId);
  EXPECT_EQ(e.at("humidity").at("value").as_int64(), 50);
  EXPECT_FALSE(e.contains("co2"));
}

TEST_F(AttrsTest, AttrsOnMissingEntityOrEmptyBody) {
  const std::string missing = EntityUrl("urn:ngsi-ld:Room:404") + "/attrs";
  EXPECT_TRUE(IsProblem(http().Post(missing, json::object{{"a", Prop(1)}}), 404,
                        "ResourceNotFound"));
  EXPECT_TRUE(IsProblem(http().Patch(missing, json::object{{"a", Prop(1)}}),
                        404, "ResourceNotFound"));
  EXPECT_TRUE(IsProblem(http().Patch(missing + "/a", Prop(1)), 404,
                        "ResourceNotFound"));
  EXPECT_TRUE(
      IsProblem(http().Delete(missing + "/a"), 404, "ResourceNotFound"));
  EXPECT_TRUE(
      IsProblem(http().Post(Url(), json::object{}), 400, "BadRequestData"));
  EXPECT_TRUE(
      IsProblem(http().Post(Url(), json::object{{"id", kId}, {"type", "Room"}}),
                400, "BadRequestData"));
}

TEST_F(AttrsTest, PartialUpdateOfOneAttribute) {
  auto r = http().Patch(Url("/temperature"), json::object{{"value", 23}});
  ASSERT_EQ(r.status, 204) << r.body;
  auto t = Fetch(kId).at("temperature").as_object();
  EXPECT_EQ(t.at("value").as_int64(), 23);
  EXPECT_EQ(t.at("unitCode").as_string(), "CEL"); // kept by the partial update

  // Only metadata: the value stays.
  r = http().Patch(Url("/temperature"),
                   json::object{{"observedAt", "2024-06-01T12:00:00Z"}});
  ASSERT_EQ(r.status, 204) << r.body;
  t = Fetch(kId).at("temperature").as_object();
  EXPECT_EQ(t.at("value").as_int64(), 23);
  EXPECT_EQ(t.at("observedAt").as_string(), "2024-06-01T12:00:00Z");

  EXPECT_TRUE(
      IsProblem(http().Patch(Url("/nothing"), json::object{{"value", 1}}), 404,
                "ResourceNotFound"));
  EXPECT_TRUE(IsProblem(http().Patch(Url("/temperature"),
                                     json::object{{"observedAt", "yesterday"}}),
                        400, "BadRequestData"));
}

TEST_F(AttrsTest, ReplaceOneAttribute) {
  auto r = http().Put(Url("/temperature"),
                      json::object{{"type", "Property"}, {"value", 30}});
  ASSERT_EQ(r.status, 204) << r.body;
  auto t = Fetch(kId).at("temperature").as_object();
  EXPECT_EQ(t.at("value").as_int64(), 30);
  EXPECT_FALSE(t.contains("unitCode")); // replaced whole
  EXPECT_TRUE(
      IsProblem(http().Put(Url("/nothing"), Prop(1)), 404, "ResourceNotFound"));
}

TEST_F(AttrsTest, DeleteAttribute) {
  EXPECT_EQ(http().Delete(Url("/humidity")).status, 204);
  EXPECT_FALSE(Fetch(kId).contains("humidity"));
  EXPECT_TRUE(
      IsProblem(http().Delete(Url("/humidity")), 404, "ResourceNotFound"));
  EXPECT_TRUE(Fetch(kId).contains("temperature"));
}

TEST_F(AttrsTest, MultiInstanceAttributesByDatasetId) {
  json::array instances{json::object{{"type", "Property"}, {"value", 1}},
                        json::object{{"type", "Property"},
                                     {"value", 2},
                                     {"datasetId", "urn:ngsi-ld:Dataset:a"}},
                        json::object{{"type", "Property"},
                                     {"value", 3},
                                     {"datasetId", "urn:ngsi-ld:Dataset:b"}}};
  ASSERT_EQ(http().Post(Url(), json::object{{"speed", instances}}).status, 204);
  auto speed = Fetch(kId).at("speed");
  ASSERT_TRUE(speed.is_array()) << speed;
  EXPECT_EQ(speed.as_array().size(), 3u);

  // Two instances with the same datasetId are rejected.
  EXPECT_TRUE(IsProblem(
      http().Post(Url(), json::object{{"dup", json::array{Prop(1), Prop(2)}}}),
      400, "BadRequestData"));

  // Partial update of one instance, addressed by datasetId in the body.
  ASSERT_EQ(http()
                .Patch(Url("/speed"),
                       json::object{{"value", 20},
                                    {"datasetId", "urn:ngsi-ld:Dataset:a"}})
                .status,
            204);
  // Delete one instance.
  ASSERT_EQ(http().Delete(Url("/speed?datasetId=urn:ngsi-ld:Dataset:b")).status,
            204);
  speed = Fetch(kId).at("speed");
  ASSERT_TRUE(speed.is_array()) << speed;
  ASSERT_EQ(speed.as_array().size(), 2u);
  std::map<std::string, int64_t> by_dataset;
  for (const auto &i : speed.as_array()) {
    const auto *d = i.as_object().if_contains("datasetId");
    by_dataset[d ? std::string(d->as_string()) : ""] = i.at("value").as_int64();
  }
  EXPECT_EQ(by_dataset, (std::map<std::string, int64_t>{
                            {"", 1}, {"urn:ngsi-ld:Dataset:a", 20}}));
  EXPECT_TRUE(
      IsProblem(http().Delete(Url("/speed?datasetId=urn:ngsi-ld:Dataset:b")),
                404, "ResourceNotFound"));
  EXPECT_TRUE(IsProblem(
      http().Patch(
          Url("/speed"),
          json::object{{"value", 1}, {"datasetId", "urn:ngsi-ld:Dataset:zz"}}),
      404, "ResourceNotFound"));
  // Deleting the default instance leaves the other.
  ASSERT_EQ(http().Delete(Url("/speed")).status, 204);
  speed = Fetch(kId).at("speed");
  ASSERT_TRUE(speed.is_object()) << speed;
  EXPECT_EQ(speed.at("datasetId").as_string(), "urn:ngsi-ld:Dataset:a");
  // deleteAll removes every instance.
  ASSERT_EQ(http().Post(Url(), json::object{{"speed", instances}}).status, 204);
  ASSERT_EQ(http().Delete(Url("/speed?deleteAll=true")).status, 204);
  EXPECT_FALSE(Fetch(kId).contains("speed"));
}

TEST_F(AttrsTest, LanguageProperty) {
  ASSERT_EQ(
      http()
          .Post(Url(),
                json::object{{"name",
                              {{"type", "LanguageProperty"},
                               {"languageMap",
                                {{"en", "Kitchen"}, {"fr", "Cuisine"}}}}}})
          .status,
      204);
  auto name = Fetch(kId).at("name").as_object();
  EXPECT_EQ(name.at("type").as_string(), "LanguageProperty");
  EXPECT_EQ(name.at("languageMap").at("fr").as_string(), "Cuisine");

  auto fr = Fetch(kId, "?lang=fr").at("name").as_object();
  EXPECT_EQ(fr.at("type").as_string(), "Property");
  EXPECT_EQ(fr.at("value").as_string(), "Cuisine");
  EXPECT_EQ(fr.at("lang").as_string(), "fr");
  EXPECT_EQ(Fetch(kId, "?options=keyValues&lang=en").at("name").as_string(),
            "Kitchen");
  EXPECT_EQ(
      Fetch(kId, "?options=keyValues&lang=*").at("name").at("fr").as_string(),
      "Cuisine");

  EXPECT_TRUE(IsProblem(
      http().Post(Url(), json::object{{"bad",
                                       {{"type", "LanguageProperty"},
                                        {"languageMap", json::object{}}}}}),
      400, "BadRequestData"));
}

TEST_F(AttrsTest, RelationshipsAndOtherKinds) {
  json::object attrs{
      {"isIn", Rel("urn:ngsi-ld:Building:1")},
      {"sensors",
       {{"type", "ListRelationship"},
        {"objectList",
         json::array{json::object{{"object", "urn:ngsi-ld:Sensor:1"}},
                     json::object{{"object", "urn:ngsi-ld:Sensor:2"}}}}}},
      {"readings",
       {{"type", "ListProperty"}, {"valueList", json::array{1, 2, 3}}}},
      {"category", {{"type", "VocabProperty"}, {"vocab", "office"}}},
      {"config",
       {{"type", "JsonProperty"},
        {"json", {{"type", "not-an-attribute"}, {"n", 1}}}}}};
  ASSERT_EQ(http().Post(Url(), attrs).status, 204);
  auto e = Fetch(kId);
  for (const auto &[name, attr] : attrs) {
    EXPECT_EQ(e.at(name), attr) << name;
  }
  EXPECT_EQ(Fetch(kId, "?options=keyValues").at("isIn").as_string(),
            "urn:ngsi-ld:Building:1");
}

TEST_F(AttrsTest, NestedSubAttributes) {
  json::object deep{{"type", "Property"},
                    {"value", 1},
                    {"calibration",
                     {{"type", "Property"},
                      {"value", "2024-01-01"},
                      {"by",
                       {{"type", "Relationship"},
                        {"object", "urn:ngsi-ld:Person:1"},
                        {"since", Prop(2020)}}}}}};
  ASSERT_EQ(http().Post(Url(), json::object{{"level", deep}}).status, 204);
  EXPECT_EQ(Fetch(kId).at("level"), json::value(deep));
  // A partial update merges into the nested structure.
  ASSERT_EQ(http()
                .Patch(Url("/level"), json::object{{"calibration",
                                                    {{"type", "Property"},
                                                     {"value", "2025-01-01"}}}})
                .status,
            204);
  auto level = Fetch(kId).at("level");
  EXPECT_EQ(level.at("value").as_int64(), 1);
  EXPECT_EQ(level.at("calibration").at("value").as_string(), "2025-01-01");
  EXPECT_EQ(level.at("calibration").at("by").at("since").at("value").as_int64(),
            2020);
}

class GeometryKindsTest : public AttrsTest,
                          public ::testing::WithParamInterface<const char *> {};

TEST_P(GeometryKindsTest, RoundTrips) {
  json::value geometry = json::parse(GetParam());
  ASSERT_EQ(http().Post(Url(), json::object{{"area", Geo(geometry)}}).status,
            204);
  auto area = Fetch(kId).at("area");
  EXPECT_EQ(area.at("type").as_string(), "GeoProperty");
  EXPECT_EQ(area.at("value"), geometry);
  EXPECT_EQ(Fetch(kId, "?options=keyValues").at("area"), geometry);
  // As a concise bare geometry it is a GeoProperty too.
  ASSERT_EQ(http().Post(Url(), json::object{{"area2", geometry}}).status, 204);
  EXPECT_EQ(Fetch(kId).at("area2").at("type").as_string(), "GeoProperty");
}

INSTANTIATE_TEST_SUITE_P(
    AllGeoJsonTypes, GeometryKindsTest,
    ::testing::Values(
        R"({"type":"Point","coordinates":[2.1,41.3]})",
        R"({"type":"MultiPoint","coordinates":[[2.1,41.3],[2.2,41.4]]})",
        R"({"type":"LineString","coordinates":[[2.1,41.3],[2.2,41.4]]})",
        R"({"type":"MultiLineString","coordinates":[[[2.1,41.3],[2.2,41.4]],[[3,4],[3.5,4.5]]]})",
        R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]})",
        R"({"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]})"));

} // namespace
} // namespace civitas::testing
