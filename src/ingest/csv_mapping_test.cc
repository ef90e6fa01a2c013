#include "civitas/ingest/csv_mapping.h"

#include <gtest/gtest.h>

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

TEST(CsvMappingTest, ParsesAndRejectsWithReasons) {
  auto mapping = ParseCsvMapping(kMapping);
  ASSERT_TRUE(mapping.ok()) << mapping.status().message();
  EXPECT_EQ(mapping->id_prefix, "urn:ngsi-ld:WeatherObserved:");
  EXPECT_EQ(mapping->attributes.at("rain").type, CsvValueType::kBoolean);
  for (const char* bad :
       {"[]", R"({"type":"T","attributes":{"a":{}}})", R"({"type":"T","id":"i","attributes":{}})",
        R"({"type":"T","id":"i","longitude":"x","attributes":{"a":{}}})",
        R"({"type":"T","id":"i","attributes":{"a":{"type":"date"}}})"}) {
    auto m = ParseCsvMapping(bad);
    EXPECT_FALSE(m.ok()) << bad;
    EXPECT_FALSE(m.status().message().empty());
  }
  EXPECT_FALSE(CheckCsvHeader(*mapping, {"station", "time"}).ok());
  EXPECT_TRUE(CheckCsvHeader(*mapping, kHeader).ok());
}

TEST(CsvMappingTest, RowBecomesAnEntityObservedAtItsTime) {
  auto contexts = model::OpenContextStore("");
  ASSERT_TRUE(contexts.ok());
  auto core = (*contexts)->Core();
  auto mapping = ParseCsvMapping(kMapping);
  ASSERT_TRUE(mapping.ok());
  auto row = ParseCsvRecord(R"(ws-1,2026-01-01T00:00:00Z,7.6,45.0,21.5,"calm, dry",false)");
  ASSERT_TRUE(row.ok());
  auto entity = CsvRowToEntity(*mapping, kHeader, *row, *core);
  ASSERT_TRUE(entity.ok()) << entity.status().message();
  EXPECT_EQ(entity->id, "urn:ngsi-ld:WeatherObserved:ws-1");
  const model::Attribute* t = entity->Find(core->ExpandTerm("temperature"));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->value, 21.5);
  EXPECT_EQ(t->unit_code, "CEL");
  ASSERT_TRUE(t->observed_at.has_value());
  EXPECT_EQ(FormatTimestamp(*t->observed_at), "2026-01-01T00:00:00Z");
  EXPECT_NE(entity->Find(model::iri::kLocation), nullptr);
  EXPECT_EQ(entity->Find(core->ExpandTerm("raining"))->value, false);

  auto empty_cell = CsvRowToEntity(*mapping, kHeader,
                                   *ParseCsvRecord("ws-2,2026-01-01T00:00:00Z,7.6,45,,,"), *core);
  ASSERT_TRUE(empty_cell.ok()) << empty_cell.status().message();
  EXPECT_EQ(empty_cell->Find(core->ExpandTerm("temperature")), nullptr);

  struct Bad {
    const char* line;
    const char* reason;
  } bad[] = {{"ws-3,2026-01-01T00:00:00Z,7.6,45,warm,,", "column 't': not a number"},
             {"ws-3,yesterday,7.6,45,1,,", "column 'time'"},
             {",2026-01-01T00:00:00Z,7.6,45,1,,", "empty id"},
             {"ws-3,2026-01-01T00:00:00Z,7.6,45,1,,maybe", "column 'rain'"},
             {"ws-3,2026-01-01T00:00:00Z", "fields"}};
  for (const auto& b : bad) {
    auto result = CsvRowToEntity(*mapping, kHeader, *ParseCsvRecord(b.line), *core);
    ASSERT_FALSE(result.ok()) << b.line;
    EXPECT_NE(result.status().message().find(b.reason), std::string::npos)
        << result.status().message();
    EXPECT_EQ(result.status().message().find("warm"), std::string::npos) << "no cell contents";
  }
}

}  // namespace
}  // namespace civitas::ingest
