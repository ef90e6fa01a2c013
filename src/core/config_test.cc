#include "civitas/core/config.h"

#include <gtest/gtest.h>

namespace civitas {
namespace {

using std::chrono::seconds;

TEST(ServerConfigTest, ParsesRetentionRules) {
  auto config = ParseServerConfig(R"(
retention:
  context: https://smart-data-models.github.io/dataModel.Environment/context.jsonld
  rules:
    - type: AirQualityObserved
      raw: 30d
      hourly: 10y
      modifiedAt: false
    - type: "*"
      raw: 36h
)");
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->retention.context.size(), 1u);
  ASSERT_EQ(config->retention.rules.size(), 2u);
  EXPECT_EQ(config->retention.rules[0].type, "AirQualityObserved");
  EXPECT_EQ(config->retention.rules[0].raw, seconds(30 * 86400));
  EXPECT_EQ(config->retention.rules[0].hourly, seconds(3650LL * 86400));
  EXPECT_FALSE(config->retention.rules[0].modified_at);
  EXPECT_TRUE(config->retention.rules[1].modified_at);
  EXPECT_EQ(config->retention.rules[1].type, "*");
  EXPECT_EQ(config->retention.rules[1].raw, seconds(36 * 3600));
  EXPECT_EQ(config->retention.rules[1].hourly, seconds(0));
}

TEST(ServerConfigTest, EmptyFileIsTheDefaults) {
  auto config = ParseServerConfig("");
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->retention.rules.empty());
}

TEST(ServerConfigTest, RejectsWhatWouldSilentlyKeepOrLoseData) {
  const char* bad[] = {
      "retention:\n  rule:\n    - {type: x, raw: 1d}\n",         // typo'd key
      "retension: {}\n",                                         // typo'd section
      "retention: {rules: [{type: x}]}\n",                       // no raw
      "retention: {rules: [{raw: 1d}]}\n",                       // no type
      "retention: {rules: [{type: x, raw: 2d, hourly: 1d}]}\n",  // rollup shorter than raw
      "retention: {rules: [{type: x, raw: 1d}, {type: x, raw: 2d}]}\n",
      "retention: {rules: [{type: x, raw: 30}]}\n",  // no unit
      "retention: {rules: {type: x}}\n",             // not a list
      "retention: [1, 2]\n",
      "retention: {rules: [{type: x, raw: 1d}]\n",                   // YAML syntax error
      "retention: {rules: [{type: x, raw: 1d, modifiedAt: no}]}\n",  // not true/false
  };
  for (const char* text : bad) {
    auto config = ParseServerConfig(text);
    EXPECT_FALSE(config.ok()) << text;
    if (!config.ok()) {
      EXPECT_EQ(config.status().code(), StatusCode::kInvalidRequest) << text;
    }
  }
}

TEST(ServerConfigTest, ParsesIngestMappings) {
  auto config = ParseServerConfig(R"(
ingest:
  context: https://smart-data-models.github.io/dataModel.Environment/context.jsonld
  mappings:
    - measurement: aq
      type: AirQualityObserved
      id: sensor
      longitude: lon
      latitude: lat
      attributes:
        pm25: {unitCode: GQ}
        temp: {name: temperature, unitCode: CEL}
        note: {type: text}
        plain:
    - measurement: cpu
      id: [host, cpu]
      idPrefix: "urn:ngsi-ld:Host:"
      observedAt: time
      unmapped: drop
)");
  ASSERT_TRUE(config.ok()) << config.status().message();
  const IngestConfig& ingest = config->ingest;
  ASSERT_EQ(ingest.context.size(), 1u);
  ASSERT_EQ(ingest.mappings.size(), 2u);
  const IngestMappingConfig& aq = ingest.mappings[0];
  EXPECT_EQ(aq.measurement, "aq");
  EXPECT_EQ(aq.type, "AirQualityObserved");
  EXPECT_EQ(aq.id, std::vector<std::string>{"sensor"});
  EXPECT_EQ(aq.longitude, "lon");
  EXPECT_TRUE(aq.keep_unmapped);
  EXPECT_EQ(aq.attributes.at("pm25").unit_code, "GQ");
  EXPECT_EQ(aq.attributes.at("pm25").type, "auto");
  EXPECT_EQ(aq.attributes.at("temp").name, "temperature");
  EXPECT_EQ(aq.attributes.at("note").type, "text");
  EXPECT_EQ(aq.attributes.at("plain").name, "");
  const IngestMappingConfig& cpu = ingest.mappings[1];
  EXPECT_EQ(cpu.id, (std::vector<std::string>{"host", "cpu"}));
  EXPECT_EQ(cpu.id_prefix, "urn:ngsi-ld:Host:");
  EXPECT_EQ(cpu.observed_at, "time");
  EXPECT_FALSE(cpu.keep_unmapped);
}

TEST(ServerConfigTest, RejectsBadIngestMappings) {
  const char* bad[] = {
      "ingest: {mappings: [{type: X}]}\n",                              // no measurement
      "ingest: {mappings: [{measurement: m, longitude: x}]}\n",         // no latitude
      "ingest: {mappings: [{measurement: m}, {measurement: m}]}\n",     // twice
      "ingest: {mappings: [{measurement: m, unmapped: maybe}]}\n",
      "ingest: {mappings: [{measurement: m, attributes: {a: {type: date}}}]}\n",
      "ingest: {mappings: [{measurement: m, attributes: {a: {nmae: b}}}]}\n",
      "ingest: {mappings: [{measurement: m, id: []}]}\n",
      "ingest: {mappings: [{measurement: m, id: [a, \"\"]}]}\n",
      "ingest: {mapping: []}\n",
      "ingest: {mappings: {measurement: m}}\n",
  };
  for (const char* text : bad) {
    auto config = ParseServerConfig(text);
    EXPECT_FALSE(config.ok()) << text;
    if (!config.ok()) {
      EXPECT_EQ(config.status().code(), StatusCode::kInvalidRequest) << text;
      EXPECT_NE(config.status().message().find("ingest"), std::string::npos) << text;
    }
  }
}

TEST(RetentionPeriodTest, ParsesEveryUnitAndRejectsTheRest) {
  EXPECT_EQ(*ParseRetentionPeriod("90s"), seconds(90));
  EXPECT_EQ(*ParseRetentionPeriod("15m"), seconds(900));
  EXPECT_EQ(*ParseRetentionPeriod("36h"), seconds(36 * 3600));
  EXPECT_EQ(*ParseRetentionPeriod("30d"), seconds(30 * 86400));
  EXPECT_EQ(*ParseRetentionPeriod("2w"), seconds(14 * 86400));
  EXPECT_EQ(*ParseRetentionPeriod("10y"), seconds(3650LL * 86400));
  for (const char* bad : {"", "d", "0d", "-1d", "1.5d", "1x", "30", "1 d", "99999999999y"}) {
    EXPECT_FALSE(ParseRetentionPeriod(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace civitas
