// Single-entity endpoints: create, retrieve (representations, projections,
// media types), replace, merge, delete; and "bad input changes nothing".

#include <gtest/gtest.h>

#include "broker_fixture.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;

class EntitiesTest : public BrokerTest {};

json::object Streetlight(const std::string &id = "urn:ngsi-ld:Streetlight:1") {
  return json::object{{"id", id},
                      {"type", "Streetlight"},
                      {"powerState", Prop("on")},
                      {"illuminanceLevel",
                       {{"type", "Property"},
                        {"value", 0.75},
                        {"unitCode", "C62"},
                        {"observedAt", "2024-05-01T10:00:00Z"},
                        {"accuracy", Prop(0.01)}}},
                      {"refDevice", Rel("urn:ngsi-ld:Device:7")},
                      {"location", Geo(Point(2.17, 41.38))}};
}

TEST_F(EntitiesTest, HealthAndReadiness) {
  EXPECT_EQ(http().Get("/healthz").status, 200);
  EXPECT_EQ(http().Get("/readyz").status, 200);
}

TEST_F(EntitiesTest, CreateRetrieveAndConflict) {
  json::object entity = Streetlight();
  auto created = http().Post(std::string(kApi) + "/entities", entity);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Header("location"),
            "/ngsi-ld/v1/entities/urn:ngsi-ld:Streetlight:1");

  auto again = http().Post(std::string(kApi) + "/entities", entity);
  EXPECT_TRUE(IsProblem(again, 409, "AlreadyExists"));

  auto got = http().Get(EntityUrl("urn:ngsi-ld:Streetlight:1"));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.Header("content-type"), "application/json");
  auto body = got.Json().as_object();
  EXPECT_EQ(body.at("id").as_string(), "urn:ngsi-ld:Streetlight:1");
  EXPECT_EQ(body.at("type").as_string(), "Streetlight");
  EXPECT_EQ(body.at("powerState"), json::value(Prop("on")));
  EXPECT_EQ(body.at("location").at("type").as_string(), "GeoProperty");
  EXPECT_EQ(body.at("refDevice"), json::value(Rel("urn:ngsi-ld:Device:7")));
  const auto &level = body.at("illuminanceLevel").as_object();
  EXPECT_EQ(level.at("value").as_double(), 0.75);
  EXPECT_EQ(level.at("unitCode").as_string(), "C62");
  EXPECT_EQ(level.at("observedAt").as_string(), "2024-05-01T10:00:00Z");
  EXPECT_EQ(level.at("accuracy"), json::value(Prop(0.01)));
  EXPECT_FALSE(body.contains("createdAt"));
  EXPECT_NE(got.Header("link").find("ngsi-ld-core-context"), std::string::npos);
}

TEST_F(EntitiesTest, KeyValuesAndConcise) {
  Create(Streetlight());
  auto kv = Fetch("urn:ngsi-ld:Streetlight:1", "?options=keyValues");
  EXPECT_EQ(kv.at("powerState").as_string(), "on");
  EXPECT_EQ(kv.at("illuminanceLevel").as_double(), 0.75);
  EXPECT_EQ(kv.at("refDevice").as_string(), "urn:ngsi-ld:Device:7");
  EXPECT_EQ(kv.at("location"), json::value(Point(2.17, 41.38)));
  EXPECT_EQ(Fetch("urn:ngsi-ld:Streetlight:1", "?format=keyValues"), kv);

  auto concise = Fetch("urn:ngsi-ld:Streetlight:1", "?options=concise");
  EXPECT_EQ(concise.at("powerState").as_string(), "on");
  EXPECT_EQ(concise.at("location"), json::value(Point(2.17, 41.38)));
  EXPECT_EQ(concise.at("refDevice").at("object").as_string(),
            "urn:ngsi-ld:Device:7");
  EXPECT_FALSE(concise.at("refDevice").as_object().contains("type"));
  EXPECT_EQ(concise.at("illuminanceLevel").at("unitCode").as_string(), "C62");
  EXPECT_EQ(concise.at("illuminanceLevel").at("accuracy").as_double(), 0.01);

  // The concise form is itself valid input that round-trips to the same
  // normalized entity.
  concise["id"] = "urn:ngsi-ld:Streetlight:2";
  Create(concise);
  auto a = Fetch("urn:ngsi-ld:Streetlight:1");
  auto b = Fetch("urn:ngsi-ld:Streetlight:2");
  a.erase("id");
  b.erase("id");
  EXPECT_EQ(a, b);
}

TEST_F(EntitiesTest, SysAttrsAndReplaceKeepsCreatedAt) {
  Create(Streetlight());
  auto before = Fetch("urn:ngsi-ld:Streetlight:1", "?options=sysAttrs");
  ASSERT_TRUE(before.contains("createdAt"));
  ASSERT_TRUE(before.contains("modifiedAt"));
  EXPECT_TRUE(before.at("powerState").as_object().contains("createdAt"));
  EXPECT_TRUE(before.at("powerState").as_object().contains("modifiedAt"));
  std::string created = std::string(before.at("createdAt").as_string());

  auto put = http().Put(
      EntityUrl("urn:ngsi-ld:Streetlight:1"),
      json::object{{"type", "Streetlight"}, {"status", Prop("broken")}});
  ASSERT_EQ(put.status, 204) << put.body;
  auto after = Fetch("urn:ngsi-ld:Streetlight:1", "?options=sysAttrs");
  EXPECT_EQ(after.at("createdAt").as_string(), created);
  EXPECT_GE(MicrosOf(std::string(after.at("modifiedAt").as_string())), MicrosOf(created));
  EXPECT_EQ(after.at("status").at("value").as_string(), "broken");
  EXPECT_FALSE(
      after.contains("powerState")); // replace drops what the body lacks
  EXPECT_FALSE(after.contains("location"));

  // Replacing with a mismatched id or a missing entity fails.
  EXPECT_TRUE(
      IsProblem(http().Put(EntityUrl("urn:ngsi-ld:Streetlight:1"),
                           json::object{{"id", "urn:ngsi-ld:Streetlight:9"},
                                        {"type", "Streetlight"}}),
                400, "BadRequestData"));
  EXPECT_TRUE(IsProblem(http().Put(EntityUrl("urn:ngsi-ld:Streetlight:404"),
                                   json::object{{"type", "Streetlight"}}),
                        404, "ResourceNotFound"));
}

TEST_F(EntitiesTest, AttrsProjection) {
  Create(Streetlight());
  auto only = Fetch("urn:ngsi-ld:Streetlight:1", "?attrs=powerState,location");
  EXPECT_TRUE(only.contains("powerState"));
  EXPECT_TRUE(only.contains("location"));
  EXPECT_FALSE(only.contains("illuminanceLevel"));
  EXPECT_FALSE(only.contains("refDevice"));
  EXPECT_EQ(only.at("id").as_string(), "urn:ngsi-ld:Streetlight:1");
  // Repeated parameters are joined.
  auto repeated =
      Fetch("urn:ngsi-ld:Streetlight:1", "?attrs=powerState&attrs=location");
  EXPECT_EQ(only, repeated);
}

TEST_F(EntitiesTest, RetrieveWithTypeFilter) {
  Create(Streetlight());
  EXPECT_EQ(
      http()
          .Get(EntityUrl("urn:ngsi-ld:Streetlight:1") + "?type=Streetlight")
          .status,
      200);
  EXPECT_TRUE(IsProblem(
      http().Get(EntityUrl("urn:ngsi-ld:Streetlight:1") + "?type=Device"), 404,
      "ResourceNotFound"));
}

TEST_F(EntitiesTest, LdJsonResponseCarriesContext) {
  Create(Streetlight());
  auto r = http().Get(EntityUrl("urn:ngsi-ld:Streetlight:1"),
                      {{"Accept", "application/ld+json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/ld+json");
  EXPECT_TRUE(r.Header("link").empty());
  auto body = r.Json().as_object();
  ASSERT_TRUE(body.contains("@context"));
  EXPECT_NE(json::serialize(body.at("@context")).find("ngsi-ld-core-context"),
            std::string::npos);
  EXPECT_EQ(body.at("powerState").at("value").as_string(), "on");
}

TEST_F(EntitiesTest, GeoJsonFeature) {
  Create(Streetlight());
  auto r = http().Get(EntityUrl("urn:ngsi-ld:Streetlight:1"),
                      {{"Accept", "application/geo+json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/geo+json");
  auto f = r.Json().as_object();
  EXPECT_EQ(f.at("type").as_string(), "Feature");
  EXPECT_EQ(f.at("id").as_string(), "urn:ngsi-ld:Streetlight:1");
  EXPECT_EQ(f.at("geometry"), json::value(Point(2.17, 41.38)));
  EXPECT_EQ(f.at("properties").at("type").as_string(), "Streetlight");
  EXPECT_EQ(f.at("properties").at("powerState").at("value").as_string(), "on");
  EXPECT_FALSE(f.at("properties").as_object().contains("id"));
}

TEST_F(EntitiesTest, MergeKeepsSubAttributesAndNullDeletes) {
  Create(Streetlight());
  auto r =
      http().Patch(EntityUrl("urn:ngsi-ld:Streetlight:1"),
                   json::object{{"illuminanceLevel",
                                 {{"value", 0.5}, {"note", Prop("dimmed")}}},
                                {"powerState", "urn:ngsi-ld:null"},
                                {"colour", Prop("amber")}});
  ASSERT_EQ(r.status, 204) << r.body;
  auto e = Fetch("urn:ngsi-ld:Streetlight:1");
  EXPECT_FALSE(e.contains("powerState"));
  EXPECT_EQ(e.at("colour").at("value").as_string(), "amber");
  const auto &level = e.at("illuminanceLevel").as_object();
  EXPECT_EQ(level.at("value").as_double(), 0.5);
  EXPECT_EQ(level.at("unitCode").as_string(), "C62"); // kept
  EXPECT_EQ(level.at("accuracy"),
            json::value(Prop(0.01))); // sub-attribute kept
  EXPECT_EQ(level.at("note").at("value").as_string(),
            "dimmed"); // sub-attribute added
  EXPECT_TRUE(e.contains("location"));

  // merge-patch+json is accepted too; a null sub-attribute deletes it.
  r = http().Send(
      "PATCH", EntityUrl("urn:ngsi-ld:Streetlight:1"),
      R"({"illuminanceLevel":{"value":0.6,"accuracy":"urn:ngsi-ld:null"}})",
      {{"Content-Type", "application/merge-patch+json"}});
  ASSERT_EQ(r.status, 204) << r.body;
  e = Fetch("urn:ngsi-ld:Streetlight:1");
  EXPECT_FALSE(e.at("illuminanceLevel").as_object().contains("accuracy"));
  EXPECT_EQ(e.at("illuminanceLevel").at("note").at("value").as_string(),
            "dimmed");

  EXPECT_TRUE(IsProblem(http().Patch(EntityUrl("urn:ngsi-ld:Streetlight:404"),
                                     json::object{{"a", Prop(1)}}),
                        404, "ResourceNotFound"));
}

TEST_F(EntitiesTest, DeleteThenNotFound) {
  Create(Streetlight());
  EXPECT_EQ(http().Delete(EntityUrl("urn:ngsi-ld:Streetlight:1")).status, 204);
  EXPECT_TRUE(IsProblem(http().Get(EntityUrl("urn:ngsi-ld:Streetlight:1")), 404,
                        "ResourceNotFound"));
  EXPECT_TRUE(IsProblem(http().Delete(EntityUrl("urn:ngsi-ld:Streetlight:1")),
                        404, "ResourceNotFound"));
  // The id is free again.
  Create(Streetlight());
}

TEST_F(EntitiesTest, CreateRejectsBadInput) {
  const std::string url = std::string(kApi) + "/entities";
  EXPECT_TRUE(IsProblem(http().Post(url, json::object{{"type", "T"}}), 400,
                        "BadRequestData"));
  EXPECT_TRUE(
      IsProblem(http().Post(url, json::object{{"id", "urn:ngsi-ld:T:1"}}), 400,
                "BadRequestData"));
  EXPECT_TRUE(IsProblem(
      http().Post(url, json::object{{"id", "not a uri"}, {"type", "T"}}), 400,
      "BadRequestData"));
  EXPECT_TRUE(
      IsProblem(http().Post(url, json::object{{"id", 42}, {"type", "T"}}), 400,
                "BadRequestData"));
  EXPECT_TRUE(IsProblem(
      http().Post(url, json::object{{"id", "urn:ngsi-ld:T:1"},
                                    {"type", "T"},
                                    {"a", {{"type", "Banana"}, {"value", 1}}}}),
      400, "BadRequestData"));
  EXPECT_TRUE(IsProblem(
      http().Post(url,
                  json::object{
                      {"id", "urn:ngsi-ld:T:1"},
                      {"type", "T"},
                      {"r", {{"type", "Relationship"}, {"object", "no uri"}}}}),
      400, "BadRequestData"));
  EXPECT_TRUE(
      IsProblem(http().Post(url, json::object{{"id", "urn:ngsi-ld:T:1"},
                                              {"type", "T"},
                                              {"p", {{"type", "Property"}}}}),
                400, "BadRequestData"));
  EXPECT_TRUE(IsProblem(
      http().Post(url,
                  json::object{{"id", "urn:ngsi-ld:T:1"},
                               {"type", "T"},
                               {"g", Geo(json::object{
                                         {"type", "Point"},
                                         {"coordinates", json::array{1}}})}}),
      400, "BadRequestData"));
  EXPECT_TRUE(IsProblem(http().Post(url, json::object{{"id", "urn:ngsi-ld:T:1"},
                                                      {"type", "T"},
                                                      {"bad name", Prop(1)}}),
                        400, "BadRequestData"));
  EXPECT_TRUE(IsProblem(http().Send("POST", url, "{\"id\": ", {}), 400,
                        "InvalidRequest"));
  EXPECT_TRUE(
      IsProblem(http().Send("POST", url, "[1,2]", {}), 400, "BadRequestData"));
  EXPECT_TRUE(IsProblem(http().Send("POST", url,
                                    R"({"id":"urn:ngsi-ld:T:1","type":"T"})",
                                    {{"Content-Type", "text/plain"}}),
                        415, "UnsupportedMediaType"));
  EXPECT_TRUE(IsProblem(
      http().Post(url, json::object{{"id", "urn:ngsi-ld:T:1"}, {"type", "T"}},
                  {{"Accept", "text/html"}}),
      406, "NotAcceptable"));
  // None of those created anything.
  EXPECT_TRUE(IsProblem(http().Get(EntityUrl("urn:ngsi-ld:T:1")), 404,
                        "ResourceNotFound"));
}

// Every rejected write leaves the entity exactly as it was.
TEST_F(EntitiesTest, RejectedWritesChangeNothing) {
  Create(Streetlight());
  const std::string id = "urn:ngsi-ld:Streetlight:1";
  auto original = Fetch(id, "?options=sysAttrs");
  const std::string url = EntityUrl(id);
  json::object bad_attr{{"powerState", Prop("off")},
                        {"broken", {{"type", "Relationship"}, {"object", 3}}}};

  EXPECT_EQ(http()
                .Put(url, json::object{{"type", "Streetlight"},
                                       {"x", {{"type", "Nope"}}}})
                .status,
            400);
  EXPECT_EQ(http().Patch(url, bad_attr).status, 400);
  EXPECT_EQ(http().Post(url + "/attrs", bad_attr).status, 400);
  EXPECT_EQ(http().Patch(url + "/attrs", bad_attr).status, 400);
  EXPECT_EQ(http().Send("PATCH", url, "{\"powerState\":", {}).status, 400);
  EXPECT_EQ(http()
                .Send("PATCH", url, R"({"powerState":{"value":"off"}})",
                      {{"Content-Type", "text/plain"}})
                .status,
            415);
  EXPECT_EQ(
      http()
          .Patch(url + "/attrs/powerState",
                 json::object{{"type", "Relationship"}, {"object", "x y"}})
          .status,
      400);
  EXPECT_EQ(http()
                .Put(url + "/attrs/powerState",
                     json::object{{"type", "GeoProperty"}, {"value", 5}})
                .status,
            400);
  EXPECT_EQ(
      http()
          .Post(url + "/attrs",
                json::object{
                    {"location", Geo(json::object{{"type", "Polygon"},
                                                  {"coordinates",
                                                   json::array{json::array{
                                                       json::array{0, 0},
                                                       json::array{1, 1}}}}})}})
          .status,
      400);
  EXPECT_EQ(http().Post(std::string(kApi) + "/entities", Streetlight()).status,
            409);
  EXPECT_EQ(
      http()
          .Patch(url, json::object{{"powerState", Prop("off")}},
                 {{"Link", LinkTo("https://example.invalid/nowhere.jsonld")}})
          .status,
      503);
  EXPECT_EQ(http().Delete(url + "/attrs/nothing").status, 404);
  EXPECT_EQ(Fetch(id, "?options=sysAttrs"), original);
}

} // namespace
} // namespace civitas::testing
