#include "civitas/ingest/provisioning.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <system_error>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include "src/ingest/names.h"

namespace civitas::ingest {
namespace {

namespace json = boost::json;

std::string Path(std::string_view where, std::string_view key) {
  std::string out(where);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

// Reads an optional string member; absent leaves `out` unchanged.
Status ReadString(const json::object& object, std::string_view key, std::string_view where,
                  bool required, std::string& out) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || (value->is_null() && !required)) {
    if (required) return BadRequestData(Path(where, key) + ": required");
    return Status::Ok();
  }
  if (!value->is_string() || (required && value->get_string().empty())) {
    return BadRequestData(Path(where, key) + ": must be a " +
                          std::string(required ? "non-empty " : "") + "string");
  }
  out = std::string(value->get_string());
  return Status::Ok();
}

Status CheckAttributeName(std::string_view name, const std::string& path) {
  if (!IsValidAttributeName(name)) {
    return BadRequestData(path +
                          ": not a valid attribute name (1-256 bytes, no spaces, control "
                          "characters or any of < > \" ' = ; ( ) | #)");
  }
  if (IsReservedAttributeName(name)) {
    return BadRequestData(path + ": id, type and @context cannot be attribute names");
  }
  return Status::Ok();
}

enum class ListKind { kActive, kLazy, kCommand };

Status ReadMapping(const json::object& object, const std::string& where, ListKind kind,
                   AttributeMapping& out) {
  CIVITAS_RETURN_IF_ERROR(ReadString(object, "name", where, true, out.name));
  CIVITAS_RETURN_IF_ERROR(CheckAttributeName(out.name, Path(where, "name")));
  if (kind == ListKind::kCommand) {
    out.type = "command";
    CIVITAS_RETURN_IF_ERROR(ReadString(object, "type", where, false, out.type));
  } else {
    CIVITAS_RETURN_IF_ERROR(ReadString(object, "type", where, true, out.type));
  }
  out.object_id = out.name;
  if (kind == ListKind::kActive) {
    CIVITAS_RETURN_IF_ERROR(ReadString(object, "object_id", where, false, out.object_id));
    if (out.object_id.empty()) out.object_id = out.name;
    if (!IsValidAttributeName(out.object_id)) {
      return BadRequestData(Path(where, "object_id") +
                            ": not a valid measure name (1-256 bytes, no spaces, control "
                            "characters or any of < > \" ' = ; ( ) | #)");
    }
    if (out.object_id == "TimeInstant") {
      return BadRequestData(Path(where, "object_id") +
                            ": TimeInstant is the measure timestamp, not an attribute");
    }
    // NGSI-v2 style metadata: {"unitCode": {"type": "Text", "value": "CEL"}}.
    if (const json::value* metadata = object.if_contains("metadata"); metadata != nullptr) {
      if (!metadata->is_object()) {
        return BadRequestData(Path(where, "metadata") + ": must be an object");
      }
      if (const json::value* unit = metadata->get_object().if_contains("unitCode")) {
        const std::string path = Path(where, "metadata.unitCode");
        if (!unit->is_object()) return BadRequestData(path + ": must be an object");
        CIVITAS_RETURN_IF_ERROR(ReadString(unit->get_object(), "value", path, true, out.unit_code));
      }
    }
  }
  return Status::Ok();
}

Status ReadMappings(const json::object& object, std::string_view key, std::string_view where,
                    ListKind kind, std::vector<AttributeMapping>& out) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) return Status::Ok();
  const std::string path = Path(where, key);
  if (!value->is_array()) return BadRequestData(path + ": must be an array");
  const json::array& items = value->get_array();
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    if (!items[i].is_object()) return BadRequestData(item_path + ": must be an object");
    AttributeMapping mapping;
    CIVITAS_RETURN_IF_ERROR(ReadMapping(items[i].get_object(), item_path, kind, mapping));
    out.push_back(std::move(mapping));
  }
  return Status::Ok();
}

Status ReadStatics(const json::object& object, std::string_view where,
                   std::vector<StaticAttribute>& out) {
  const json::value* value = object.if_contains("static_attributes");
  if (value == nullptr || value->is_null()) return Status::Ok();
  const std::string path = Path(where, "static_attributes");
  if (!value->is_array()) return BadRequestData(path + ": must be an array");
  const json::array& items = value->get_array();
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    if (!items[i].is_object()) return BadRequestData(item_path + ": must be an object");
    const json::object& item = items[i].get_object();
    StaticAttribute attribute;
    CIVITAS_RETURN_IF_ERROR(ReadString(item, "name", item_path, true, attribute.name));
    CIVITAS_RETURN_IF_ERROR(CheckAttributeName(attribute.name, Path(item_path, "name")));
    CIVITAS_RETURN_IF_ERROR(ReadString(item, "type", item_path, true, attribute.type));
    const json::value* v = item.if_contains("value");
    if (v == nullptr || v->is_null()) {
      return BadRequestData(Path(item_path, "value") + ": required (and not null)");
    }
    attribute.value = *v;
    out.push_back(std::move(attribute));
  }
  return Status::Ok();
}

// Every attribute name appears once across the lists, and every object_id maps to one attribute.
Status CheckUnique(const std::vector<AttributeMapping>& attributes,
                   const std::vector<AttributeMapping>& lazy,
                   const std::vector<AttributeMapping>& commands,
                   const std::vector<StaticAttribute>& statics, std::string_view where) {
  std::set<std::string_view> names;
  std::set<std::string_view> object_ids;
  auto add_name = [&](std::string_view name) -> Status {
    if (!names.insert(name).second) {
      return BadRequestData(std::string(where) + ": attribute name '" + std::string(name) +
                            "' is defined twice");
    }
    return Status::Ok();
  };
  for (const AttributeMapping& a : attributes) {
    CIVITAS_RETURN_IF_ERROR(add_name(a.name));
    if (!object_ids.insert(a.object_id).second) {
      return BadRequestData(std::string(where) + ": object_id '" + a.object_id +
                            "' is mapped twice");
    }
  }
  for (const AttributeMapping& a : lazy) CIVITAS_RETURN_IF_ERROR(add_name(a.name));
  for (const AttributeMapping& a : commands) CIVITAS_RETURN_IF_ERROR(add_name(a.name));
  for (const StaticAttribute& a : statics) CIVITAS_RETURN_IF_ERROR(add_name(a.name));
  return Status::Ok();
}

Status CheckSegment(const std::string& value, std::string_view where, std::string_view key) {
  if (!IsValidTopicSegment(value)) {
    return BadRequestData(Path(where, key) +
                          ": must be 1-256 bytes without '/', '+', '#', "
                          "spaces or control characters");
  }
  return Status::Ok();
}

Result<json::array> ReadBodyList(std::string_view body,
                                 std::initializer_list<std::string_view> keys,
                                 std::string_view what) {
  boost::json::parse_options options;
  options.max_depth = 32;
  std::error_code ec;
  json::value parsed = json::parse(body, ec, {}, options);
  if (ec) return BadRequestData(std::string(what) + " body is not valid JSON: " + ec.message());
  if (!parsed.is_object()) return BadRequestData(std::string(what) + " body must be an object");
  for (std::string_view key : keys) {
    const json::value* list = parsed.get_object().if_contains(key);
    if (list == nullptr) continue;
    if (!list->is_array() || list->get_array().empty()) {
      return BadRequestData(std::string(key) + ": must be a non-empty array");
    }
    return list->get_array();
  }
  return BadRequestData(std::string(what) + " body needs a \"" + std::string(*keys.begin()) +
                        "\" array");
}

void PutString(json::object& out, std::string_view key, const std::string& value) {
  if (!value.empty()) out[key] = value;
}

json::array MappingsToJson(const std::vector<AttributeMapping>& list, ListKind kind) {
  json::array out;
  for (const AttributeMapping& a : list) {
    json::object item;
    if (kind == ListKind::kActive && a.object_id != a.name) item["object_id"] = a.object_id;
    item["name"] = a.name;
    item["type"] = a.type;
    if (!a.unit_code.empty()) {
      item["metadata"] = {{"unitCode", {{"type", "Text"}, {"value", a.unit_code}}}};
    }
    out.push_back(std::move(item));
  }
  return out;
}

void PutLists(json::object& out, const std::vector<AttributeMapping>& attributes,
              const std::vector<AttributeMapping>& lazy,
              const std::vector<AttributeMapping>& commands,
              const std::vector<StaticAttribute>& statics) {
  if (!attributes.empty()) out["attributes"] = MappingsToJson(attributes, ListKind::kActive);
  if (!lazy.empty()) out["lazy"] = MappingsToJson(lazy, ListKind::kLazy);
  if (!commands.empty()) out["commands"] = MappingsToJson(commands, ListKind::kCommand);
  if (!statics.empty()) {
    json::array items;
    for (const StaticAttribute& a : statics) {
      items.push_back(json::object{{"name", a.name}, {"type", a.type}, {"value", a.value}});
    }
    out["static_attributes"] = std::move(items);
  }
}

}  // namespace

std::optional<PayloadProtocol> ProtocolOf(const Device& device) {
  const std::string protocol = Lower(device.protocol);
  if (protocol == "iota-ul" || protocol == "pdi-iota-ultralight" || protocol == "ul") {
    return PayloadProtocol::kUltraLight;
  }
  if (protocol == "iota-json" || protocol == "json") return PayloadProtocol::kJson;
  return std::nullopt;
}

Result<ServiceGroup> ParseServiceGroup(const json::object& json, std::string_view where) {
  ServiceGroup group;
  CIVITAS_RETURN_IF_ERROR(ReadString(json, "apikey", where, true, group.apikey));
  CIVITAS_RETURN_IF_ERROR(CheckSegment(group.apikey, where, "apikey"));
  CIVITAS_RETURN_IF_ERROR(ReadString(json, "entity_type", where, true, group.entity_type));
  CIVITAS_RETURN_IF_ERROR(ReadString(json, "resource", where, false, group.resource));
  CIVITAS_RETURN_IF_ERROR(
      ReadMappings(json, "attributes", where, ListKind::kActive, group.attributes));
  CIVITAS_RETURN_IF_ERROR(ReadMappings(json, "lazy", where, ListKind::kLazy, group.lazy));
  CIVITAS_RETURN_IF_ERROR(
      ReadMappings(json, "commands", where, ListKind::kCommand, group.commands));
  CIVITAS_RETURN_IF_ERROR(ReadStatics(json, where, group.static_attributes));
  CIVITAS_RETURN_IF_ERROR(
      CheckUnique(group.attributes, group.lazy, group.commands, group.static_attributes, where));
  return group;
}

Result<Device> ParseDevice(const json::object& json, std::string_view where) {
  Device device;
  CIVITAS_RETURN_IF_ERROR(ReadString(json, "device_id", where, true, device.device_id));
  CIVITAS_RETURN_IF_ERROR(CheckSegment(device.device_id, where, "device_id"));
  CIVITAS_RETURN_IF_ERROR(ReadString(json, "apikey", where, false, device.apikey));
  if (!device.apikey.empty()) CIVITAS_RETURN_IF_ERROR(CheckSegment(device.apikey, where, "apikey"));
  CIVITAS_RETURN_IF_ERROR(ReadString(json, "entity_name", where, false, device.entity_name));
  CIVITAS_RETURN_IF_ERROR(ReadString(json, "entity_type", where, false, device.entity_type));
  CIVITAS_RETURN_IF_ERROR(ReadString(json, "protocol", where, false, device.protocol));
  CIVITAS_RETURN_IF_ERROR(ReadString(json, "transport", where, false, device.transport));
  CIVITAS_RETURN_IF_ERROR(ReadString(json, "timezone", where, false, device.timezone));
  if (!device.transport.empty()) {
    std::string upper = device.transport;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper != "MQTT" && upper != "HTTP" && upper != "AMQP") {
      return BadRequestData(Path(where, "transport") + ": must be MQTT, HTTP or AMQP");
    }
    device.transport = std::move(upper);
  }
  CIVITAS_RETURN_IF_ERROR(
      ReadMappings(json, "attributes", where, ListKind::kActive, device.attributes));
  CIVITAS_RETURN_IF_ERROR(ReadMappings(json, "lazy", where, ListKind::kLazy, device.lazy));
  CIVITAS_RETURN_IF_ERROR(
      ReadMappings(json, "commands", where, ListKind::kCommand, device.commands));
  CIVITAS_RETURN_IF_ERROR(ReadStatics(json, where, device.static_attributes));
  CIVITAS_RETURN_IF_ERROR(CheckUnique(device.attributes, device.lazy, device.commands,
                                      device.static_attributes, where));
  return device;
}

Result<std::vector<ServiceGroup>> ParseServiceGroups(std::string_view body) {
  CIVITAS_ASSIGN_OR_RETURN(json::array list,
                           ReadBodyList(body, {"services", "groups"}, "services"));
  std::vector<ServiceGroup> groups;
  std::set<std::pair<std::string, std::string>> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "services[" + std::to_string(i) + "]";
    if (!list[i].is_object()) return BadRequestData(where + ": must be an object");
    CIVITAS_ASSIGN_OR_RETURN(ServiceGroup group, ParseServiceGroup(list[i].get_object(), where));
    if (!seen.emplace(group.apikey, group.resource).second) {
      return BadRequestData(where + ": apikey and resource repeat an earlier group of the body");
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

Result<std::vector<Device>> ParseDevices(std::string_view body) {
  CIVITAS_ASSIGN_OR_RETURN(json::array list, ReadBodyList(body, {"devices"}, "devices"));
  std::vector<Device> devices;
  std::set<std::pair<std::string, std::string>> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "devices[" + std::to_string(i) + "]";
    if (!list[i].is_object()) return BadRequestData(where + ": must be an object");
    CIVITAS_ASSIGN_OR_RETURN(Device device, ParseDevice(list[i].get_object(), where));
    if (!seen.emplace(device.apikey, device.device_id).second) {
      return BadRequestData(where + ": device_id repeats an earlier device of the body");
    }
    devices.push_back(std::move(device));
  }
  return devices;
}

json::object ServiceGroupToJson(const ServiceGroup& group) {
  json::object out;
  out["apikey"] = group.apikey;
  out["entity_type"] = group.entity_type;
  PutString(out, "resource", group.resource);
  PutLists(out, group.attributes, group.lazy, group.commands, group.static_attributes);
  return out;
}

json::object DeviceToJson(const Device& device) {
  json::object out;
  out["device_id"] = device.device_id;
  PutString(out, "apikey", device.apikey);
  PutString(out, "entity_name", device.entity_name);
  PutString(out, "entity_type", device.entity_type);
  PutString(out, "protocol", device.protocol);
  PutString(out, "transport", device.transport);
  PutString(out, "timezone", device.timezone);
  PutLists(out, device.attributes, device.lazy, device.commands, device.static_attributes);
  return out;
}

}  // namespace civitas::ingest
