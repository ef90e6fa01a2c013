// MeasuresToAttributes: object_id mapping, type conversion, static attributes, entity ids.

#include "civitas/ingest/device_mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "civitas/ingest/iota_json.h"
#include "civitas/ingest/ultralight.h"

namespace civitas::ingest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const Timestamp kNow = *ParseTimestamp("2024-05-01T12:00:00Z");

ServiceGroup Group() {
  ServiceGroup g;
  g.apikey = "k";
  g.entity_type = "Thing";
  g.attributes = {{"t", "temperature", "Number", "CEL"}, {"h", "humidity", "Number", ""}};
  g.static_attributes = {{"category", "Text", boost::json::parse(R"(["sensor"])")},
                         {"owner", "Text", "city"}};
  return g;
}

Device Dev() {
  Device d;
  d.device_id = "sensor01";
  d.attributes = {{"h", "relativeHumidity", "Number", ""}};
  d.static_attributes = {{"owner", "Text", "district 4"}};
  return d;
}

std::vector<Measure> Ul(std::string_view payload) {
  Result<std::vector<Measure>> r = ParseUltraLight(payload);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : std::vector<Measure>{};
}

std::vector<Measure> Json(std::string_view payload) {
  Result<std::vector<Measure>> r = ParseIotaJson(payload);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : std::vector<Measure>{};
}

boost::json::value J(std::string_view text) { return boost::json::parse(text); }

TEST(DeviceMappingTest, MapsObjectIdsAndAppliesStaticAttributes) {
  ServiceGroup g = Group();
  Result<EntityUpdate> u = MeasuresToAttributes(Dev(), &g, Ul("t|21.3|h|55|x|on"), kNow);
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->entity_id, "urn:ngsi-ld:Thing:sensor01");
  EXPECT_EQ(u->entity_type, "Thing");
  ASSERT_EQ(u->fragments.size(), 1u);
  EXPECT_EQ(boost::json::value(u->fragments[0]), J(R"({
    "category": {"type": "Property", "value": ["sensor"]},
    "owner": {"type": "Property", "value": "district 4"},
    "temperature": {"type": "Property", "value": 21.3, "observedAt": "2024-05-01T12:00:00Z",
                    "unitCode": "CEL"},
    "relativeHumidity": {"type": "Property", "value": 55, "observedAt": "2024-05-01T12:00:00Z"},
    "x": {"type": "Property", "value": "on", "observedAt": "2024-05-01T12:00:00Z"}
  })"))
      << boost::json::serialize(u->fragments[0]);
}

TEST(DeviceMappingTest, OneFragmentPerGroupWithItsTimestamp) {
  Device d = Dev();
  d.entity_type = "Room";
  d.static_attributes.clear();
  Result<EntityUpdate> u = MeasuresToAttributes(
      d, nullptr, Ul("2024-05-01T10:00:00Z|t|1#t|2|TimeInstant|2024-05-01T11:00:00.5Z"), kNow);
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->entity_id, "urn:ngsi-ld:Room:sensor01");
  ASSERT_EQ(u->fragments.size(), 2u);
  EXPECT_EQ(
      boost::json::value(u->fragments[0]),
      J(R"({"t": {"type": "Property", "value": "1", "observedAt": "2024-05-01T10:00:00Z"}})"));
  EXPECT_EQ(
      boost::json::value(u->fragments[1]),
      J(R"({"t": {"type": "Property", "value": "2", "observedAt": "2024-05-01T11:00:00.500Z"}})"));
}

TEST(DeviceMappingTest, JsonValuesKeepTheirTypes) {
  Device d = Dev();
  d.entity_type = "T";
  d.static_attributes.clear();
  Result<EntityUpdate> u =
      MeasuresToAttributes(d, nullptr, Json(R"({"o": {"a": 1}, "b": false, "n": 3})"), kNow);
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->fragments[0].at("o").at("value"), J(R"({"a": 1})"));
  EXPECT_EQ(u->fragments[0].at("b").at("value"), J("false"));
  EXPECT_EQ(u->fragments[0].at("n").at("value"), J("3"));
}

TEST(DeviceMappingTest, LaterMeasureWinsAndMeasuresBeatStatics) {
  ServiceGroup g = Group();
  Device d = Dev();
  d.attributes.push_back({"o", "owner", "Text", ""});
  Result<EntityUpdate> u = MeasuresToAttributes(d, &g, Ul("t|1|t|2|o|me"), kNow);
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->fragments[0].at("temperature").at("value"), J("2"));
  EXPECT_EQ(u->fragments[0].at("owner").at("value"), J(R"("me")"));
  EXPECT_TRUE(u->fragments[0].at("owner").as_object().contains("observedAt"));
}

TEST(DeviceMappingTest, EntityIdFromEntityName) {
  ServiceGroup g = Group();
  Device d = Dev();
  d.entity_name = "urn:ngsi-ld:Thing:custom";
  EXPECT_EQ(MeasuresToAttributes(d, &g, Ul("t|1"), kNow)->entity_id, "urn:ngsi-ld:Thing:custom");
  d.entity_name = "Room1";
  EXPECT_EQ(MeasuresToAttributes(d, &g, Ul("t|1"), kNow)->entity_id, "urn:ngsi-ld:Thing:Room1");
  d.entity_type = "Room";
  EXPECT_EQ(MeasuresToAttributes(d, &g, Ul("t|1"), kNow)->entity_type, "Room");
}

struct Conversion {
  std::string type;
  std::string measure;   // UltraLight value or, with a leading '=', JSON text
  std::string expected;  // the attribute (without observedAt), or "" for an error
};

class ConversionTest : public ::testing::TestWithParam<Conversion> {};

TEST_P(ConversionTest, ConvertsByProvisionedType) {
  const Conversion& c = GetParam();
  Device d;
  d.device_id = "d";
  d.entity_type = "T";
  d.attributes = {{"v", "a", c.type, ""}};
  Measure m{"v", boost::json::string(c.measure), std::nullopt, 0};
  if (!c.measure.empty() && c.measure[0] == '=') m.value = J(c.measure.substr(1));
  Result<EntityUpdate> u = MeasuresToAttributes(d, nullptr, {m}, kNow);
  if (c.expected.empty()) {
    ASSERT_FALSE(u.ok()) << c.type << " " << c.measure;
    EXPECT_EQ(u.status().code(), StatusCode::kBadRequestData);
    EXPECT_THAT(u.status().message(), HasSubstr("group 1, attribute a: value is not"));
    EXPECT_THAT(u.status().message(), HasSubstr("(provisioned type " + c.type + ")"));
    return;
  }
  ASSERT_TRUE(u.ok()) << u.status().message();
  boost::json::object attribute = u->fragments[0].at("a").as_object();
  attribute.erase("observedAt");
  EXPECT_EQ(boost::json::value(attribute), J(c.expected)) << c.type << " " << c.measure;
}

INSTANTIATE_TEST_SUITE_P(
    DeviceMappingTest, ConversionTest,
    ::testing::Values(
        Conversion{"Number", "21.5", R"({"type": "Property", "value": 21.5})"},
        Conversion{"Number", "-7", R"({"type": "Property", "value": -7})"},
        Conversion{"number", "1e3", R"({"type": "Property", "value": 1000.0})"},
        Conversion{"Number", "=21.5", R"({"type": "Property", "value": 21.5})"},
        Conversion{"Number", "abc", ""}, Conversion{"Number", "inf", ""},
        Conversion{"Number", "1.5x", ""}, Conversion{"Number", "=true", ""},
        Conversion{"Integer", "42", R"({"type": "Property", "value": 42})"},
        Conversion{"Integer", "=42.0", R"({"type": "Property", "value": 42})"},
        Conversion{"Integer", "4.5", ""},
        Conversion{"Float", "3", R"({"type": "Property", "value": 3})"},
        Conversion{"Boolean", "true", R"({"type": "Property", "value": true})"},
        Conversion{"Boolean", "FALSE", R"({"type": "Property", "value": false})"},
        Conversion{"Boolean", "1", R"({"type": "Property", "value": true})"},
        Conversion{"Boolean", "=false", R"({"type": "Property", "value": false})"},
        Conversion{"Boolean", "yes", ""},
        Conversion{"DateTime", "2024-05-01T10:00:00+02:00",
                   R"({"type": "Property",
                       "value": {"@type": "DateTime", "@value": "2024-05-01T08:00:00Z"}})"},
        Conversion{"DateTime", "tomorrow", ""},
        Conversion{"geo:point", "40.4, -3.7",
                   R"({"type": "GeoProperty",
                       "value": {"type": "Point", "coordinates": [-3.7, 40.4]}})"},
        Conversion{"geo:point", "91,0", ""}, Conversion{"geo:point", "40.4", ""},
        Conversion{"geo:json", R"(={"type": "Point", "coordinates": [1, 2]})",
                   R"({"type": "GeoProperty", "value": {"type": "Point", "coordinates": [1, 2]}})"},
        Conversion{"GeoProperty", R"({"type":"Point","coordinates":[1,2]})",
                   R"({"type": "GeoProperty", "value": {"type": "Point", "coordinates": [1, 2]}})"},
        Conversion{"geo:json", R"(={"coordinates": [1, 2]})", ""},
        Conversion{"Relationship", "urn:ngsi-ld:Store:1",
                   R"({"type": "Relationship", "object": "urn:ngsi-ld:Store:1"})"},
        Conversion{"Relationship", "=5", ""},
        Conversion{"Text", "21.5", R"({"type": "Property", "value": "21.5"})"},
        Conversion{"StructuredValue", R"(={"a": [1]})",
                   R"({"type": "Property", "value": {"a": [1]}})"}));

TEST(DeviceMappingTest, StaticAttributesAreConvertedToo) {
  Device d = Dev();
  d.entity_type = "T";
  d.static_attributes = {{"refStore", "Relationship", "urn:ngsi-ld:Store:1"},
                         {"location", "geo:point", "40.4,-3.7"}};
  Result<EntityUpdate> u = MeasuresToAttributes(d, nullptr, Ul("t|1"), kNow);
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(boost::json::value(u->fragments[0].at("refStore")),
            J(R"({"type": "Relationship", "object": "urn:ngsi-ld:Store:1"})"));
  EXPECT_EQ(u->fragments[0].at("location").at("type"), J(R"("GeoProperty")"));
  d.static_attributes = {{"size", "Number", "big"}};
  EXPECT_THAT(MeasuresToAttributes(d, nullptr, Ul("t|1"), kNow).status().message(),
              HasSubstr("static attribute size: value is not a number"));
}

TEST(DeviceMappingTest, RejectsWhatCannotBeAnEntityUpdate) {
  ServiceGroup g = Group();
  Device d = Dev();
  EXPECT_THAT(MeasuresToAttributes(d, &g, {}, kNow).status().message(), HasSubstr("no measures"));
  EXPECT_THAT(MeasuresToAttributes(d, nullptr, Ul("t|1"), kNow).status().message(),
              HasSubstr("has no entity_type and no service group gives one"));
  Result<EntityUpdate> u = MeasuresToAttributes(d, &g, Ul("t|1#type|x"), kNow);
  ASSERT_FALSE(u.ok());
  EXPECT_THAT(u.status().message(), HasSubstr("group 2, measure 2: its name cannot be"));
}

TEST(DeviceMappingTest, ConversionErrorsNeverEchoTheValue) {
  ServiceGroup g = Group();
  Result<EntityUpdate> u = MeasuresToAttributes(Dev(), &g, Ul("t|aa:bb:cc:dd:ee:ff"), kNow);
  ASSERT_FALSE(u.ok());
  EXPECT_THAT(u.status().message(), HasSubstr("attribute temperature: value is not a number"));
  EXPECT_THAT(u.status().message(), Not(HasSubstr("aa:bb")));
}

}  // namespace
}  // namespace civitas::ingest
