// IoT Agent JSON measures and single-measure payloads.

#include "civitas/ingest/iota_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace civitas::ingest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Timestamp Ts(std::string_view text) { return *ParseTimestamp(text); }

Measure M(std::string id, std::string_view json, uint32_t group = 0,
          std::optional<Timestamp> at = std::nullopt) {
  return Measure{std::move(id), boost::json::parse(json), at, group};
}

void ExpectError(std::string_view payload, std::string_view message) {
  Result<std::vector<Measure>> r = ParseIotaJson(payload);
  ASSERT_FALSE(r.ok()) << payload;
  EXPECT_EQ(r.status().code(), StatusCode::kBadRequestData);
  EXPECT_THAT(r.status().message(), HasSubstr(std::string(message))) << payload;
}

TEST(IotaJsonTest, ParsesObjectKeepingJsonTypes) {
  Result<std::vector<Measure>> r = ParseIotaJson(
      R"({"t": 21.3, "n": 7, "s": "on", "b": true, "o": {"a": [1, 2]}, "l": [1, "x"]})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r,
            (std::vector<Measure>{M("t", "21.3"), M("n", "7"), M("s", R"("on")"), M("b", "true"),
                                  M("o", R"({"a": [1, 2]})"), M("l", R"([1, "x"])")}));
}

TEST(IotaJsonTest, ArrayIsOneGroupPerObject) {
  Result<std::vector<Measure>> r = ParseIotaJson(R"([{"t": 1, "h": 2}, {"t": 3}])");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, (std::vector<Measure>{M("t", "1", 0), M("h", "2", 0), M("t", "3", 1)}));
}

TEST(IotaJsonTest, TimeInstantSetsObservedAtOfItsGroup) {
  Result<std::vector<Measure>> r = ParseIotaJson(
      R"([{"t": 1, "TimeInstant": "2024-05-01T10:00:00Z"}, {"t": 2},
          {"TimeInstant": "2024-05-01T12:00:00.5+01:00", "t": 3}])");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, (std::vector<Measure>{M("t", "1", 0, Ts("2024-05-01T10:00:00Z")), M("t", "2", 1),
                                      M("t", "3", 2, Ts("2024-05-01T11:00:00.5Z"))}));
}

TEST(IotaJsonTest, RejectsInvalidJsonAndWrongShapes) {
  ExpectError("", "not valid JSON");
  ExpectError("{\"t\": 1", "not valid JSON");
  ExpectError("t|1", "not valid JSON");
  ExpectError("42", "must be an object or an array of objects");
  ExpectError("\"t\"", "must be an object or an array of objects");
  ExpectError("[]", "empty array");
  ExpectError(R"([{"t": 1}, 2])", "group 2 is not an object");
  ExpectError(R"([[{"t": 1}]])", "group 1 is not an object");
}

TEST(IotaJsonTest, RejectsGroupsWithoutMeasures) {
  ExpectError("{}", "payload carries no measures");
  ExpectError(R"({"TimeInstant": "2024-05-01T10:00:00Z"})", "carries no measures");
  ExpectError(R"([{"t": 1}, {}])", "group 2 carries no measures");
}

TEST(IotaJsonTest, RejectsNullValuesAndBadKeys) {
  ExpectError(R"({"t": 1, "h": null})", "member 2: value is null");
  ExpectError(R"({"": 1})", "member 1: key is empty");
  ExpectError(R"({"a b": 1})", "member 1: key is empty or has a character not allowed");
  ExpectError(R"({"t": 1, "x;y": 1})", "member 2");
}

TEST(IotaJsonTest, RejectsBadTimeInstant) {
  ExpectError(R"({"t": 1, "TimeInstant": 1714557600})", "member 2: TimeInstant must be a string");
  ExpectError(R"([{"t": 1}, {"t": 1, "TimeInstant": "soon"}])",
              "group 2, member 2: TimeInstant is not an ISO 8601 timestamp");
}

TEST(IotaJsonTest, RejectsHostileNesting) {
  std::string deep(100, '[');
  ExpectError(R"({"t": )" + deep + std::string(100, ']') + "}", "not valid JSON");
}

TEST(IotaJsonTest, ErrorsNeverEchoThePayload) {
  for (std::string_view payload :
       {R"({"mac": "aa:bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:ff x": 1})",
        R"({"TimeInstant": "aa:bb:cc:dd:ee:ff", "t": 1})", R"({"aa:bb:cc:dd:ee:ff": null})",
        R"({"aa:bb:cc:dd:ee:ff": 1,)"}) {
    Result<std::vector<Measure>> r = ParseIotaJson(payload);
    ASSERT_FALSE(r.ok()) << payload;
    EXPECT_THAT(r.status().message(), Not(HasSubstr("aa:bb"))) << payload;
  }
}

TEST(SingleMeasureTest, JsonDevicesParseJsonAndFallBackToText) {
  EXPECT_EQ(*ParseSingleMeasure("t", "21.5", SingleMeasureFormat::kJson), M("t", "21.5"));
  EXPECT_EQ(*ParseSingleMeasure("o", R"({"a":1})", SingleMeasureFormat::kJson),
            M("o", R"({"a":1})"));
  EXPECT_EQ(*ParseSingleMeasure("s", "on", SingleMeasureFormat::kJson), M("s", R"("on")"));
  EXPECT_EQ(ParseSingleMeasure("s", "null", SingleMeasureFormat::kJson).status().code(),
            StatusCode::kBadRequestData);
}

TEST(SingleMeasureTest, UltraLightDevicesKeepTheRawText) {
  EXPECT_EQ(*ParseSingleMeasure("t", "21.5", SingleMeasureFormat::kUltraLight),
            M("t", R"("21.5")"));
  EXPECT_EQ(*ParseSingleMeasure("t", "a|b", SingleMeasureFormat::kUltraLight), M("t", R"("a|b")"));
}

TEST(SingleMeasureTest, RejectsEmptyPayloadAndBadNames) {
  EXPECT_THAT(ParseSingleMeasure("t", "", SingleMeasureFormat::kJson).status().message(),
              HasSubstr("payload is empty"));
  EXPECT_FALSE(ParseSingleMeasure("", "1", SingleMeasureFormat::kJson).ok());
  EXPECT_FALSE(ParseSingleMeasure("a=b", "1", SingleMeasureFormat::kUltraLight).ok());
  EXPECT_FALSE(ParseSingleMeasure("TimeInstant", "1", SingleMeasureFormat::kUltraLight).ok());
}

}  // namespace
}  // namespace civitas::ingest
