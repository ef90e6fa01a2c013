#include "civitas/ingest/csv_mapping.h"

#include <gtest/gtest.h>

#include "civitas/ingest/observations.h"
#include "src/ingest/contexts_test_fixture.h"

namespace civitas::ingest {
namespace {

constexpr const char* kMapping = R"({"type":"WeatherObserved","id":"station","observedAt":"time",
    "longitude":"lon","latitude":"lat","attributes":{"t":{"name":"temperature","unitCode":"CEL"},
    "note":{"type":"text"},"rain":{"name":"raining","type":"boolean"}}})";

const std::vector<std::string> kHeader = {"station", "time", "lon", "lat", "t", "note", "rain"};

TEST(CsvRecordTest, SplitsAndUnquotes) {
  auto fields = ParseCsvRecord(R"(a,"b, c","say ""hi""",,d)"
                               "\r");
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ(*fields, (std::vector<std::string>{"a", "b, c", R"(say "hi")", "", "d"}));
  EXPECT_EQ(*ParseCsvRecord(""), std::vector<std::string>{""});
  EXPECT_FALSE(ParseCsvRecord(R"(a,"open)").ok());
  EXPECT_FALSE(ParseCsvRecord(R"("a"b,c)").ok());
}

class CsvMappingTest : public ContextsTest {
 protected:
  void SetUp() override {
    ContextsTest::SetUp();
    auto config = ParseCsvMapping(kMapping);
    ASSERT_TRUE(config.ok()) << config.status().message();
    auto compiled = IngestMappings::Compile({.mappings = {*config}}, core_, "mapping");
    ASSERT_TRUE(compiled.ok()) << compiled.status().message();
    mappings_ = *compiled;
    auto layout = MakeCsvLayout(*mappings_, "WeatherObserved", kHeader);
    ASSERT_TRUE(layout.ok()) << layout.status().message();
    layout_ = std::move(*layout);
  }

  Status Add(ObservationBatch& batch, std::string_view line) {
    auto row = ParseCsvRecord(line);
    if (!row.ok()) return row.status();
    return batch.AddRow(layout_, *row);
  }

  std::shared_ptr<const IngestMappings> mappings_;
  CsvLayout layout_;
};

TEST_F(CsvMappingTest, ParsesTheMappingFileAndRejectsWithReasons) {
  auto mapping = ParseCsvMapping(kMapping);
  ASSERT_TRUE(mapping.ok());
  EXPECT_EQ(mapping->measurement, "WeatherObserved");
  EXPECT_EQ(mapping->id, std::vector<std::string>{"station"});
  EXPECT_FALSE(mapping->keep_unmapped);
  EXPECT_EQ(mapping->attributes.at("rain").type, "boolean");
  EXPECT_EQ(mapping->attributes.at("t").type, "number");
  for (const char* bad :
       {"[]", R"({"type":"T","attributes":{"a":{}}})", R"({"type":"T","id":"i","attributes":{}})",
        R"({"type":"T","id":"i","longitude":"x","attributes":{"a":{}}})",
        R"({"type":"T","id":"i","attributes":{"a":{"type":"date"}}})"}) {
    auto m = ParseCsvMapping(bad);
    EXPECT_FALSE(m.ok()) << bad;
    EXPECT_FALSE(m.status().message().empty());
  }
  auto bad_name = ParseCsvMapping(R"({"type":"T","id":"i","attributes":{"a":{"name":"x y"}}})");
  ASSERT_TRUE(bad_name.ok());
  EXPECT_FALSE(IngestMappings::Compile({.mappings = {*bad_name}}, core_, "mapping").ok());
  EXPECT_FALSE(MakeCsvLayout(*mappings_, "WeatherObserved", {"station", "time"}).ok());
  // Attribute columns the mapping names may be absent (one mapping serves several sources).
  EXPECT_TRUE(MakeCsvLayout(*mappings_, "WeatherObserved", {"station", "time", "lon", "lat"}).ok());
}

TEST_F(CsvMappingTest, RowBecomesAnEntityObservedAtItsTime) {
  ObservationBatch batch(*mappings_);
  ASSERT_TRUE(Add(batch, R"(ws-1,2026-01-01T00:00:00Z,7.6,45.0,21.5,"calm, dry",false)").ok());
  ASSERT_TRUE(Add(batch, "ws-2,2026-01-01T00:00:00Z,7.6,45,,,").ok());
  EXPECT_EQ(batch.Ids(), (std::vector<std::string>{"urn:ngsi-ld:WeatherObserved:ws-1",
                                                   "urn:ngsi-ld:WeatherObserved:ws-2"}));
  model::Entity entity;
  auto history = ApplyObservations(*batch.Find("urn:ngsi-ld:WeatherObserved:ws-1"), entity,
                                   /*exists=*/false, Clock::System().Now());
  EXPECT_TRUE(history.empty());
  EXPECT_EQ(entity.id, "urn:ngsi-ld:WeatherObserved:ws-1");
  EXPECT_EQ(entity.types, std::vector<std::string>{core_->ExpandTerm("WeatherObserved")});
  const model::Attribute* t = entity.Find(core_->ExpandTerm("temperature"));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->value, 21.5);
  EXPECT_EQ(t->unit_code, "CEL");
  ASSERT_TRUE(t->observed_at.has_value());
  EXPECT_EQ(FormatTimestamp(*t->observed_at), "2026-01-01T00:00:00Z");
  EXPECT_NE(entity.Find(model::iri::kLocation), nullptr);
  EXPECT_EQ(entity.Find(core_->ExpandTerm("raining"))->value, false);
  EXPECT_EQ(entity.Find(core_->ExpandTerm("note"))->value, "calm, dry");

  model::Entity empty_cells;
  ApplyObservations(*batch.Find("urn:ngsi-ld:WeatherObserved:ws-2"), empty_cells, false,
                    Clock::System().Now());
  EXPECT_EQ(empty_cells.Find(core_->ExpandTerm("temperature")), nullptr);

  struct Bad {
    const char* line;
    const char* reason;
  } bad[] = {{"ws-3,2026-01-01T00:00:00Z,7.6,45,warm,,", "column 't': not a number"},
             {"ws-3,yesterday,7.6,45,1,,", "column 'time'"},
             {",2026-01-01T00:00:00Z,7.6,45,1,,", "empty id"},
             {"ws-3,2026-01-01T00:00:00Z,7.6,45,1,,maybe", "column 'rain'"},
             {"ws-3,2026-01-01T00:00:00Z,700,45,1,,", "out of range"},
             {"ws-3,2026-01-01T00:00:00Z", "fields"}};
  for (const auto& b : bad) {
    Status status = Add(batch, b.line);
    ASSERT_FALSE(status.ok()) << b.line;
    EXPECT_NE(status.message().find(b.reason), std::string::npos) << status.message();
    EXPECT_EQ(status.message().find("warm"), std::string::npos) << "no cell contents";
  }
  EXPECT_EQ(batch.entity_count(), 2u) << "rejected rows add nothing";
  EXPECT_EQ(batch.accepted(), 2);
}

TEST_F(CsvMappingTest, DefaultMappingKeepsEveryColumnWithTypesGuessed) {
  auto compiled = IngestMappings::Compile({}, core_);
  ASSERT_TRUE(compiled.ok());
  auto layout = MakeCsvLayout(**compiled, "Bin", {"id", "fill", "full", "street"});
  ASSERT_TRUE(layout.ok()) << layout.status().message();
  ObservationBatch batch(**compiled);
  ASSERT_TRUE(batch.AddRow(*layout, {"b 1", "0.75", "false", "Main St"}).ok());
  ASSERT_TRUE(batch.AddRow(*layout, {"b 1", "0.8", "true", "Main St"}).ok());
  EntityObservations* obs = batch.Find("urn:ngsi-ld:Bin:b%201");
  ASSERT_NE(obs, nullptr);
  model::Entity entity;
  ApplyObservations(*obs, entity, false, Clock::System().Now());
  // Without an observedAt column the last row is the state, without observedAt.
  const model::Attribute* fill = entity.Find(core_->ExpandTerm("fill"));
  ASSERT_NE(fill, nullptr);
  EXPECT_EQ(fill->value, 0.8);
  EXPECT_FALSE(fill->observed_at.has_value());
  EXPECT_EQ(entity.Find(core_->ExpandTerm("full"))->value, true);
  EXPECT_EQ(entity.Find(core_->ExpandTerm("street"))->value, "Main St");
  EXPECT_FALSE(MakeCsvLayout(**compiled, "Bin", {"name", "fill"}).ok()) << "no id column";
  auto bad_column = MakeCsvLayout(**compiled, "Bin", {"id", "bad name"});
  ASSERT_FALSE(bad_column.ok());
  EXPECT_NE(bad_column.status().message().find("column 'bad name'"), std::string::npos);
}

}  // namespace
}  // namespace civitas::ingest
