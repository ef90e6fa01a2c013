#include "demo_ngsi.h"

#include <boost/json.hpp>

#include "civitas/core/time.h"
#include "civitas/model/json_text.h"

namespace civitas::cli {
namespace {

namespace json = boost::json;
using demo::ValueType;

json::array Position(demo::LonLat p) { return {p.lon, p.lat}; }

json::object Property(json::value value) {
  return {{"type", "Property"}, {"value", std::move(value)}};
}
json::object Relationship(std::string object) {
  return {{"type", "Relationship"}, {"object", std::move(object)}};
}
json::object GeoPoint(demo::LonLat p) {
  return {{"type", "GeoProperty"},
          {"value", json::object{{"type", "Point"}, {"coordinates", Position(p)}}}};
}

json::value ValueOf(const demo::Reading& r) {
  switch (r.spec->type) {
    case ValueType::kNumber:
      return r.number;
    case ValueType::kBoolean:
      return r.number != 0;
    case ValueType::kText:
      return json::string(r.text);
  }
  return nullptr;
}

std::string NodeId(int32_t id) { return "urn:ngsi-ld:StreetNode:demo-" + std::to_string(id); }

}  // namespace

std::string DeviceEntityId(const demo::Device& device) {
  return "urn:ngsi-ld:" + std::string(demo::InfoOf(device.kind).entity_type) + ":" + device.id;
}

std::vector<json::object> CityEntities(const demo::City& city) {
  std::vector<json::object> out;
  for (const demo::District& d : city.districts) {
    json::array ring;
    for (demo::LonLat p : d.ring) ring.push_back(Position(p));
    out.push_back(
        {{"id", "urn:ngsi-ld:District:demo-" + d.id},
         {"type", "District"},
         {"name", Property(json::string(d.name))},
         {"population", Property(d.population)},
         {"location", json::object{{"type", "GeoProperty"},
                                   {"value", json::object{{"type", "Polygon"},
                                                          {"coordinates", json::array{ring}}}}}}});
  }
  std::vector<demo::LonLat> node_at;
  std::vector<int32_t> node_ids;
  for (const demo::StreetNode& n : city.nodes) {
    node_ids.push_back(n.id);
    node_at.push_back(n.at);
  }
  auto at = [&](int32_t id) {
    for (size_t i = 0; i < node_ids.size(); ++i) {
      if (node_ids[i] == id) return node_at[i];
    }
    return demo::LonLat{};
  };
  for (const demo::RoadSegment& s : city.segments) {
    out.push_back(
        {{"id", "urn:ngsi-ld:RoadSegment:demo-" + s.id},
         {"type", "RoadSegment"},
         {"name", Property(json::string(s.name))},
         {"totalLaneNumber", Property(2 * s.lanes)},
         {"maximumAllowedSpeed",
          json::object{{"type", "Property"}, {"value", s.speed_limit_kmh}, {"unitCode", "KMH"}}},
         {"startPoint", Relationship(NodeId(s.from))},
         {"endPoint", Relationship(NodeId(s.to))},
         {"refDistrict",
          Relationship("urn:ngsi-ld:District:demo-" + city.districts[s.district].id)},
         {"location", json::object{{"type", "GeoProperty"},
                                   {"value", json::object{{"type", "LineString"},
                                                          {"coordinates",
                                                           json::array{Position(at(s.from)),
                                                                       Position(at(s.to))}}}}}}});
  }
  for (const demo::PointOfInterest& p : city.pois) {
    out.push_back({{"id", "urn:ngsi-ld:PointOfInterest:demo-" + p.id},
                   {"type", "PointOfInterest"},
                   {"name", Property(json::string(p.name))},
                   {"category", Property(json::array{json::string(p.category)})},
                   {"refDistrict",
                    Relationship("urn:ngsi-ld:District:demo-" + city.districts[p.district].id)},
                   {"location", GeoPoint(p.at)}});
  }
  return out;
}

json::object DeviceEntity(const demo::City& city, const demo::Device& device,
                          const std::vector<demo::Reading>& latest, int64_t t_us) {
  json::object entity{{"id", DeviceEntityId(device)},
                      {"type", demo::InfoOf(device.kind).entity_type},
                      {"location", GeoPoint(device.at)},
                      {"district", Property(json::string(city.districts[device.district].id))},
                      {"dataProvider", Property("civitas demo")}};
  if (device.segment >= 0) {
    entity["refRoadSegment"] =
        Relationship("urn:ngsi-ld:RoadSegment:demo-" + city.segments[device.segment].id);
  }
  if (device.poi >= 0) {
    entity["refPointOfInterest"] =
        Relationship("urn:ngsi-ld:PointOfInterest:demo-" + city.pois[device.poi].id);
    entity["name"] = Property(json::string(city.pois[device.poi].name + " Wi-Fi"));
  }
  std::string observed = FormatTimestampUs(t_us);
  for (const demo::Reading& r : latest) {
    json::object attr{{"type", "Property"}, {"value", ValueOf(r)}, {"observedAt", observed}};
    if (!r.spec->unit_code.empty()) attr["unitCode"] = r.spec->unit_code;
    entity[r.spec->name] = std::move(attr);
  }
  return entity;
}

json::object IncidentEntity(const demo::City& city, const demo::Incident& incident) {
  std::string observed = FormatTimestampUs(incident.t_us);
  auto observed_property = [&](json::value value) {
    return json::object{
        {"type", "Property"}, {"value", std::move(value)}, {"observedAt", observed}};
  };
  return {{"id", "urn:ngsi-ld:Alert:" + incident.id},
          {"type", "Alert"},
          {"category", observed_property(json::string(incident.category))},
          {"subCategory", observed_property(json::string(incident.sub_category))},
          {"severity", observed_property(json::string(incident.severity))},
          {"description", observed_property(json::string(incident.description))},
          {"dateIssued", Property(json::object{{"@type", "DateTime"}, {"@value", observed}})},
          {"alertSource", Property("citizen")},
          {"district", Property(json::string(city.districts[incident.district].id))},
          {"location", GeoPoint(incident.at)}};
}

std::string MeasurePayload(const std::vector<demo::Reading>& readings, int64_t t_us) {
  json::object payload;
  for (const demo::Reading& r : readings) payload[r.spec->name] = ValueOf(r);
  payload["TimeInstant"] = FormatTimestampUs(t_us);
  return model::ToJsonText(payload);
}

std::string MeasureTopic(const demo::Device& device) {
  return "/json/demo-" + std::string(demo::InfoOf(device.kind).code) + "/" + device.id + "/attrs";
}

std::vector<ingest::ServiceGroup> DemoServiceGroups() {
  std::vector<ingest::ServiceGroup> groups;
  for (const demo::DeviceKindInfo& info : demo::AllKinds()) {
    ingest::ServiceGroup group;
    group.apikey = "demo-" + std::string(info.code);
    group.entity_type = std::string(info.entity_type);
    group.resource = "/iot/json";
    for (const demo::MeasurementSpec& spec : info.measurements) {
      group.attributes.push_back({.object_id = std::string(spec.name),
                                  .name = std::string(spec.name),
                                  .type = spec.type == ValueType::kNumber    ? "Number"
                                          : spec.type == ValueType::kBoolean ? "Boolean"
                                                                             : "Text",
                                  .unit_code = std::string(spec.unit_code)});
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

ingest::Device ProvisionedDevice(const demo::Device& device) {
  ingest::Device out;
  out.device_id = device.id;
  out.apikey = "demo-" + std::string(demo::InfoOf(device.kind).code);
  out.entity_name = DeviceEntityId(device);
  out.entity_type = std::string(demo::InfoOf(device.kind).entity_type);
  out.protocol = "IoTA-JSON";
  out.transport = "MQTT";
  return out;
}

const std::string& HistoryEncoder::Expanded(const demo::MeasurementSpec* spec) {
  for (const auto& [s, name] : names_) {
    if (s == spec) return name;
  }
  names_.emplace_back(spec, core_.ExpandTerm(spec->name));
  return names_.back().second;
}

const std::string& HistoryEncoder::ExpandedType(demo::DeviceKind kind) {
  for (const auto& [k, name] : types_) {
    if (k == kind) return name;
  }
  types_.emplace_back(kind, core_.ExpandTerm(demo::InfoOf(kind).entity_type));
  return types_.back().second;
}

void HistoryEncoder::Append(const std::vector<demo::Reading>& readings, int64_t t_us,
                            std::vector<store::TemporalInstance>& out) {
  for (const demo::Reading& r : readings) {
    store::TemporalInstance instance;
    instance.attr = Expanded(r.spec);
    instance.unit_code = std::string(r.spec->unit_code);
    instance.timestamp_us = t_us;
    switch (r.spec->type) {
      case ValueType::kNumber:
        instance.value_kind = store::SampleKind::kNumber;
        instance.number = r.number;
        break;
      case ValueType::kBoolean:
        instance.value_kind = store::SampleKind::kText;
        instance.text = r.number != 0 ? "true" : "false";
        break;
      case ValueType::kText:
        instance.value_kind = store::SampleKind::kText;
        instance.text = json::serialize(json::string(r.text));
        break;
    }
    out.push_back(std::move(instance));
  }
}

}  // namespace civitas::cli
