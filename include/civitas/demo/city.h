#pragma once

// The synthetic demo city: districts, a street network, points of interest and the devices
// placed along the streets, each of a Smart Data Models type. Pure and deterministic: the same
// CityOptions give the same City, byte for byte, on every machine (no I/O, no clock, no global
// random state). Measures for an instant come from measures.h.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/result.h"

namespace civitas::demo {

// The kinds of device the city has; each publishes one Smart Data Models entity type.
enum class DeviceKind : uint8_t {
  kAirQuality,   // AirQualityObserved
  kNoise,        // NoiseLevelObserved
  kTraffic,      // TrafficFlowObserved
  kParking,      // ParkingSpot
  kStreetlight,  // Streetlight
  kWaste,        // WasteContainer
  kWater,        // WaterConsumptionObserved (one district meter)
  kElectricity,  // ACMeasurement (one substation feeder)
  kWeather,      // WeatherObserved
  kWifi,         // AccessPoint (public Wi-Fi; aggregate counts only)
};
inline constexpr int kDeviceKindCount = 10;

enum class ValueType : uint8_t { kNumber, kText, kBoolean };

// One measured attribute of a kind: its NGSI-LD short name, UN/CEFACT unit code ("" for none)
// and JSON type.
struct MeasurementSpec {
  std::string_view name;
  std::string_view unit_code;
  ValueType type = ValueType::kNumber;
};

struct DeviceKindInfo {
  DeviceKind kind;
  std::string_view entity_type;  // Smart Data Models type name
  std::string_view code;         // short tag used in device ids ("aq", "noise", ...)
  int64_t period_s;              // one measure every period_s seconds
  double share;                  // fraction of the city's devices of this kind
  std::span<const MeasurementSpec> measurements;
};

// The static description of every kind, indexed by DeviceKind.
const DeviceKindInfo& InfoOf(DeviceKind kind);
std::span<const DeviceKindInfo> AllKinds();

struct LonLat {
  double lon = 0;
  double lat = 0;
};

struct District {
  std::string id;    // "d1", ...
  std::string name;  // "Old Town", ...
  int64_t population = 0;
  std::vector<LonLat> ring;  // closed polygon ring (first point repeated last)
  LonLat centre;
};

// A street intersection.
struct StreetNode {
  int32_t id = 0;
  LonLat at;
};

// A directed-pair road between two adjacent intersections (both directions).
struct RoadSegment {
  std::string id;  // "rs-<n>"
  std::string name;
  int32_t from = 0;  // StreetNode ids
  int32_t to = 0;
  int lanes = 1;  // per direction
  double speed_limit_kmh = 30;
  int district = 0;
  bool arterial = false;
};

struct PointOfInterest {
  std::string id;  // "poi-<n>"
  std::string name;
  std::string category;  // "school", "market", "park", "hospital", "station", "library"
  LonLat at;
  int district = 0;
};

struct Device {
  std::string id;  // device id and entity-id suffix: "demo-d1-aq-003"
  DeviceKind kind = DeviceKind::kAirQuality;
  int district = 0;
  LonLat at;
  int segment = -1;     // index into City::segments for street-side devices
  int poi = -1;         // index into City::pois for Wi-Fi access points
  uint64_t stream = 0;  // the device's own random stream (derived from the seed and its id)
  int64_t phase_s = 0;  // offset of its sampling instants within its period
};

// Faults planted in the data for analytics to find (documented in src/demo/README.md).
enum class AnomalyKind : uint8_t {
  kStuckSensor,     // a noise sensor repeats one value from `from_us` on
  kPollutionSpike,  // an air-quality station reads several times its normal PM and NO2
  kBurstPipe,       // a district water meter's flow jumps for a few hours
  kHiddenLeak,      // a district's water flow never drops at night (whole run)
};

struct PlantedAnomaly {
  AnomalyKind kind;
  int device = -1;  // index into City::devices
  int64_t from_us = 0;
  int64_t to_us = 0;  // exclusive; INT64_MAX for "until the end"
};

struct CityOptions {
  uint64_t seed = 1;
  int districts = 8;   // 1..64
  int devices = 1500;  // 40..200,000 (approximate: every kind gets at least its minimum)
  // The anomalies are planted inside [anomaly_from_us, anomaly_to_us) (µs since the epoch), so
  // that a backfill of any length contains them. Must be a non-empty range.
  int64_t anomaly_from_us = 0;
  int64_t anomaly_to_us = 0;
};

struct City {
  CityOptions options;
  std::vector<District> districts;
  std::vector<StreetNode> nodes;
  std::vector<RoadSegment> segments;
  std::vector<PointOfInterest> pois;
  std::vector<Device> devices;  // ordered by kind, then district, then number
  std::vector<PlantedAnomaly> anomalies;
  int leak_district = 0;  // the district whose water meter shows the hidden leak
};

// Lays out the city. kInvalidRequest when an option is out of range.
Result<City> BuildCity(const CityOptions& options);

// The street network, districts and points of interest as one GeoJSON FeatureCollection for the
// digital twin (docs/formats/demo-city.md). Deterministic text.
std::string CityNetworkGeoJson(const City& city);

}  // namespace civitas::demo
