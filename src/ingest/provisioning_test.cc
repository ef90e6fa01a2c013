// Service groups and devices in the IoT Agent provisioning JSON.

#include "civitas/ingest/provisioning.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace civitas::ingest {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kServices = R"({"services": [{
  "apikey": "4jggokgpepnvsb2uv4s40d59ov",
  "cbroker": "http://orion:1026",
  "entity_type": "Thing",
  "resource": "/iot/d",
  "trust": "ignored",
  "attributes": [{"object_id": "t", "name": "temperature", "type": "Number",
                  "metadata": {"unitCode": {"type": "Text", "value": "CEL"}}}],
  "lazy": [{"name": "luminosity", "type": "Number"}],
  "commands": [{"name": "reset"}, {"name": "ping", "type": "command"}],
  "static_attributes": [{"name": "category", "type": "Text", "value": ["sensor"]}]
}]})";

constexpr std::string_view kDevices = R"({"devices": [{
  "device_id": "motion001",
  "entity_name": "urn:ngsi-ld:Motion:001",
  "entity_type": "Motion",
  "protocol": "PDI-IoTA-UltraLight",
  "transport": "mqtt",
  "timezone": "Europe/Berlin",
  "attributes": [{"object_id": "c", "name": "count", "type": "Integer"}],
  "static_attributes": [{"name": "refStore", "type": "Relationship",
                         "value": "urn:ngsi-ld:Store:001"}]
}, {"device_id": "lamp001", "protocol": "IoTA-JSON",
    "commands": [{"name": "on", "type": "command"}]}]})";

Status DeviceError(std::string_view device_json) {
  Result<std::vector<Device>> r =
      ParseDevices(std::string(R"({"devices": [)") + std::string(device_json) + "]}");
  return r.ok() ? Status::Ok() : r.status();
}

Status GroupError(std::string_view group_json) {
  Result<std::vector<ServiceGroup>> r =
      ParseServiceGroups(std::string(R"({"services": [)") + std::string(group_json) + "]}");
  return r.ok() ? Status::Ok() : r.status();
}

void ExpectError(const Status& status, std::string_view message) {
  EXPECT_EQ(status.code(), StatusCode::kBadRequestData);
  EXPECT_THAT(status.message(), HasSubstr(std::string(message)));
}

TEST(ProvisioningTest, ParsesServiceGroupAndIgnoresUnknownFields) {
  Result<std::vector<ServiceGroup>> r = ParseServiceGroups(kServices);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 1u);
  const ServiceGroup& g = (*r)[0];
  EXPECT_EQ(g.apikey, "4jggokgpepnvsb2uv4s40d59ov");
  EXPECT_EQ(g.entity_type, "Thing");
  EXPECT_EQ(g.resource, "/iot/d");
  EXPECT_EQ(g.attributes, (std::vector<AttributeMapping>{{"t", "temperature", "Number", "CEL"}}));
  EXPECT_EQ(g.lazy, (std::vector<AttributeMapping>{{"luminosity", "luminosity", "Number", ""}}));
  EXPECT_EQ(g.commands, (std::vector<AttributeMapping>{{"reset", "reset", "command", ""},
                                                       {"ping", "ping", "command", ""}}));
  ASSERT_EQ(g.static_attributes.size(), 1u);
  EXPECT_EQ(g.static_attributes[0].value, boost::json::parse(R"(["sensor"])"));
}

TEST(ProvisioningTest, AcceptsTheNewerGroupsKey) {
  Result<std::vector<ServiceGroup>> r =
      ParseServiceGroups(R"({"groups": [{"apikey": "k", "entity_type": "T"}]})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)[0].apikey, "k");
}

TEST(ProvisioningTest, ParsesDevices) {
  Result<std::vector<Device>> r = ParseDevices(kDevices);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  const Device& d = (*r)[0];
  EXPECT_EQ(d.device_id, "motion001");
  EXPECT_EQ(d.entity_name, "urn:ngsi-ld:Motion:001");
  EXPECT_EQ(d.entity_type, "Motion");
  EXPECT_EQ(d.transport, "MQTT");  // normalised
  EXPECT_EQ(d.timezone, "Europe/Berlin");
  EXPECT_EQ(d.attributes, (std::vector<AttributeMapping>{{"c", "count", "Integer", ""}}));
  EXPECT_EQ(ProtocolOf(d), PayloadProtocol::kUltraLight);
  EXPECT_EQ(ProtocolOf((*r)[1]), PayloadProtocol::kJson);
  EXPECT_TRUE((*r)[1].entity_type.empty());
}

TEST(ProvisioningTest, ObjectIdDefaultsToName) {
  Result<Device> d = ParseDevice(
      boost::json::parse(R"({"device_id": "d", "attributes": [{"name": "t", "type": "Number"}]})")
          .as_object(),
      "device");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->attributes[0].object_id, "t");
}

TEST(ProvisioningTest, ProtocolNamesAreCaseInsensitive) {
  Device d;
  for (std::string_view p : {"IoTA-UL", "iota-ul", "UL", "PDI-IoTA-UltraLight"}) {
    d.protocol = p;
    EXPECT_EQ(ProtocolOf(d), PayloadProtocol::kUltraLight) << p;
  }
  for (std::string_view p : {"IoTA-JSON", "json"}) {
    d.protocol = p;
    EXPECT_EQ(ProtocolOf(d), PayloadProtocol::kJson) << p;
  }
  for (std::string_view p : {"", "LWM2M", "IoTA-ULX"}) {
    d.protocol = p;
    EXPECT_EQ(ProtocolOf(d), std::nullopt) << p;
  }
}

TEST(ProvisioningTest, RejectsBadBodies) {
  ExpectError(ParseServiceGroups("").status(), "services body is not valid JSON");
  ExpectError(ParseServiceGroups("[]").status(), "services body must be an object");
  ExpectError(ParseServiceGroups("{}").status(), "needs a \"services\" array");
  ExpectError(ParseServiceGroups(R"({"services": []})").status(), "services: must be a non-empty");
  ExpectError(ParseServiceGroups(R"({"services": [1]})").status(),
              "services[0]: must be an object");
  ExpectError(ParseDevices(R"({"devices": {}})").status(), "devices: must be a non-empty array");
  ExpectError(ParseDevices(R"({"device": []})").status(), "needs a \"devices\" array");
}

TEST(ProvisioningTest, RejectsMissingAndMistypedServiceFields) {
  ExpectError(GroupError(R"({"entity_type": "T"})"), "services[0].apikey: required");
  ExpectError(GroupError(R"({"apikey": "", "entity_type": "T"})"),
              "services[0].apikey: must be a non-empty string");
  ExpectError(GroupError(R"({"apikey": 5, "entity_type": "T"})"),
              "services[0].apikey: must be a non-empty string");
  ExpectError(GroupError(R"({"apikey": "k"})"), "services[0].entity_type: required");
  ExpectError(GroupError(R"({"apikey": "k", "entity_type": "T", "resource": 1})"),
              "services[0].resource: must be a string");
  ExpectError(GroupError(R"({"apikey": "a/b", "entity_type": "T"})"),
              "services[0].apikey: must be 1-256 bytes without '/'");
  ExpectError(GroupError(R"({"apikey": "k", "entity_type": "T", "attributes": {}})"),
              "services[0].attributes: must be an array");
  ExpectError(GroupError(R"({"apikey": "k", "entity_type": "T", "attributes": ["t"]})"),
              "services[0].attributes[0]: must be an object");
}

TEST(ProvisioningTest, RejectsBadAttributes) {
  ExpectError(DeviceError(R"({"device_id": "d", "attributes": [{"type": "Number"}]})"),
              "devices[0].attributes[0].name: required");
  ExpectError(DeviceError(R"({"device_id": "d", "attributes": [{"name": "t"}]})"),
              "devices[0].attributes[0].type: required");
  ExpectError(DeviceError(R"({"device_id": "d", "lazy": [{"name": "t", "type": 3}]})"),
              "devices[0].lazy[0].type: must be a non-empty string");
  ExpectError(DeviceError(R"({"device_id": "d", "attributes": [{"name": "a b", "type": "T"}]})"),
              "devices[0].attributes[0].name: not a valid attribute name");
  ExpectError(DeviceError(R"({"device_id": "d", "attributes": [{"name": "type", "type": "T"}]})"),
              "id, type and @context cannot be attribute names");
  ExpectError(DeviceError(R"({"device_id": "d", "attributes":
                [{"object_id": "x|y", "name": "t", "type": "T"}]})"),
              "devices[0].attributes[0].object_id: not a valid measure name");
  ExpectError(DeviceError(R"({"device_id": "d", "attributes":
                [{"object_id": "TimeInstant", "name": "t", "type": "T"}]})"),
              "TimeInstant is the measure timestamp");
  ExpectError(DeviceError(R"({"device_id": "d", "attributes":
                [{"name": "t", "type": "T", "metadata": {"unitCode": "CEL"}}]})"),
              "devices[0].attributes[0].metadata.unitCode: must be an object");
  ExpectError(
      DeviceError(R"({"device_id": "d", "static_attributes": [{"name": "s", "type": "T"}]})"),
      "devices[0].static_attributes[0].value: required");
  ExpectError(DeviceError(R"({"device_id": "d", "commands": [{"name": ""}]})"),
              "devices[0].commands[0].name: must be a non-empty string");
}

TEST(ProvisioningTest, RejectsDuplicateNamesAndObjectIds) {
  ExpectError(DeviceError(R"({"device_id": "d", "attributes": [
                {"object_id": "t", "name": "a", "type": "T"},
                {"object_id": "t", "name": "b", "type": "T"}]})"),
              "object_id 't' is mapped twice");
  ExpectError(DeviceError(R"({"device_id": "d", "attributes": [{"name": "a", "type": "T"}],
                "commands": [{"name": "a"}]})"),
              "attribute name 'a' is defined twice");
  ExpectError(DeviceError(R"({"device_id": "d", "lazy": [{"name": "a", "type": "T"}],
                "static_attributes": [{"name": "a", "type": "T", "value": 1}]})"),
              "attribute name 'a' is defined twice");
}

TEST(ProvisioningTest, RejectsBadDeviceFields) {
  ExpectError(DeviceError(R"({"entity_type": "T"})"), "devices[0].device_id: required");
  ExpectError(DeviceError(R"({"device_id": "a+b"})"), "devices[0].device_id: must be 1-256 bytes");
  ExpectError(DeviceError(R"({"device_id": "a b"})"), "devices[0].device_id");
  ExpectError(DeviceError(R"({"device_id": "d", "apikey": "#"})"), "devices[0].apikey");
  ExpectError(DeviceError(R"({"device_id": "d", "transport": "COAP"})"),
              "devices[0].transport: must be MQTT, HTTP or AMQP");
  ExpectError(DeviceError(R"({"device_id": "d", "entity_name": 7})"),
              "devices[0].entity_name: must be a string");
  ExpectError(DeviceError(R"({"device_id": "d"}, {"device_id": "d"})"),
              "devices[1]: device_id repeats an earlier device");
  ExpectError(
      GroupError(R"({"apikey": "k", "entity_type": "T"}, {"apikey": "k", "entity_type": "U"})"),
      "services[1]: apikey and resource repeat");
}

TEST(ProvisioningTest, SameDeviceIdUnderTwoApikeysIsAllowed) {
  EXPECT_TRUE(
      DeviceError(R"({"device_id": "d", "apikey": "a"}, {"device_id": "d", "apikey": "b"})").ok());
}

TEST(ProvisioningTest, ToJsonRoundTrips) {
  Result<std::vector<ServiceGroup>> groups = ParseServiceGroups(kServices);
  ASSERT_TRUE(groups.ok());
  for (const ServiceGroup& g : *groups) {
    Result<ServiceGroup> back = ParseServiceGroup(ServiceGroupToJson(g), "g");
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, g) << boost::json::serialize(ServiceGroupToJson(g));
  }
  Result<std::vector<Device>> devices = ParseDevices(kDevices);
  ASSERT_TRUE(devices.ok());
  for (const Device& d : *devices) {
    Result<Device> back = ParseDevice(DeviceToJson(d), "d");
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, d) << boost::json::serialize(DeviceToJson(d));
  }
  EXPECT_FALSE(DeviceToJson((*devices)[1]).contains("entity_name"));
}

}  // namespace
}  // namespace civitas::ingest
