#include "civitas/model/entity_codec.h"

#include <gtest/gtest.h>

#include <bit>
#include <boost/json.hpp>
#include <cmath>
#include <limits>

#include "civitas/model/context.h"
#include "civitas/model/entity_json.h"
#include "civitas/model/entity_ops.h"

namespace civitas::model {
namespace {

namespace json = boost::json;

// JSON equality, except that doubles compare by their bits (NaN payloads, -0.0).
bool SameValue(const json::value& a, const json::value& b) {
  if (a.is_double() && b.is_double()) {
    return std::bit_cast<uint64_t>(a.get_double()) == std::bit_cast<uint64_t>(b.get_double());
  }
  return a == b;
}

void ExpectSameAttributes(const std::vector<Attribute>& got, const std::vector<Attribute>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(want[i].name);
    EXPECT_EQ(got[i].name, want[i].name);
    EXPECT_EQ(got[i].kind, want[i].kind);
    EXPECT_TRUE(SameValue(got[i].value, want[i].value)) << json::serialize(got[i].value);
    EXPECT_EQ(got[i].dataset_id, want[i].dataset_id);
    EXPECT_EQ(got[i].observed_at, want[i].observed_at);
    EXPECT_EQ(got[i].unit_code, want[i].unit_code);
    EXPECT_EQ(got[i].created_at, want[i].created_at);
    EXPECT_EQ(got[i].modified_at, want[i].modified_at);
    ExpectSameAttributes(got[i].sub_attributes, want[i].sub_attributes);
  }
}

void ExpectRoundTrip(const Entity& e) {
  auto decoded = DecodeEntity(EncodeEntity(e));
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->id, e.id);
  EXPECT_EQ(decoded->types, e.types);
  EXPECT_EQ(decoded->scopes, e.scopes);
  EXPECT_EQ(decoded->created_at, e.created_at);
  EXPECT_EQ(decoded->modified_at, e.modified_at);
  ExpectSameAttributes(decoded->attributes, e.attributes);
}

Timestamp At(int64_t micros) { return Timestamp{std::chrono::microseconds{micros}}; }

class EntityCodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenContextStore("");
    ASSERT_TRUE(store.ok()) << store.status().message();
    contexts_ = std::move(*store);
  }
  Entity Parse(std::string_view text) {
    auto e = ParseEntity(json::parse(text).as_object(), *contexts_->Core());
    EXPECT_TRUE(e.ok()) << e.status().message();
    return e.ok() ? std::move(*e) : Entity{};
  }

  std::unique_ptr<ContextStore> contexts_;
};

// What a fleet rewrites on every reading; the JSON record took 737 bytes for it.
constexpr std::string_view kSensor = R"({"id":"urn:ngsi-ld:AirQualityObserved:s00001",
  "type":"AirQualityObserved",
  "location":{"type":"GeoProperty","value":{"type":"Point","coordinates":[2.133502,41.336410]}},
  "pm25":{"type":"Property","value":18.6,"unitCode":"GQ","observedAt":"2024-01-01T00:00:00Z"},
  "no2":{"type":"Property","value":29.9,"unitCode":"GQ","observedAt":"2024-01-01T00:00:00Z"},
  "temperature":{"type":"Property","value":12.3,"unitCode":"CEL","observedAt":"2024-01-01T00:00:00Z"}})";

TEST_F(EntityCodecTest, SensorRecordIsCompactAndRoundTrips) {
  Entity e = Parse(kSensor);
  e.SortAttributes();
  StampNew(e, *ParseTimestamp("2026-12-05T23:40:50.297385Z"));
  const std::string record = EncodeEntity(e);
  EXPECT_EQ(record.front(), 1);  // the binary record's version
  EXPECT_LE(record.size(), 280u);
  ExpectRoundTrip(e);
}

TEST_F(EntityCodecTest, EveryFieldRoundTrips) {
  Entity e = Parse(R"({"id":"urn:x:1","type":["T","U"],"scope":["/a/b","/c"],
    "t":[{"type":"Property","value":1.5,"datasetId":"urn:d:1","observedAt":"2024-01-01T00:00:00.25Z",
          "s":{"type":"Relationship","object":"urn:z","q":{"type":"Property","value":"deep"}}},
         {"type":"Property","value":"x\"y\\\n\u0001é"}],
    "r":{"type":"Relationship","object":["urn:a","urn:b"]},
    "lang":{"type":"LanguageProperty","languageMap":{"en":"Square","ca":"Plaça"}},
    "list":{"type":"ListProperty","valueList":[1,"two",null]},
    "v":{"type":"VocabProperty","vocab":"Open"},
    "j":{"type":"JsonProperty","json":{"max":18446744073709551615,"min":-9223372036854775808,
         "big":1e300,"tiny":-2.5e-308,"huge":55545555555555556000.0,"list":[[],{},[1,"two",{"three":3.25}]]}},
    "b":{"type":"Property","value":false},
    "u":{"type":"Property","value":18446744073709551615},"i":{"type":"Property","value":-17},
    "location":{"type":"GeoProperty","value":{"type":"Point","coordinates":[1,2]}}})");
  e.SortAttributes();
  StampNew(e, *ParseTimestamp("2024-02-02T00:00:00Z"));
  e.attributes[2].value = nullptr;  // the parser refuses a null value; the record need not
  ExpectRoundTrip(e);
  // Times far from the entity's modifiedAt, and none at all.
  e.attributes.front().observed_at = At(std::numeric_limits<int64_t>::min());
  e.attributes.back().created_at = At(std::numeric_limits<int64_t>::max());
  e.attributes[1].modified_at.reset();
  ExpectRoundTrip(e);
  e.modified_at.reset();
  e.created_at = At(-1);
  ExpectRoundTrip(e);
}

// A projection keeps its attributes whole (every instance, sub-attributes, JSON values) and
// drops the others, whose names still carry the shared prefixes of the ones after them.
TEST_F(EntityCodecTest, OnlyKeepsTheNamedAttributesWhole) {
  Entity e = Parse(R"({"id":"urn:x:1","type":"T",
    "a":{"type":"Property","value":{"deep":[1,{"x":"y"}]},"s":{"type":"Property","value":"sub"}},
    "ab":[{"type":"Property","value":1,"datasetId":"urn:d:1"},{"type":"Property","value":2}],
    "abc":{"type":"Property","value":"skipped","s":{"type":"Property","value":{"k":[1]}}},
    "abcd":{"type":"Property","value":3.5,"observedAt":"2024-01-01T00:00:00Z"}})");
  e.SortAttributes();
  StampNew(e, *ParseTimestamp("2024-02-02T00:00:00Z"));
  const std::string record = EncodeEntity(e);
  const std::vector<std::string> only = {e.attributes[0].name, e.attributes.back().name,
                                         "https://example.org/absent"};
  auto decoded = DecodeEntity(record, only);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->id, e.id);
  EXPECT_EQ(decoded->types, e.types);
  ExpectSameAttributes(decoded->attributes, {e.attributes[0], e.attributes.back()});
  // The other instances of a multi-attribute go or stay together.
  auto instances = DecodeEntity(record, std::vector<std::string>{e.attributes[1].name});
  ASSERT_TRUE(instances.ok());
  ExpectSameAttributes(instances->attributes, {e.attributes[1], e.attributes[2]});
  // A cut record is still corrupt when the cut falls in a skipped attribute.
  const std::vector<std::string> first = {e.attributes[0].name};
  EXPECT_FALSE(DecodeEntity(record.substr(0, record.size() - 12), first).ok());
}

// Reads of cached entities project them in memory: the same as the decoder's projection.
TEST_F(EntityCodecTest, ProjectingKeepsWhatTheDecoderKeeps) {
  Entity e = Parse(R"({"id":"urn:x:1","type":["T","U"],"scope":"/city/north",
    "a":{"type":"Property","value":{"deep":[1,{"x":"y"}]},"s":{"type":"Property","value":"sub"}},
    "ab":[{"type":"Property","value":1,"datasetId":"urn:d:1"},{"type":"Property","value":2}],
    "abcd":{"type":"Property","value":3.5,"observedAt":"2024-01-01T00:00:00Z"}})");
  e.SortAttributes();
  StampNew(e, *ParseTimestamp("2024-02-02T00:00:00Z"));
  const std::string record = EncodeEntity(e);
  const std::vector<std::vector<std::string>> projections = {
      {},
      {e.attributes[1].name},
      {e.attributes[0].name, e.attributes.back().name, "https://example.org/absent"},
      {"https://example.org/absent"}};
  for (const auto& only : projections) {
    auto decoded = DecodeEntity(record, only);
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    EXPECT_EQ(EncodeEntity(ProjectEntity(e, only)), EncodeEntity(*decoded)) << only.size();
  }
  EXPECT_EQ(ProjectEntity(e, projections[1]).attributes.size(), 2u);  // both instances of ab
  EXPECT_EQ(ProjectEntity(e, projections[1]).scopes, e.scopes);
}

// JSON cannot hold them, but a value built in code can: the record keeps the bits.
TEST_F(EntityCodecTest, NonFiniteAndSignedZeroNumbersKeepTheirBits) {
  Entity e;
  e.id = "urn:x:1";
  e.types = {"https://example.org/T"};
  for (double v :
       {std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::denorm_min(), -0.0,
        std::bit_cast<double>(uint64_t{0x7ff4000000000123})}) {
    Attribute a;
    a.name = "https://example.org/a" + std::to_string(e.attributes.size());
    a.value = v;
    e.attributes.push_back(std::move(a));
  }
  ExpectRoundTrip(e);
}

TEST_F(EntityCodecTest, EveryTruncationIsCorruptionNotHalfAnEntity) {
  Entity e = Parse(kSensor);
  e.SortAttributes();
  StampNew(e, *ParseTimestamp("2026-12-05T00:00:00Z"));
  const std::string record = EncodeEntity(e);
  for (size_t n = 0; n < record.size(); ++n) {
    auto decoded = DecodeEntity(std::string_view(record).substr(0, n));
    ASSERT_FALSE(decoded.ok()) << n;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInternal);
  }
  EXPECT_FALSE(DecodeEntity(record + '\0').ok());  // trailing bytes
  std::string other_version = record;
  other_version.front() = 2;
  EXPECT_FALSE(DecodeEntity(other_version).ok());
}

// A corrupt count is refused before anything is allocated for it: an attribute takes at least 5
// bytes, so 3 attributes need 15 (here 14 follow the count).
TEST_F(EntityCodecTest, CountsBeyondWhatTheBytesHoldAreCorruption) {
  std::string record("\x01\x00\x00\x00\x00", 5);  // version, id "", no types, no scopes, no times
  record.push_back(3);
  record.append(14, '\0');
  EXPECT_FALSE(DecodeEntity(record).ok());
  std::string many_types("\x01\x00", 2);
  many_types.push_back(100);  // 100 types need 200 bytes
  many_types.append(150, '\0');
  EXPECT_FALSE(DecodeEntity(many_types).ok());
}

// Data dirs written before the binary record keep their entities readable; the next write of
// each entity converts it.
TEST_F(EntityCodecTest, JsonRecordsStillRead) {
  constexpr std::string_view kRecord =
      R"({"i":"urn:x:1","t":["https://example.org/T"],"c":1000,"m":2000,"a":[{"n":"https://example.org/a","v":21.5,"o":1500,"u":"CEL","c":1000,"m":2000,"s":[{"n":"https://example.org/b","k":2,"v":{"type":"Point","coordinates":[1,2]}}]}]})";
  auto projected = DecodeEntity(kRecord, std::vector<std::string>{"https://example.org/other"});
  ASSERT_TRUE(projected.ok());
  EXPECT_TRUE(projected->attributes.empty());
  auto decoded = DecodeEntity(kRecord);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->modified_at, At(2000));
  ASSERT_EQ(decoded->attributes.size(), 1u);
  const Attribute& a = decoded->attributes.front();
  EXPECT_EQ(a.value.as_double(), 21.5);
  EXPECT_EQ(a.observed_at, At(1500));
  ASSERT_EQ(a.sub_attributes.size(), 1u);
  EXPECT_EQ(a.sub_attributes.front().kind, AttributeKind::kGeoProperty);
  ExpectRoundTrip(*decoded);
}

}  // namespace
}  // namespace civitas::model
