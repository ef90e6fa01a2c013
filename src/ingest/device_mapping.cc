#include "civitas/ingest/device_mapping.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>
#include <system_error>

#include <boost/json/parse.hpp>

#include "src/ingest/names.h"

namespace civitas::ingest {
namespace {

namespace json = boost::json;

std::optional<int64_t> ParseInteger(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// A number from a JSON number or its text (UltraLight sends everything as text).
std::optional<json::value> ToNumber(const json::value& value, bool integer_only) {
  if (value.is_int64() || value.is_uint64()) return value;
  if (value.is_double()) {
    double d = value.get_double();
    if (integer_only && (d != std::floor(d) || std::fabs(d) > 9.0e15)) return std::nullopt;
    return integer_only ? json::value(static_cast<int64_t>(d)) : value;
  }
  if (!value.is_string()) return std::nullopt;
  std::string_view text = value.get_string();
  if (std::optional<int64_t> i = ParseInteger(text)) return json::value(*i);
  if (integer_only) return std::nullopt;
  if (std::optional<double> d = ParseFiniteDouble(text)) return json::value(*d);
  return std::nullopt;
}

std::optional<json::value> ToBoolean(const json::value& value) {
  if (value.is_bool()) return value;
  if (value.is_string()) {
    std::string text = Lower(value.get_string());
    if (text == "true" || text == "1") return json::value(true);
    if (text == "false" || text == "0") return json::value(false);
  }
  if (value.is_int64() && (value.get_int64() == 0 || value.get_int64() == 1)) {
    return json::value(value.get_int64() == 1);
  }
  return std::nullopt;
}

// GeoJSON object as is; or its text; or the IoT Agent's "lat,lon" point shorthand.
std::optional<json::value> ToGeometry(const json::value& value) {
  auto is_geometry = [](const json::value& v) {
    return v.is_object() && v.get_object().contains("type") &&
           v.get_object().at("type").is_string();
  };
  if (is_geometry(value)) return value;
  if (!value.is_string()) return std::nullopt;
  std::string_view text = value.get_string();
  if (!text.empty() && text.front() == '{') {
    std::error_code ec;
    json::value parsed = json::parse(text, ec);
    if (!ec && is_geometry(parsed)) return parsed;
    return std::nullopt;
  }
  size_t comma = text.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  std::optional<double> lat = ParseFiniteDouble(trim(text.substr(0, comma)));
  std::optional<double> lon = ParseFiniteDouble(trim(text.substr(comma + 1)));
  if (!lat || !lon || std::fabs(*lat) > 90 || std::fabs(*lon) > 180) return std::nullopt;
  return json::value(json::object{{"type", "Point"}, {"coordinates", json::array{*lon, *lat}}});
}

// One NGSI-LD attribute (normalized form) from a value and its IoT Agent type.
// `what` names the attribute in errors; it never includes the value.
Result<json::object> ToAttribute(const json::value& value, std::string_view type,
                                 std::string_view unit_code, std::optional<Timestamp> observed_at,
                                 const std::string& what) {
  const std::string t = Lower(type);
  json::object attribute;
  auto bad = [&](std::string_view expected) {
    return BadRequestData(what + ": value is not " + std::string(expected) + " (provisioned type " +
                          std::string(type) + ")");
  };
  if (t == "number" || t == "float" || t == "double" || t == "integer") {
    std::optional<json::value> number = ToNumber(value, t == "integer");
    if (!number) return bad(t == "integer" ? "an integer" : "a number");
    attribute["type"] = "Property";
    attribute["value"] = std::move(*number);
  } else if (t == "boolean" || t == "bool") {
    std::optional<json::value> b = ToBoolean(value);
    if (!b) return bad("a boolean (true, false, 1 or 0)");
    attribute["type"] = "Property";
    attribute["value"] = std::move(*b);
  } else if (t == "datetime") {
    if (!value.is_string()) return bad("an ISO 8601 date-time");
    Result<Timestamp> instant = ParseTimestamp(value.get_string());
    if (!instant.ok()) return bad("an ISO 8601 date-time");
    attribute["type"] = "Property";
    attribute["value"] = {{"@type", "DateTime"}, {"@value", FormatTimestamp(*instant)}};
  } else if (t == "geo:point" || t == "point" || t == "geo:json" || t == "geoproperty") {
    std::optional<json::value> geometry = ToGeometry(value);
    if (!geometry) return bad("a \"lat,lon\" point or a GeoJSON geometry");
    attribute["type"] = "GeoProperty";
    attribute["value"] = std::move(*geometry);
  } else if (t == "relationship") {
    if (!value.is_string() || value.get_string().empty()) return bad("an entity id");
    attribute["type"] = "Relationship";
    attribute["object"] = value;
  } else {
    attribute["type"] = "Property";
    attribute["value"] = value;
  }
  if (observed_at) attribute["observedAt"] = FormatTimestamp(*observed_at);
  if (!unit_code.empty() && attribute["type"] == "Property") attribute["unitCode"] = unit_code;
  return attribute;
}

const AttributeMapping* FindMapping(const std::vector<AttributeMapping>& list,
                                    std::string_view object_id) {
  for (const AttributeMapping& m : list) {
    if (m.object_id == object_id) return &m;
  }
  return nullptr;
}

Status AddStatics(const std::vector<StaticAttribute>& statics, json::object& out) {
  for (const StaticAttribute& s : statics) {
    CIVITAS_ASSIGN_OR_RETURN(json::object attribute, ToAttribute(s.value, s.type, "", std::nullopt,
                                                                 "static attribute " + s.name));
    out[s.name] = std::move(attribute);
  }
  return Status::Ok();
}

}  // namespace

Result<EntityUpdate> MeasuresToAttributes(const Device& device, const ServiceGroup* service,
                                          const std::vector<Measure>& measures, Timestamp now) {
  if (measures.empty()) return BadRequestData("no measures to map");
  EntityUpdate update;
  update.entity_type = device.entity_type;
  if (update.entity_type.empty() && service != nullptr) update.entity_type = service->entity_type;
  if (update.entity_type.empty()) {
    return BadRequestData("device " + device.device_id +
                          " has no entity_type and no service group gives one");
  }
  const std::string prefix = "urn:ngsi-ld:" + update.entity_type + ":";
  if (device.entity_name.empty()) {
    update.entity_id = prefix + device.device_id;
  } else if (device.entity_name.find(':') != std::string::npos) {
    update.entity_id = device.entity_name;  // already a URI
  } else {
    // NGSI-LD ids are URIs; a bare IoT Agent entity_name ("Room1") becomes one.
    update.entity_id = prefix + device.entity_name;
  }

  // The group's static attributes first so the device's own override them.
  json::object statics;
  if (service != nullptr) CIVITAS_RETURN_IF_ERROR(AddStatics(service->static_attributes, statics));
  CIVITAS_RETURN_IF_ERROR(AddStatics(device.static_attributes, statics));

  for (size_t i = 0; i < measures.size(); ++i) {
    const Measure& m = measures[i];
    if (i == 0 || m.group != measures[i - 1].group) update.fragments.push_back(statics);
    const std::string group = "group " + std::to_string(m.group + 1);
    const AttributeMapping* mapping = FindMapping(device.attributes, m.object_id);
    if (mapping == nullptr && service != nullptr) {
      mapping = FindMapping(service->attributes, m.object_id);
    }
    std::string_view name = mapping != nullptr ? mapping->name : m.object_id;
    if (IsReservedAttributeName(name) || !IsValidAttributeName(name)) {
      return BadRequestData(group + ", measure " + std::to_string(i + 1) +
                            ": its name cannot be an attribute name (id, type, @context or "
                            "invalid characters)");
    }
    const std::string what = group + ", attribute " + std::string(name);
    CIVITAS_ASSIGN_OR_RETURN(json::object attribute,
                             ToAttribute(m.value, mapping != nullptr ? mapping->type : "",
                                         mapping != nullptr ? mapping->unit_code : "",
                                         m.observed_at.value_or(now), what));
    update.fragments.back()[name] = std::move(attribute);
  }
  return update;
}

}  // namespace civitas::ingest
