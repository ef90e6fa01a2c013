#include "civitas/ingest/bulk.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "civitas/model/entity_json.h"
#include "src/ingest/contexts_test_fixture.h"

namespace civitas::ingest {
namespace {

using BulkTest = ContextsTest;

TEST_F(BulkTest, ParsesNormalizedAndConciseLines) {
  auto normalized = ParseImportEntity(
      R"({"id":"urn:ngsi-ld:Thing:1","type":"Thing","t":{"type":"Property","value":21.5,"observedAt":"2026-01-01T00:00:00Z"}})",
      *contexts_);
  ASSERT_TRUE(normalized.ok()) << normalized.status().message();
  EXPECT_EQ(normalized->id, "urn:ngsi-ld:Thing:1");
  ASSERT_NE(normalized->Find("https://uri.etsi.org/ngsi-ld/default-context/t"), nullptr);
  auto concise =
      ParseImportEntity(R"({"id":"urn:ngsi-ld:Thing:2","type":"Thing","n":"two"})", *contexts_);
  ASSERT_TRUE(concise.ok()) << concise.status().message();
}

TEST_F(BulkTest, RejectsMalformedRecordsWithReasons) {
  struct Case {
    const char* text;
    StatusCode code;
    const char* reason;
  } cases[] = {
      {R"({"id":"urn:ngsi-ld:T:1",)", StatusCode::kBadRequestData, "not valid JSON"},
      {R"({"id":"not a uri","type":"T"})", StatusCode::kBadRequestData, "URI"},
      {R"({"type":"T"})", StatusCode::kBadRequestData, "id"},
      {R"([1,2])", StatusCode::kBadRequestData, "object"},
      {R"({"id":"urn:ngsi-ld:T:1","type":"T","@context":"https://example.org/unknown.jsonld"})",
       StatusCode::kLdContextNotAvailable, "example.org"},
      // Found by bulk_fuzz: such a name could not be exported and imported back.
      {R"({"id":"urn:ngsi-ld:T:1","type":"T","@context":{"a":"http:(/example.org/a"},"a":1})",
       StatusCode::kBadRequestData, "unusable IRI"},
      {R"({"id":"urn:ngsi-ld:T:1","type":"T","createdAt":"yesterday"})",
       StatusCode::kBadRequestData, "createdAt: "},
      {R"({"id":"urn:ngsi-ld:T:1","type":"T","a":{"value":1,"modifiedAt":7}})",
       StatusCode::kBadRequestData, "modifiedAt must be a date-time string"},
      {R"({"id":"urn:ngsi-ld:T:1","type":"T","createdAt":"9000-01-01T00:00:00Z"})",
       StatusCode::kBadRequestData, "createdAt is in the future"},
      {R"({"id":"urn:ngsi-ld:T:1","type":"T","a":{"value":1,"s":{"value":2,
          "createdAt":"2026-01-02T00:00:00Z","modifiedAt":"2026-01-01T00:00:00Z"}}})",
       StatusCode::kBadRequestData, "before its createdAt"},
  };
  for (const auto& c : cases) {
    auto entity = ParseImportEntity(c.text, *contexts_);
    ASSERT_FALSE(entity.ok()) << c.text;
    EXPECT_EQ(entity.status().code(), c.code) << c.text;
    EXPECT_NE(entity.status().message().find(c.reason), std::string::npos)
        << entity.status().message();
  }
}

TEST_F(BulkTest, DocumentArrayIsCheckedPerElement) {
  auto records = ParseImportDocument(
      R"([{"id":"urn:ngsi-ld:T:1","type":"T"},{"id":"x","type":"T"},7,{"id":"urn:ngsi-ld:T:2","type":"T"}])",
      *contexts_);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_TRUE(records[0].entity.ok());
  EXPECT_FALSE(records[1].entity.ok());
  EXPECT_FALSE(records[2].entity.ok());
  EXPECT_TRUE(records[3].entity.ok());
  EXPECT_EQ(records[2].position, 3);
  auto broken = ParseImportDocument("{", *contexts_);
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_FALSE(broken[0].entity.ok());
}

TEST_F(BulkTest, SmartDataModelsContextExpandsOffline) {
  // The shape of the Smart Data Models keyValues examples: @context naming the model's context.
  auto entity = ParseImportEntity(
      R"({"id":"urn:ngsi-ld:ParkingSpot:1","type":"ParkingSpot","category":["onStreet"],
          "@context":["https://raw.githubusercontent.com/smart-data-models/dataModel.Parking/master/context.jsonld"]})",
      *contexts_);
  ASSERT_TRUE(entity.ok()) << entity.status().message();
  EXPECT_EQ(entity->types[0], "https://smartdatamodels.org/dataModel.Parking/ParkingSpot");
}

TEST_F(BulkTest, ExportedLineImportsBackToTheSameEntity) {
  auto entity = ParseImportEntity(
      R"({"id":"urn:ngsi-ld:T:1","type":"T","a":{"value":2.5,"unitCode":"CEL","observedAt":"2026-01-01T00:00:00Z"},
          "r":{"type":"Relationship","object":"urn:ngsi-ld:T:2"},"location":{"type":"Point","coordinates":[7.5,45.25]}})",
      *contexts_);
  ASSERT_TRUE(entity.ok());
  auto core = contexts_->Core();
  std::string line = EntityJsonLine(*entity, *core, model::kCoreContextUrl);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("2.5"), std::string::npos);
  auto back = ParseImportEntity(line, *contexts_);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(model::RenderEntity(*back, *core, {}), model::RenderEntity(*entity, *core, {}));

  auto feature = boost::json::parse(EntityGeoJsonFeature(*entity, *core)).as_object();
  EXPECT_EQ(feature.at("type"), "Feature");
  EXPECT_EQ(feature.at("geometry").at("type"), "Point");
  EXPECT_EQ(feature.at("properties").at("a"), 2.5);
  EXPECT_FALSE(feature.at("properties").as_object().contains("location"));
}

// An export carries the system times of the entity, of each datasetId's instance and of
// sub-attributes; the import keeps them, so a restore does not move them to its own time.
TEST_F(BulkTest, ExportedSystemTimesImportBack) {
  auto entity = ParseImportEntity(
      R"({"id":"urn:ngsi-ld:T:1","type":"T",
          "createdAt":"2026-01-01T00:00:00Z","modifiedAt":"2026-01-03T00:00:00.000250Z",
          "a":[{"value":1,"createdAt":"2026-01-01T00:00:01Z","modifiedAt":"2026-01-02T00:00:00Z"},
               {"value":2,"datasetId":"urn:ngsi-ld:d","modifiedAt":"2026-01-02T12:00:00Z",
                "s":{"value":"x","createdAt":"2026-01-01T00:00:02Z"}}],
          "b":{"value":3}})",
      *contexts_);
  ASSERT_TRUE(entity.ok()) << entity.status().message();
  auto at = [](const char* text) { return *ParseTimestamp(text); };
  EXPECT_EQ(entity->created_at, at("2026-01-01T00:00:00Z"));
  EXPECT_EQ(entity->modified_at, at("2026-01-03T00:00:00.000250Z"));
  const std::string a = "https://uri.etsi.org/ngsi-ld/default-context/a";
  const model::Attribute* plain = entity->Find(a);
  const model::Attribute* dataset = entity->Find(a, "urn:ngsi-ld:d");
  ASSERT_NE(plain, nullptr);
  ASSERT_NE(dataset, nullptr);
  EXPECT_EQ(plain->created_at, at("2026-01-01T00:00:01Z"));
  EXPECT_EQ(plain->modified_at, at("2026-01-02T00:00:00Z"));
  EXPECT_EQ(dataset->created_at, std::nullopt);
  EXPECT_EQ(dataset->modified_at, at("2026-01-02T12:00:00Z"));
  const model::Attribute* sub = dataset->FindSub("https://uri.etsi.org/ngsi-ld/default-context/s");
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(sub->created_at, at("2026-01-01T00:00:02Z"));
  const model::Attribute* none = entity->Find("https://uri.etsi.org/ngsi-ld/default-context/b");
  ASSERT_NE(none, nullptr);
  EXPECT_EQ(none->created_at, std::nullopt);

  auto back = ParseImportEntity(EntityJsonLine(*entity, *contexts_->Core(), model::kCoreContextUrl),
                                *contexts_);
  ASSERT_TRUE(back.ok()) << back.status().message();
  model::RenderOptions with_times;
  with_times.sys_attrs = true;
  EXPECT_EQ(model::RenderEntity(*back, *contexts_->Core(), with_times),
            model::RenderEntity(*entity, *contexts_->Core(), with_times));
}

TEST(BulkLinesTest, BlankLines) {
  EXPECT_TRUE(IsBlankLine(""));
  EXPECT_TRUE(IsBlankLine(" \t\r"));
  EXPECT_FALSE(IsBlankLine(" {}"));
}

}  // namespace
}  // namespace civitas::ingest
