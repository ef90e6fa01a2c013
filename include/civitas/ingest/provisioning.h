#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "civitas/core/result.h"

namespace civitas::ingest {

// Device provisioning in the shape of the FIWARE IoT Agent provisioning API (/iot/services and
// /iot/devices bodies); docs/formats/iot-agent.md lists every field. Value types only: storing
// them and serving the HTTP endpoints is the caller's job. All functions are pure, thread-safe
// and never throw. Fields this model does not know (cbroker, service, subservice, trust,
// timestamp, expressionLanguage, ...) are accepted and dropped, as an IoT Agent behind a fixed
// broker would ignore them.

// An active attribute: maps the device's object_id to an NGSI-LD attribute name and IoT Agent
// type ("Number", "Boolean", "DateTime", "geo:point", "Relationship", "Text", ...).
// For lazy attributes and commands, object_id equals name.
struct AttributeMapping {
  std::string object_id;  // defaults to name
  std::string name;
  std::string type;
  std::string unit_code;  // from metadata.unitCode.value; empty when absent

  friend bool operator==(const AttributeMapping&, const AttributeMapping&) = default;
};

// A constant attribute added to every update of the entity.
struct StaticAttribute {
  std::string name;
  std::string type;
  boost::json::value value;

  friend bool operator==(const StaticAttribute&, const StaticAttribute&) = default;
};

// What devices of one apikey share (the IoT Agent's "service group" / "config group").
struct ServiceGroup {
  std::string apikey;       // required; the first topic segment of its devices
  std::string entity_type;  // required; default entity type of its devices
  std::string resource;     // the HTTP path of the IoT Agent ("/iot/d"); kept, not used by MQTT
  std::vector<AttributeMapping> attributes;
  std::vector<AttributeMapping> lazy;
  std::vector<AttributeMapping> commands;
  std::vector<StaticAttribute> static_attributes;

  friend bool operator==(const ServiceGroup&, const ServiceGroup&) = default;
};

// One provisioned device.
struct Device {
  std::string device_id;    // required; a topic segment
  std::string apikey;       // optional; links the device to its service group
  std::string entity_name;  // optional; default urn:ngsi-ld:<entity_type>:<device_id>
  std::string entity_type;  // optional; default the service group's
  std::string protocol;     // optional: "IoTA-UL", "PDI-IoTA-UltraLight", "IoTA-JSON", ...
  std::string transport;    // optional: "MQTT", "HTTP" or "AMQP" (normalised to upper case)
  std::string timezone;     // optional; kept, not interpreted
  std::vector<AttributeMapping> attributes;
  std::vector<AttributeMapping> lazy;
  std::vector<AttributeMapping> commands;
  std::vector<StaticAttribute> static_attributes;

  friend bool operator==(const Device&, const Device&) = default;
};

// The payload format a device's `protocol` names: UltraLight for "IoTA-UL",
// "PDI-IoTA-UltraLight" and "UL"; JSON for "IoTA-JSON" and "JSON"; nullopt otherwise (empty or
// unknown). Case-insensitive.
enum class PayloadProtocol { kUltraLight, kJson };
std::optional<PayloadProtocol> ProtocolOf(const Device& device);

// One service group / device from its JSON object. kBadRequestData naming the field path
// (`services[2].attributes[0].name: must be a non-empty string`) when a required field is missing,
// a field has the wrong JSON type, an id contains characters not allowed in a topic segment
// ('/', '+', '#', whitespace, control), an attribute name is not a valid NGSI-LD name or is
// reserved (id, type, @context), or two attributes share an object_id or a name.
// `where` prefixes the messages ("services[2]").
Result<ServiceGroup> ParseServiceGroup(const boost::json::object& json, std::string_view where);
Result<Device> ParseDevice(const boost::json::object& json, std::string_view where);

// Request bodies: `{"services": [...]}` (or `{"groups": [...]}`, the newer IoT Agent name) and
// `{"devices": [...]}`. kBadRequestData for invalid JSON, a missing or empty list, any invalid
// element, or a duplicate apikey / device_id within the body.
Result<std::vector<ServiceGroup>> ParseServiceGroups(std::string_view body);
Result<std::vector<Device>> ParseDevices(std::string_view body);

// The IoT Agent JSON of one group / device, as ParseServiceGroup / ParseDevice read it back
// (empty optional fields are left out).
boost::json::object ServiceGroupToJson(const ServiceGroup& group);
boost::json::object DeviceToJson(const Device& device);

}  // namespace civitas::ingest
