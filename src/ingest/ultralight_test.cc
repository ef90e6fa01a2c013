// UltraLight 2.0 measures, commands and command results.

#include "civitas/ingest/ultralight.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace civitas::ingest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Timestamp Ts(std::string_view text) { return *ParseTimestamp(text); }

Measure M(std::string id, std::string value, uint32_t group = 0,
          std::optional<Timestamp> at = std::nullopt) {
  return Measure{std::move(id), boost::json::string(value), at, group};
}

void ExpectError(std::string_view payload, std::string_view message) {
  Result<std::vector<Measure>> r = ParseUltraLight(payload);
  ASSERT_FALSE(r.ok()) << payload;
  EXPECT_EQ(r.status().code(), StatusCode::kBadRequestData);
  EXPECT_THAT(r.status().message(), HasSubstr(std::string(message))) << payload;
}

TEST(UltraLightTest, ParsesKeyValuePairsAsStrings) {
  Result<std::vector<Measure>> r = ParseUltraLight("t|21.3|h|55");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, (std::vector<Measure>{M("t", "21.3"), M("h", "55")}));
}

TEST(UltraLightTest, ParsesGroupsSeparatedByHash) {
  Result<std::vector<Measure>> r = ParseUltraLight("gps|1.2/3.4#t|10#h|1|p|2");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, (std::vector<Measure>{M("gps", "1.2/3.4", 0), M("t", "10", 1), M("h", "1", 2),
                                      M("p", "2", 2)}));
}

TEST(UltraLightTest, TimestampPrefixAppliesToItsGroupOnly) {
  Result<std::vector<Measure>> r =
      ParseUltraLight("2016-06-13T00:35:30Z|lle|100#t|5#2024-05-01T10:00:00.250+02:00|t|6");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r,
            (std::vector<Measure>{M("lle", "100", 0, Ts("2016-06-13T00:35:30Z")), M("t", "5", 1),
                                  M("t", "6", 2, Ts("2024-05-01T08:00:00.250Z"))}));
}

TEST(UltraLightTest, TimeInstantKeySetsTheGroupTimestamp) {
  Result<std::vector<Measure>> r = ParseUltraLight("t|1|TimeInstant|2024-05-01T10:00:00Z|h|2");
  ASSERT_TRUE(r.ok()) << r.status().message();
  // It applies to the whole group, including measures before it, and is not a measure itself.
  EXPECT_EQ(*r, (std::vector<Measure>{M("t", "1", 0, Ts("2024-05-01T10:00:00Z")),
                                      M("h", "2", 0, Ts("2024-05-01T10:00:00Z"))}));
}

TEST(UltraLightTest, ToleratesOneLeadingBarPerGroupAndTrailingNewline) {
  Result<std::vector<Measure>> r = ParseUltraLight("|t|1#|h|2\r\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, (std::vector<Measure>{M("t", "1", 0), M("h", "2", 1)}));
}

TEST(UltraLightTest, ValuesAreFreeTextButKeysAreNames) {
  Result<std::vector<Measure>> r = ParseUltraLight("s|a b@c=d, e/f:g|u|\xC3\xA9t\xC3\xA9");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, (std::vector<Measure>{M("s", "a b@c=d, e/f:g"), M("u", "\xC3\xA9t\xC3\xA9")}));
  ExpectError("a b|1", "field 1: measure name has a character not allowed");
  ExpectError("t|1|x=y|2", "field 3: measure name has a character not allowed");
  ExpectError("t|1|(x)|2", "field 3");
}

TEST(UltraLightTest, KeepsRepeatedKeysInOrder) {
  Result<std::vector<Measure>> r = ParseUltraLight("t|1|t|2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (std::vector<Measure>{M("t", "1"), M("t", "2")}));
}

TEST(UltraLightTest, RejectsEmptyPayloadAndEmptyGroups) {
  ExpectError("", "empty UltraLight payload");
  ExpectError("\n", "empty UltraLight payload");
  ExpectError("t|1#", "group 2 is empty");
  ExpectError("#t|1", "group 1 is empty");
  ExpectError("t|1##h|2", "group 2 is empty");
  ExpectError("|", "group 1 has an odd number of fields (1)");
}

TEST(UltraLightTest, RejectsEmptyKeysAndValues) {
  ExpectError("t||h|2", "group 1, field 2: empty value");
  ExpectError("t|1|h|", "group 1, field 4: empty value");
  ExpectError("|1|h|2", "has an odd number of fields");
  ExpectError("t|1||2", "group 1, field 3: empty measure name");
  ExpectError("t|1#h|2||", "group 2, field 3: empty measure name");
}

TEST(UltraLightTest, RejectsOddFieldCountWithoutTimestamp) {
  ExpectError("t|1|h",
              "group 1 has an odd number of fields (3) and its first field is not an "
              "ISO 8601 timestamp");
  ExpectError("t", "odd number of fields (1)");
  ExpectError("2024-13-01T00:00:00Z|t|1", "first field is not an ISO 8601 timestamp");
}

TEST(UltraLightTest, RejectsTimestampWithoutMeasures) {
  ExpectError("2024-05-01T10:00:00Z", "group 1 carries no measures");
  ExpectError("t|1#TimeInstant|2024-05-01T10:00:00Z", "group 2 carries no measures");
  ExpectError("TimeInstant|yesterday|t|1", "field 2: TimeInstant is not an ISO 8601 timestamp");
}

TEST(UltraLightTest, ErrorsNeverEchoThePayload) {
  for (std::string_view payload :
       {"aa:bb:cc:dd:ee:ff", "mac|", "mac|aa:bb:cc:dd:ee:ff|x", "aa:bb:cc:dd:ee:ff|1|mac",
        "TimeInstant|aa:bb:cc:dd:ee:ff|t|1"}) {
    Result<std::vector<Measure>> r = ParseUltraLight(payload);
    ASSERT_FALSE(r.ok()) << payload;
    EXPECT_THAT(r.status().message(), Not(HasSubstr("aa:bb"))) << payload;
    EXPECT_THAT(r.status().message(), Not(HasSubstr("mac"))) << payload;
  }
}

TEST(UltraLightCommandTest, ParsesValueCommand) {
  Result<UltraLightCommand> r = ParseUltraLightCommand("Robot1@turn|left");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->device_id, "Robot1");
  EXPECT_EQ(r->command, "turn");
  EXPECT_EQ(r->value, "left");
  EXPECT_TRUE(r->params.empty());
}

TEST(UltraLightCommandTest, ParsesParameters) {
  Result<UltraLightCommand> r = ParseUltraLightCommand("weatherStation167@ping|param1=1|p2=a=b");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->device_id, "weatherStation167");
  EXPECT_EQ(r->command, "ping");
  EXPECT_TRUE(r->value.empty());
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(r->params, (std::vector<P>{{"param1", "1"}, {"p2", "a=b"}}));
}

TEST(UltraLightCommandTest, ParsesCommandWithoutFields) {
  Result<UltraLightCommand> r = ParseUltraLightCommand("lamp7@reset\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (UltraLightCommand{"lamp7", "reset", "", {}}));
}

TEST(UltraLightCommandTest, RejectsMalformedCommands) {
  for (auto [payload, message] : std::vector<std::pair<std::string_view, std::string_view>>{
           {"", "does not start with <device_id>@<command>"},
           {"turn|left", "does not start with <device_id>@<command>"},
           {"@turn|left", "empty device id"},
           {"robot@|left", "empty command name"},
           {"robot@turn@x|left", "more than one '@'"},
           {"robot@ping|a=1|b", "parameter 2 is not <name>=<value>"},
           {"robot@ping|=1", "parameter 1 is not <name>=<value>"},
           {"rob ot@ping", "device id with a space"},
           {"robot@pi;ng|1", "command name that is not a valid attribute name"},
           {"d@c\n|x", "command name that is not a valid attribute name"},
           {std::string_view("\0@c", 3), "device id with a space, control character"},
       }) {
    Result<UltraLightCommand> r = ParseUltraLightCommand(payload);
    ASSERT_FALSE(r.ok()) << payload;
    EXPECT_EQ(r.status().code(), StatusCode::kBadRequestData);
    EXPECT_THAT(r.status().message(), HasSubstr(std::string(message))) << payload;
  }
}

TEST(UltraLightCommandTest, FormatRoundTrips) {
  for (const UltraLightCommand& c : {
           UltraLightCommand{"Robot1", "turn", "left", {}},
           UltraLightCommand{"lamp7", "reset", "", {}},
           UltraLightCommand{"st", "ping", "", {{"a", "1"}, {"b", ""}, {"c", "x=y"}}},
       }) {
    Result<std::string> text = FormatUltraLightCommand(c);
    ASSERT_TRUE(text.ok()) << text.status().message();
    Result<UltraLightCommand> back = ParseUltraLightCommand(*text);
    ASSERT_TRUE(back.ok()) << *text;
    EXPECT_EQ(*back, c) << *text;
  }
  EXPECT_EQ(*FormatUltraLightCommand({"Robot1", "turn", "left", {}}), "Robot1@turn|left");
  EXPECT_EQ(*FormatUltraLightCommand({"s", "p", "ignored", {{"a", "1"}}}), "s@p|a=1");
}

TEST(UltraLightCommandTest, FormatRejectsSeparatorsItCannotEscape) {
  EXPECT_FALSE(FormatUltraLightCommand({"", "turn", "", {}}).ok());
  EXPECT_FALSE(FormatUltraLightCommand({"a@b", "turn", "", {}}).ok());
  EXPECT_FALSE(FormatUltraLightCommand({"a", "tu|rn", "", {}}).ok());
  EXPECT_FALSE(FormatUltraLightCommand({"a", "turn", "le|ft", {}}).ok());
  EXPECT_FALSE(FormatUltraLightCommand({"a", "turn", "x=1", {}}).ok());
  EXPECT_FALSE(FormatUltraLightCommand({"a", "turn", "", {{"p=q", "1"}}}).ok());
  EXPECT_FALSE(FormatUltraLightCommand({"a", "turn", "", {{"p", "1#2"}}}).ok());
  EXPECT_FALSE(FormatUltraLightCommand({"a", "turn", "", {{"", "1"}}}).ok());
  EXPECT_FALSE(FormatUltraLightCommand({"a", "turn", "left\n", {}}).ok());
  EXPECT_FALSE(FormatUltraLightCommand({"a", "turn", "", {{"p", "1\r"}}}).ok());
  EXPECT_FALSE(FormatUltraLightCommand({"a b", "turn", "", {}}).ok());
}

TEST(UltraLightCommandResultTest, ParsesResultIncludingBars) {
  Result<UltraLightCommandResult> r = ParseUltraLightCommandResult("id_sen1@ping|Ping ok");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (UltraLightCommandResult{"id_sen1", "ping", "Ping ok"}));
  r = ParseUltraLightCommandResult("d@c|a|b");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->result, "a|b");
  r = ParseUltraLightCommandResult("d@c");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->result, "");
}

TEST(UltraLightCommandResultTest, RejectsMalformedResults) {
  EXPECT_THAT(ParseUltraLightCommandResult("ping|ok").status().message(),
              HasSubstr("command result does not start with <device_id>@<command>"));
  EXPECT_THAT(ParseUltraLightCommandResult("@ping|ok").status().message(),
              HasSubstr("empty device id"));
  EXPECT_THAT(ParseUltraLightCommandResult("d@|ok").status().message(),
              HasSubstr("empty command name"));
}

}  // namespace
}  // namespace civitas::ingest
