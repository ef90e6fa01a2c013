// WriteHistory and ParseHistoryRecord on real stores in a temp dir: each exported instance
// carries the modifiedAt the store kept for it, in JSON Lines and CSV, and none where the store
// kept none; JSON Lines records read back into another store export the same; bad records are
// rejected with reasons that do not quote them; a store of an older format tells how to move
// its entities and history.

#include "bulk_history.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "civitas/model/entity_json.h"

namespace civitas::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kT0 = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z

// µs of an exported time, parsed as an instant (text forms of one instant differ).
int64_t MicrosOf(std::string_view text) {
  auto t = ParseTimestamp(text);
  EXPECT_TRUE(t.ok()) << text;
  return t.ok() ? t->time_since_epoch().count() : -1;
}

// The fields of a CSV row without quotes, the empty last one included.
std::vector<std::string> Fields(const std::string& row) {
  std::vector<std::string> fields(1);
  for (char c : row) {
    if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  return fields;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class WriteHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("civitas-bulk-history-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto opened = store::Store::Open({.data_dir = dir_.string(), .block_cache_bytes = 8u << 20});
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(*opened);
    auto contexts = model::OpenContextStore("");
    ASSERT_TRUE(contexts.ok()) << contexts.status().message();
    core_ = (*contexts)->Core();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  // Adds temperature instances (observedAt, modifiedAt or none) to urn:ngsi-ld:Thing:1.
  void AddTemperatures(const std::vector<std::pair<int64_t, std::optional<int64_t>>>& times) {
    std::vector<store::TemporalInstance> instances;
    for (const auto& [observed, modified] : times) {
      store::TemporalInstance i;
      i.attr = core_->ExpandTerm("temperature");
      i.unit_code = "CEL";
      i.timestamp_us = observed;
      i.number = static_cast<double>(instances.size());
      i.modified_at_us = modified;
      instances.push_back(std::move(i));
    }
    const std::string id = "urn:ngsi-ld:Thing:1";
    ASSERT_TRUE(store_
                    ->Mutate("", {&id, 1},
                             [&](store::Mutation& m) {
                               m.AddHistory(id, {core_->ExpandTerm("Thing")},
                                            std::move(instances));
                               return Status::Ok();
                             })
                    .ok());
  }

  std::string Export(bool csv) { return Export(csv, *store_); }
  std::string Export(bool csv, store::Store& store) {
    const fs::path file = dir_ / "history.out";
    FILE* out = std::fopen(file.c_str(), "w");
    EXPECT_NE(out, nullptr);
    HistoryExport what;
    what.csv = csv;
    Status written = WriteHistory(store, *core_, what, out, [](int64_t) {});
    std::fclose(out);
    EXPECT_TRUE(written.ok()) << written.message();
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<const model::Context> core_;
};

TEST_F(WriteHistoryTest, EveryInstanceCarriesItsOwnModifiedAt) {
  // Written late, early and with a µs fraction: each instance's own time, not the series'.
  const std::vector<int64_t> modified = {kT0 + 2 * kHour + 123'000, kT0 + 5 * kSecond,
                                         kT0 + 48 * kHour + 456'789};
  AddTemperatures({{kT0, modified[0]}, {kT0 + 600 * kSecond, modified[1]},
                   {kT0 + 1200 * kSecond, modified[2]}});

  const std::vector<std::string> lines = Lines(Export(/*csv=*/false));
  ASSERT_EQ(lines.size(), 3u);
  for (size_t i = 0; i < lines.size(); ++i) {
    json::object record = json::parse(lines[i]).as_object();
    EXPECT_EQ(MicrosOf(record.at("observedAt").as_string()),
              kT0 + static_cast<int64_t>(i) * 600 * kSecond);
    ASSERT_TRUE(record.contains("modifiedAt")) << lines[i];
    EXPECT_EQ(MicrosOf(record.at("modifiedAt").as_string()), modified[i]) << lines[i];
  }

  const std::vector<std::string> rows = Lines(Export(/*csv=*/true));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0], "id,type,attribute,datasetId,observedAt,value,unitCode,modifiedAt");
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::vector<std::string> fields = Fields(rows[i]);
    ASSERT_EQ(fields.size(), 8u) << rows[i];
    EXPECT_EQ(fields[0], "urn:ngsi-ld:Thing:1");
    EXPECT_EQ(fields[6], "CEL");
    EXPECT_EQ(MicrosOf(fields[7]), modified[i - 1]) << rows[i];
  }
}

TEST_F(WriteHistoryTest, InstancesTheStoreKeptNoModifiedAtForHaveNone) {
  // Hour 0 mixes an instance with modifiedAt and one without: the store keeps none for the
  // hour once it is a chunk, which hour 2's instance makes it. That one keeps its own.
  AddTemperatures({{kT0, kT0 + kSecond},
                   {kT0 + 60 * kSecond, std::nullopt},
                   {kT0 + 2 * kHour, kT0 + 2 * kHour + kSecond}});

  const std::vector<std::string> lines = Lines(Export(/*csv=*/false));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_FALSE(json::parse(lines[0]).as_object().contains("modifiedAt")) << lines[0];
  EXPECT_FALSE(json::parse(lines[1]).as_object().contains("modifiedAt")) << lines[1];
  EXPECT_EQ(MicrosOf(json::parse(lines[2]).at("modifiedAt").as_string()),
            kT0 + 2 * kHour + kSecond);

  const std::vector<std::string> rows = Lines(Export(/*csv=*/true));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1], "urn:ngsi-ld:Thing:1,Thing,temperature,,2026-01-01T00:00:00Z,0,CEL,");
  EXPECT_EQ(rows[2], "urn:ngsi-ld:Thing:1,Thing,temperature,,2026-01-01T00:01:00Z,1,CEL,");
  EXPECT_EQ(MicrosOf(Fields(rows[3]).at(7)), kT0 + 2 * kHour + kSecond);
}

// Every attribute kind, text that reads as a number, a datasetId, a unitCode, two types, and
// instances with and without modifiedAt: read back from the export into another store, they
// export the same.
TEST_F(WriteHistoryTest, JsonLinesRecordsReadBackToTheSameHistory) {
  const std::vector<std::pair<const char*, const char*>> instances = {
      {"temperature", R"({"value":21.5,"unitCode":"CEL","observedAt":"2026-01-01T00:00:00Z"})"},
      {"temperature", R"({"value":-3,"unitCode":"CEL","observedAt":"2025-12-31T23:00:00.5Z"})"},
      {"temperature",
       R"({"value":20,"datasetId":"urn:ngsi-ld:b","observedAt":"2026-01-01T00:00:00Z"})"},
      {"note", R"({"value":"21.5","observedAt":"2026-01-01T00:00:00Z"})"},
      {"note", R"({"value":{"wind":[1,"calm"]},"observedAt":"2026-01-01T00:10:00Z"})"},
      {"inRoom", R"({"type":"Relationship","object":"urn:ngsi-ld:Room:1",
                     "observedAt":"2026-01-01T00:00:00Z"})"},
      {"location", R"({"type":"GeoProperty","value":{"type":"Point","coordinates":[7.6,45]},
                       "observedAt":"2026-01-01T00:00:00Z"})"},
      {"name", R"({"type":"LanguageProperty","languageMap":{"en":"Hall","it":"Sala"},
                   "observedAt":"2026-01-01T00:00:00Z"})"},
      {"readings", R"({"type":"ListProperty","valueList":[1,2.5,"x"],
                       "observedAt":"2026-01-01T00:00:00Z"})"},
      {"members", R"({"type":"ListRelationship","objectList":[{"object":"urn:ngsi-ld:A:1"}],
                      "observedAt":"2026-01-01T00:00:00Z"})"},
      {"category", R"({"type":"VocabProperty","vocab":"indoor",
                       "observedAt":"2026-01-01T00:00:00Z"})"},
      {"raw", R"({"type":"JsonProperty","json":{"a":null},"observedAt":"2026-01-01T00:00:00Z"})"},
  };
  std::vector<store::TemporalInstance> history;
  for (const auto& [name, text] : instances) {
    auto attributes = model::ParseAttribute(core_->ExpandTerm(name), json::parse(text), *core_);
    ASSERT_TRUE(attributes.ok()) << text << ": " << attributes.status().message();
    auto instance = store::TemporalInstanceOf(attributes->front());
    ASSERT_TRUE(instance.has_value()) << text;
    // The hour before 2026 keeps no modifiedAt; the others one each.
    if (instance->timestamp_us >= kT0)
      instance->modified_at_us = kT0 + kHour + static_cast<int64_t>(history.size());
    history.push_back(std::move(*instance));
  }
  const std::string id = "urn:ngsi-ld:Thing:1";
  ASSERT_TRUE(store_
                  ->Mutate("", {&id, 1},
                           [&](store::Mutation& m) {
                             m.AddHistory(id,
                                          {core_->ExpandTerm("Room"), core_->ExpandTerm("Thing")},
                                          std::move(history));
                             return Status::Ok();
                           })
                  .ok());
  const std::string exported = Export(/*csv=*/false);
  ASSERT_EQ(Lines(exported).size(), instances.size()) << exported;

  auto restored = store::Store::Open({.data_dir = (dir_ / "restored").string()});
  ASSERT_TRUE(restored.ok()) << restored.status().message();
  for (const std::string& line : Lines(exported)) {
    auto record = ParseHistoryRecord(line, *core_);
    ASSERT_TRUE(record.ok()) << line << ": " << record.status().message();
    ASSERT_TRUE((*restored)
                    ->Mutate("", {&record->id, 1},
                             [&](store::Mutation& m) {
                               m.AddHistory(record->id, record->types, {record->instance});
                               return Status::Ok();
                             })
                    .ok());
  }
  EXPECT_EQ(Export(/*csv=*/false, **restored), exported);
  // The records name what the reader needs: both types, every kind but Property.
  EXPECT_NE(exported.find(R"("type":["Room","Thing"])"), std::string::npos) << exported;
  EXPECT_NE(exported.find(R"("attributeType":"Relationship")"), std::string::npos) << exported;
  EXPECT_EQ(exported.find(R"("attributeType":"Property")"), std::string::npos) << exported;
}

TEST(ParseHistoryRecordTest, ReadsRecordsWithoutAttributeTypeOrModifiedAtAsProperties) {
  auto contexts = model::OpenContextStore("");
  ASSERT_TRUE(contexts.ok());
  auto core = (*contexts)->Core();
  auto record = ParseHistoryRecord(
      R"({"id":"urn:x:1","type":"T","attribute":"text","observedAt":"2026-01-01T00:00:00Z",)"
      R"("value":"urn:x:2","unknown":1})",
      *core);
  ASSERT_TRUE(record.ok()) << record.status().message();
  EXPECT_EQ(record->instance.kind, model::AttributeKind::kProperty);
  EXPECT_EQ(record->instance.value_kind, store::SampleKind::kText);
  EXPECT_EQ(record->instance.text, R"("urn:x:2")");
  EXPECT_EQ(record->instance.timestamp_us, kT0);
  EXPECT_FALSE(record->instance.modified_at_us.has_value());
  EXPECT_EQ(record->types, std::vector<std::string>{core->ExpandTerm("T")});
  EXPECT_FALSE(record->kind_named);
  auto named = ParseHistoryRecord(
      R"({"id":"urn:x:1","type":"T","attribute":"text","attributeType":"Property",)"
      R"("observedAt":"2026-01-01T00:00:00Z","value":"urn:x:2"})",
      *core);
  ASSERT_TRUE(named.ok()) << named.status().message();
  EXPECT_TRUE(named->kind_named);
}

TEST(ParseHistoryRecordTest, RejectsBadRecordsWithoutQuotingThem) {
  auto contexts = model::OpenContextStore("");
  ASSERT_TRUE(contexts.ok());
  auto core = (*contexts)->Core();
  const std::string good = R"("id":"urn:x:1","type":"T","observedAt":"2026-01-01T00:00:00Z")";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{secret", "not valid JSON"},
      {"[\"secret\"]", "a history record must be a JSON object"},
      {"{" + good + R"(,"value":1})", "attribute must name an attribute"},
      {"{" + good + R"(,"attribute":"id","value":1})", "attribute must name an attribute"},
      {"{" + good + R"(,"attribute":"scope","value":1})", "attribute must name an attribute"},
      {"{" + good + R"(,"attribute":"a"})", "the record has no value"},
      {"{" + good + R"(,"attribute":"a","value":1,"attributeType":"secret"})",
       "attributeType must be Property, Relationship"},
      {"{" + good + R"(,"attribute":"a","value":1,"modifiedAt":"secret"})",
       "modifiedAt must be an ISO 8601 date-time"},
      {R"({"id":"urn:x:1","type":"T","attribute":"a","value":1,"observedAt":"2026-13-01T00:00:00secret"})",
       "observedAt must be an ISO 8601 date-time"},
      {R"({"id":"urn:x:1","type":"T","attribute":"a","value":1})", "the record has no observedAt"},
      {R"({"id":"secret","type":"T","attribute":"a","value":1,"observedAt":"2026-01-01T00:00:00Z"})",
       "entity id must be a URI"},
      {R"({"id":"urn:x:1","type":7,"attribute":"a","value":1,"observedAt":"2026-01-01T00:00:00Z"})",
       "entity type must be a string"},
      {"{" + good + R"(,"attribute":"a","value":null})", "a Property needs a non-null value"},
      {"{" + good + R"(,"attribute":"a","value":1,"datasetId":"secret"})",
       "datasetId must be a URI"},
  };
  for (const auto& [line, reason] : cases) {
    auto record = ParseHistoryRecord(line, *core);
    ASSERT_FALSE(record.ok()) << line;
    EXPECT_NE(record.status().message().find(reason), std::string::npos)
        << line << ": " << record.status().message();
    EXPECT_EQ(record.status().message().find("secret"), std::string::npos)
        << line << ": " << record.status().message();
  }
}

// The refusal of an older store format tells the operator to carry the history over too.
TEST(StoreFormatTest, AnOlderFormatIsRefusedWithHowToMoveEntitiesAndHistory) {
  const fs::path dir =
      fs::temp_directory_path() / ("civitas-store-format-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  ASSERT_TRUE(store::Store::Open({.data_dir = dir.string()}).ok());
  {
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies({}, dir.string(), &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const auto& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open({}, dir.string(), families, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    const size_t meta = std::find(names.begin(), names.end(), "meta") - names.begin();
    ASSERT_LT(meta, names.size());
    ASSERT_TRUE(db->Put({}, handles[meta], "V", "4").ok());
    for (auto* handle : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
  }
  auto refused = store::Store::Open({.data_dir = dir.string()});
  fs::remove_all(dir);
  ASSERT_FALSE(refused.ok());
  const std::string message = refused.status().message();
  for (const char* step :
       {"format 4", "civitas export --history", "civitas import --history", "entities first"}) {
    EXPECT_NE(message.find(step), std::string::npos) << step << ": " << message;
  }
}

}  // namespace
}  // namespace civitas::cli
