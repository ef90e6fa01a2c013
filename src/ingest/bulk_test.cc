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

TEST(BulkLinesTest, BlankLines) {
  EXPECT_TRUE(IsBlankLine(""));
  EXPECT_TRUE(IsBlankLine(" \t\r"));
  EXPECT_FALSE(IsBlankLine(" {}"));
}

}  // namespace
}  // namespace civitas::ingest
