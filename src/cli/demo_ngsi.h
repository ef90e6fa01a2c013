#pragma once

// The demo city in NGSI-LD: entity ids, the city's own entities (districts, road segments,
// points of interest), device entities, incident reports, history instances, MQTT payloads and
// the IoT Agent provisioning of every device. Short names are used throughout and expanded with
// the core context, exactly as the MQTT bridge expands the measures it receives, so history
// written by the backfill and measures arriving live share their series.

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "civitas/demo/measures.h"
#include "civitas/ingest/provisioning.h"
#include "civitas/model/context.h"
#include "civitas/store/temporal_store.h"

namespace civitas::cli {

// "urn:ngsi-ld:<Type>:<device id>", the id the IoT Agent conventions give the device's entity.
std::string DeviceEntityId(const demo::Device& device);

// Districts (type District), road segments (RoadSegment) and points of interest
// (PointOfInterest), in normalized form.
std::vector<boost::json::object> CityEntities(const demo::City& city);

// The device's entity: location, district and links, with `latest` as its current readings
// observed at `t_us`.
boost::json::object DeviceEntity(const demo::City& city, const demo::Device& device,
                                 const std::vector<demo::Reading>& latest, int64_t t_us);

// An Alert entity for a citizen's report.
boost::json::object IncidentEntity(const demo::City& city, const demo::Incident& incident);

// The IoT Agent JSON payload for one measure: readings plus TimeInstant.
std::string MeasurePayload(const std::vector<demo::Reading>& readings, int64_t t_us);
// "/json/<apikey>/<device id>/attrs".
std::string MeasureTopic(const demo::Device& device);

// One service group per kind (apikey "demo-<code>") and one device per demo device.
std::vector<ingest::ServiceGroup> DemoServiceGroups();
ingest::Device ProvisionedDevice(const demo::Device& device);

// History instances of readings, names expanded with `core`. Not thread-safe (caches names).
class HistoryEncoder {
 public:
  explicit HistoryEncoder(const model::Context& core) : core_(core) {}
  void Append(const std::vector<demo::Reading>& readings, int64_t t_us,
              std::vector<store::TemporalInstance>& out);
  const std::string& ExpandedType(demo::DeviceKind kind);

 private:
  const std::string& Expanded(const demo::MeasurementSpec* spec);
  const model::Context& core_;
  std::vector<std::pair<const demo::MeasurementSpec*, std::string>> names_;
  std::vector<std::pair<demo::DeviceKind, std::string>> types_;
};

}  // namespace civitas::cli
