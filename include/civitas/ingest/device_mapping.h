#pragma once

#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "civitas/core/result.h"
#include "civitas/core/time.h"
#include "civitas/ingest/measure.h"
#include "civitas/ingest/provisioning.h"

namespace civitas::ingest {

// What a device's measures do to its NGSI-LD entity.
struct EntityUpdate {
  std::string entity_id;    // device.entity_name, or urn:ngsi-ld:<entity_type>:<device_id>
  std::string entity_type;  // device.entity_type, or the service group's
  // One NGSI-LD attribute fragment per measure group, in payload order, in normalized form
  // with short (uncompacted) names: {"temperature": {"type": "Property", "value": 21.3,
  // "observedAt": "2024-05-01T10:00:00Z", "unitCode": "CEL"}, ...}. Each fragment also carries the
  // static attributes, so each is a complete update on its own (as the IoT Agent sends them).
  // Apply them in order (later groups overwrite earlier ones).
  std::vector<boost::json::object> fragments;
};

// Maps measures to attributes the way the IoT Agent does (docs/formats/iot-agent.md):
// - object_id → name/type from the device's attributes, then the group's; unmapped object_ids
//   keep their id as the name and their value as is;
// - the type converts UltraLight strings ("Number"/"Integer"/"Float" → number, "Boolean" → bool,
//   "DateTime" → DateTime value, "geo:point" "lat,lon" → GeoProperty Point, "geo:json" →
//   GeoProperty, "Relationship" → Relationship); other types keep the value;
// - observedAt is the measure's timestamp, else `now`; static attributes carry none;
// - within a group the later of two measures for the same attribute wins, and a measure wins over
//   a static attribute of the same name.
// `service` may be null (a device provisioned without a group). Pure and thread-safe.
// kBadRequestData (naming the attribute and group, never the value) when there are no measures,
// no entity type is known, or a value does not convert to its provisioned type.
Result<EntityUpdate> MeasuresToAttributes(const Device& device, const ServiceGroup* service,
                                          const std::vector<Measure>& measures, Timestamp now);

}  // namespace civitas::ingest
