// IoT Agent MQTT topics.

#include "civitas/ingest/topic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace civitas::ingest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

DeviceTopic T(TopicProtocol protocol, std::string apikey, std::string device, TopicKind kind,
              std::string attr = "") {
  return DeviceTopic{protocol, std::move(apikey), std::move(device), kind, std::move(attr)};
}

constexpr TopicProtocol kNone = TopicProtocol::kUnspecified;

TEST(DeviceTopicTest, ParsesEveryKind) {
  EXPECT_EQ(*ParseDeviceTopic("/k1/dev1/attrs"), T(kNone, "k1", "dev1", TopicKind::kAttrs));
  EXPECT_EQ(*ParseDeviceTopic("/k1/dev1/attrs/t"), T(kNone, "k1", "dev1", TopicKind::kAttr, "t"));
  EXPECT_EQ(*ParseDeviceTopic("/k1/dev1/cmd"), T(kNone, "k1", "dev1", TopicKind::kCmd));
  EXPECT_EQ(*ParseDeviceTopic("/k1/dev1/cmdexe"), T(kNone, "k1", "dev1", TopicKind::kCmdExe));
}

TEST(DeviceTopicTest, ParsesProtocolPrefixes) {
  EXPECT_EQ(*ParseDeviceTopic("/json/k1/dev1/attrs"),
            T(TopicProtocol::kJson, "k1", "dev1", TopicKind::kAttrs));
  EXPECT_EQ(*ParseDeviceTopic("/ul/k1/dev1/attrs/h"),
            T(TopicProtocol::kUltraLight, "k1", "dev1", TopicKind::kAttr, "h"));
  EXPECT_EQ(*ParseDeviceTopic("/json/k1/dev1/cmdexe"),
            T(TopicProtocol::kJson, "k1", "dev1", TopicKind::kCmdExe));
}

TEST(DeviceTopicTest, LeadingSlashIsOptional) {
  EXPECT_EQ(*ParseDeviceTopic("k1/dev1/attrs"), T(kNone, "k1", "dev1", TopicKind::kAttrs));
  EXPECT_EQ(*ParseDeviceTopic("json/k1/dev1/attrs"),
            T(TopicProtocol::kJson, "k1", "dev1", TopicKind::kAttrs));
}

TEST(DeviceTopicTest, AmbiguousTopicsPreferThePrefixedReading) {
  // Both "/ul <k> <attrs> attrs" and "<ul> <k> attrs/<attrs>" fit; the prefix wins.
  EXPECT_EQ(*ParseDeviceTopic("/ul/k/attrs/attrs"),
            T(TopicProtocol::kUltraLight, "k", "attrs", TopicKind::kAttrs));
  // Only the unprefixed reading fits: apikey "json".
  EXPECT_EQ(*ParseDeviceTopic("/json/dev/attrs/t"), T(kNone, "json", "dev", TopicKind::kAttr, "t"));
  EXPECT_EQ(*ParseDeviceTopic("/json/dev/attrs"), T(kNone, "json", "dev", TopicKind::kAttrs));
}

TEST(DeviceTopicTest, RejectsMalformedTopics) {
  for (std::string_view topic : std::vector<std::string_view>{
           "", "/", "/k1", "/k1/dev1", "/k1/dev1/status", "//dev1/attrs", "/k1//attrs",
           "/k1/dev1/attrs/", "/k1/dev1/cmd/x", "/k1/dev1/cmdexe/x", "/json/k1/dev1/attrs/t/u",
           "/a/b/c/d/e/f/g", "/k+/dev1/attrs", "/k1/#/attrs", "/k1/dev 1/attrs",
           std::string_view("/k1/d\0v/attrs", 14), "/k1/dev1/attrs/t\n"}) {
    Result<DeviceTopic> r = ParseDeviceTopic(topic);
    EXPECT_FALSE(r.ok()) << topic;
    EXPECT_EQ(r.status().code(), StatusCode::kBadRequestData) << topic;
  }
}

TEST(DeviceTopicTest, ErrorsNameTheProblemWithoutEchoingIds) {
  Result<DeviceTopic> r = ParseDeviceTopic("/k1/aa:bb:cc:dd:ee:ff/status");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("attrs[/<attr>]|cmd|cmdexe"));
  EXPECT_THAT(r.status().message(), Not(HasSubstr("aa:bb")));
  EXPECT_THAT(ParseDeviceTopic("/k1//attrs").status().message(), HasSubstr("segment 2 is empty"));
  EXPECT_THAT(ParseDeviceTopic("/k1/d").status().message(), HasSubstr("has 2 segments"));
}

TEST(DeviceTopicTest, FormatRoundTrips) {
  for (const DeviceTopic& t :
       {T(kNone, "k1", "dev1", TopicKind::kCmd), T(kNone, "k1", "dev1", TopicKind::kAttr, "t"),
        T(TopicProtocol::kJson, "k1", "dev1", TopicKind::kAttrs),
        T(TopicProtocol::kUltraLight, "k1", "dev1", TopicKind::kCmdExe)}) {
    std::string text = FormatDeviceTopic(t);
    EXPECT_EQ(*ParseDeviceTopic(text), t) << text;
  }
  EXPECT_EQ(FormatDeviceTopic(T(kNone, "k1", "dev1", TopicKind::kCmd)), "/k1/dev1/cmd");
}

}  // namespace
}  // namespace civitas::ingest
