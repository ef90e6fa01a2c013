#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "civitas/model/context.h"
#include "civitas/model/entity_codec.h"
#include "civitas/model/entity_json.h"
#include "civitas/model/entity_ops.h"

namespace civitas::model {
namespace {

namespace json = boost::json;

class EntityJsonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenContextStore("");
    ASSERT_TRUE(store.ok()) << store.status().message();
    contexts_ = std::move(*store);
    core_ = contexts_->Core();
  }
  Result<Entity> Parse(std::string_view text) {
    return ParseEntity(json::parse(text).as_object(), *core_);
  }
  std::string Vocab(std::string_view term) { return std::string(iri::kDefaultVocab) + std::string(term); }

  std::unique_ptr<ContextStore> contexts_;
  std::shared_ptr<const Context> core_;
};

TEST_F(EntityJsonTest, ParsesNormalizedAttributesOfEveryKind) {
  auto e = Parse(R"({"id":"urn:ngsi-ld:T:1","type":"T",
    "temp":{"type":"Property","value":21.5,"unitCode":"CEL","observedAt":"2024-05-01T10:00:00Z",
            "accuracy":{"type":"Property","value":0.5}},
    "owner":{"type":"Relationship","object":"urn:ngsi-ld:Person:1"},
    "location":{"type":"GeoProperty","value":{"type":"Point","coordinates":[2.17,41.38]}},
    "name":{"type":"LanguageProperty","languageMap":{"en":"Main square","ca":"Plaça major"}}})");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->types, std::vector<std::string>{Vocab("T")});
  const Attribute* temp = e->Find(Vocab("temp"));
  ASSERT_NE(temp, nullptr);
  EXPECT_EQ(temp->unit_code, "CEL");
  EXPECT_EQ(FormatTimestamp(*temp->observed_at), "2024-05-01T10:00:00Z");
  ASSERT_EQ(temp->sub_attributes.size(), 1u);
  EXPECT_EQ(temp->sub_attributes[0].name, Vocab("accuracy"));
  EXPECT_EQ(e->Find(Vocab("owner"))->kind, AttributeKind::kRelationship);
  EXPECT_EQ(e->Find(std::string(iri::kLocation))->kind, AttributeKind::kGeoProperty);
  EXPECT_EQ(e->Find(Vocab("name"))->kind, AttributeKind::kLanguageProperty);
}

TEST_F(EntityJsonTest, InfersConciseAttributes) {
  auto e = Parse(R"({"id":"urn:x:1","type":"T","a":5,"b":{"object":"urn:y:1"},
                     "location":{"type":"Point","coordinates":[1,2]},"c":{"street":"Main"}})");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->Find(Vocab("a"))->kind, AttributeKind::kProperty);
  EXPECT_EQ(e->Find(Vocab("b"))->kind, AttributeKind::kRelationship);
  EXPECT_EQ(e->Find(std::string(iri::kLocation))->kind, AttributeKind::kGeoProperty);
  EXPECT_EQ(e->Find(Vocab("c"))->value.at("street").as_string(), "Main");
}

TEST_F(EntityJsonTest, KeepsOneInstancePerDatasetId) {
  auto e = Parse(R"({"id":"urn:x:1","type":"T","speed":[
      {"type":"Property","value":30,"datasetId":"urn:ds:radar"},
      {"type":"Property","value":32}]})");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->Find(Vocab("speed"))->value.as_int64(), 32);
  EXPECT_EQ(e->Find(Vocab("speed"), "urn:ds:radar")->value.as_int64(), 30);
  auto dup = Parse(R"({"id":"urn:x:1","type":"T","speed":[
      {"type":"Property","value":30},{"type":"Property","value":32}]})");
  EXPECT_FALSE(dup.ok());
}

TEST_F(EntityJsonTest, RejectsInvalidEntitiesWithPreciseMessages) {
  struct Case {
    const char* body;
    const char* message_part;
  };
  for (const auto& c : std::vector<Case>{
           {R"({"type":"T"})", "no \"id\""},
           {R"({"id":"not a uri","type":"T"})", "URI"},
           {R"({"id":"urn:x:1"})", "no \"type\""},
           {R"({"id":"urn:x:1","type":"T","a":{"type":"Property"}})", "needs \"value\""},
           {R"({"id":"urn:x:1","type":"T","a":{"type":"Relationship","object":"nope"}})", "not a URI"},
           {R"({"id":"urn:x:1","type":"T","a":{"type":"Widget","value":1}})", "unknown attribute type"},
           {R"({"id":"urn:x:1","type":"T","a":{"value":1,"observedAt":"yesterday"}})", "observedAt"},
           {R"({"id":"urn:x:1","type":"T","location":{"type":"GeoProperty","value":{"type":"Point","coordinates":[0,95]}}})", "latitude"},
           {R"({"id":"urn:x:1","type":"T","bad=name":1})", "forbidden character"},
           // Core members written as compact IRIs: they would render as the member itself.
           {R"({"id":"urn:x:1","type":"T","ngsi-ld:scope":1})", "reserved by NGSI-LD"},
           {R"({"id":"urn:x:1","type":"T","a":{"value":1,"ngsi-ld:observedAt":"2024-05-01T10:00:00Z"}})",
            "reserved by NGSI-LD"},
           {R"({"id":"urn:x:1","type":"T","a":{"value":1,"ngsi-ld:hasValue":2}})", "reserved by NGSI-LD"},
           {R"({"id":"urn:x:1","type":"T","a":{"value":1,"location":{"type":"Point","coordinates":[1,2]},"ngsi-ld:location":{"type":"Point","coordinates":[1,2]}}})",
            "given twice"},
       }) {
    auto e = Parse(c.body);
    ASSERT_FALSE(e.ok()) << c.body;
    EXPECT_EQ(e.status().code(), StatusCode::kBadRequestData) << c.body;
    EXPECT_NE(e.status().message().find(c.message_part), std::string::npos)
        << c.body << " → " << e.status().message();
  }
}

// "scope" is an entity member only: inside an attribute it names a sub-attribute, which renders
// and reads back as one.
TEST_F(EntityJsonTest, ScopeNamesASubAttribute) {
  auto e = Parse(R"({"id":"urn:x:1","type":"T",
    "a":{"type":"Property","value":1,"scope":{"type":"Property","value":"s"}}})");
  ASSERT_TRUE(e.ok()) << e.status().message();
  auto again = ParseEntity(RenderEntity(*e, *core_, {}), *core_);
  ASSERT_TRUE(again.ok()) << again.status().message();
  ASSERT_EQ(again->attributes.size(), 1u);
  ASSERT_EQ(again->attributes[0].sub_attributes.size(), 1u);
  EXPECT_EQ(again->attributes[0].sub_attributes[0].value, json::value("s"));
}

TEST_F(EntityJsonTest, RendersEachRepresentation) {
  auto e = Parse(R"({"id":"urn:x:1","type":"T","a":{"type":"Property","value":5},
                     "b":{"type":"Property","value":6,"unitCode":"CEL"},
                     "r":{"type":"Relationship","object":"urn:y:1"}})");
  ASSERT_TRUE(e.ok());
  RenderOptions options;
  auto normalized = RenderEntity(*e, *core_, options);
  EXPECT_EQ(normalized.at("a").at("type").as_string(), "Property");
  EXPECT_EQ(normalized.at("r").at("object").as_string(), "urn:y:1");
  options.representation = Representation::kKeyValues;
  auto key_values = RenderEntity(*e, *core_, options);
  EXPECT_EQ(key_values.at("a").as_int64(), 5);
  EXPECT_EQ(key_values.at("r").as_string(), "urn:y:1");
  options.representation = Representation::kConcise;
  auto concise = RenderEntity(*e, *core_, options);
  EXPECT_EQ(concise.at("a").as_int64(), 5);
  EXPECT_EQ(concise.at("b").at("unitCode").as_string(), "CEL");
  EXPECT_FALSE(concise.at("b").as_object().contains("type"));
  EXPECT_EQ(concise.at("r").at("object").as_string(), "urn:y:1");
}

TEST_F(EntityJsonTest, RecordRoundTripsEverything) {
  auto e = Parse(R"({"id":"urn:x:1","type":["T","U"],"scope":"/a/b",
    "t":[{"type":"Property","value":1.5,"datasetId":"urn:d:1","observedAt":"2024-01-01T00:00:00.25Z",
          "s":{"type":"Relationship","object":"urn:z"}},{"type":"Property","value":"x\"y\\\n\u0001é"}],
    "location":{"type":"GeoProperty","value":{"type":"Point","coordinates":[1,2]}}})");
  ASSERT_TRUE(e.ok()) << e.status().message();
  StampNew(*e, *ParseTimestamp("2024-02-02T00:00:00Z"));
  auto decoded = DecodeEntity(EncodeEntity(*e));
  ASSERT_TRUE(decoded.ok());
  RenderOptions options;
  options.sys_attrs = true;
  EXPECT_EQ(RenderEntity(*decoded, *core_, options), RenderEntity(*e, *core_, options));
  EXPECT_FALSE(DecodeEntity("{\"i\":3}").ok());
  EXPECT_FALSE(DecodeEntity("garbage").ok());
}

// Every JSON kind and number range a stored value can hold comes back as the same boost::json
// value (the record is read with simdjson and written from boost::json).
TEST_F(EntityJsonTest, RecordKeepsEveryValueKindExactly) {
  auto e = Parse(R"({"id":"urn:x:1","type":"T",
    "j":{"type":"JsonProperty","json":{"max":18446744073709551615,"min":-9223372036854775808,
         "big":1e300,"tiny":-2.5e-308,"half":0.5,"int":42,"yes":true,"no":false,"none":null,
         "list":[[],{},[1,"two",{"three":3.25}]],"text":"\u00e9\ud83d\ude00\t\"q\"","empty":""}},
    "n":{"type":"Property","value":-17,"unitCode":"CEL",
         "sub":{"type":"Property","value":[1.25,null],"observedAt":"2024-01-01T00:00:00Z"}}})");
  ASSERT_TRUE(e.ok()) << e.status().message();
  auto decoded = DecodeEntity(EncodeEntity(*e));
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  ASSERT_EQ(decoded->attributes.size(), e->attributes.size());
  for (size_t i = 0; i < e->attributes.size(); ++i) {
    const Attribute& want = e->attributes[i];
    const Attribute& got = decoded->attributes[i];
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.kind, want.kind);
    EXPECT_EQ(got.value, want.value) << boost::json::serialize(got.value);
    EXPECT_EQ(got.unit_code, want.unit_code);
    ASSERT_EQ(got.sub_attributes.size(), want.sub_attributes.size());
    for (size_t j = 0; j < want.sub_attributes.size(); ++j) {
      EXPECT_EQ(got.sub_attributes[j].value, want.sub_attributes[j].value);
      EXPECT_EQ(got.sub_attributes[j].observed_at, want.sub_attributes[j].observed_at);
    }
  }
  const auto& json = decoded->attributes.front().value.as_object();
  EXPECT_TRUE(json.at("max").is_uint64());
  EXPECT_TRUE(json.at("min").is_int64());
  EXPECT_TRUE(json.at("big").is_double());
  EXPECT_EQ(json.at("text").as_string(), "\u00e9\U0001F600\t\"q\"");
  // A record cut short or with a member of the wrong type is corrupt, not half an entity.
  const std::string record = EncodeEntity(*e);
  EXPECT_FALSE(DecodeEntity(record.substr(0, record.size() / 2)).ok());
  EXPECT_FALSE(DecodeEntity(R"({"i":"urn:x:1","t":["T"],"a":[{"n":"a","v":1,"k":99}]})").ok());
  EXPECT_FALSE(DecodeEntity(R"({"i":"urn:x:1","t":["T"],"a":[{"v":1}]})").ok());
  EXPECT_TRUE(DecodeEntity(R"({"i":"urn:x:1","t":["T"],"a":[{"n":"a","v":1}]})").ok());
}

TEST_F(EntityJsonTest, MergeKeepsSubAttributesAndNullDeletes) {
  auto e = Parse(R"({"id":"urn:x:1","type":"T",
    "a":{"type":"Property","value":1,"quality":{"type":"Property","value":"good"}},"b":2})");
  ASSERT_TRUE(e.ok());
  auto t0 = *ParseTimestamp("2024-01-01T00:00:00Z");
  auto t1 = *ParseTimestamp("2024-01-02T00:00:00Z");
  StampNew(*e, t0);
  auto patch = ParseAttributes(json::parse(R"({"a":{"value":7},"b":"urn:ngsi-ld:null","c":3})").as_object(),
                               *core_, true);
  ASSERT_TRUE(patch.ok());
  std::vector<NotUpdated> not_updated;
  EXPECT_TRUE(WriteAttributes(*e, std::move(*patch), AttributeWriteMode::kMerge, t1, not_updated));
  const Attribute* a = e->Find(Vocab("a"));
  EXPECT_EQ(a->value.as_int64(), 7);
  ASSERT_NE(a->FindSub(Vocab("quality")), nullptr);
  EXPECT_EQ(*a->created_at, t0);
  EXPECT_EQ(*a->modified_at, t1);
  EXPECT_EQ(e->Find(Vocab("b")), nullptr);
  EXPECT_NE(e->Find(Vocab("c")), nullptr);
}

TEST_F(EntityJsonTest, AppendAndUpdateReportWhatWasNotApplied) {
  auto e = Parse(R"({"id":"urn:x:1","type":"T","a":1})");
  ASSERT_TRUE(e.ok());
  auto now = *ParseTimestamp("2024-01-01T00:00:00Z");
  auto attrs = ParseAttributes(json::parse(R"({"a":2,"b":3})").as_object(), *core_, true);
  std::vector<NotUpdated> keep_failures;
  WriteAttributes(*e, *attrs, AttributeWriteMode::kAppendKeep, now, keep_failures);
  ASSERT_EQ(keep_failures.size(), 1u);
  EXPECT_EQ(keep_failures[0].name, Vocab("a"));
  EXPECT_EQ(e->Find(Vocab("a"))->value.as_int64(), 1);
  auto update = ParseAttributes(json::parse(R"({"a":9,"zz":1})").as_object(), *core_, true);
  std::vector<NotUpdated> update_failures;
  WriteAttributes(*e, *update, AttributeWriteMode::kUpdateExisting, now, update_failures);
  ASSERT_EQ(update_failures.size(), 1u);
  EXPECT_EQ(update_failures[0].name, Vocab("zz"));
  EXPECT_EQ(e->Find(Vocab("a"))->value.as_int64(), 9);
  EXPECT_EQ(e->Find(Vocab("zz")), nullptr);
}

}  // namespace
}  // namespace civitas::model
