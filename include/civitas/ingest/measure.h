#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/json/value.hpp>

#include "civitas/core/time.h"

namespace civitas::ingest {

// One reported value of one device: what the IoT Agent calls a measure. Produced by the payload
// parsers (ultralight.h, iota_json.h), consumed by MeasuresToAttributes (device_mapping.h).
struct Measure {
  // The device's short name for the value ("t", "h"): an attribute's object_id in provisioning.
  std::string object_id;
  // UltraLight values are always strings; IoT Agent JSON values keep their JSON type (number,
  // string, bool, object, array). Never null (the parsers reject null values).
  boost::json::value value;
  // The group's timestamp (UltraLight timestamp prefix or a `TimeInstant` key), if the device
  // sent one; otherwise the receiver's clock applies.
  std::optional<Timestamp> observed_at;
  // Index of the measure group in the payload, from 0 and increasing: UltraLight groups separated
  // by '#', or the elements of an IoT Agent JSON array. The IoT Agent sends one update per group.
  uint32_t group = 0;

  friend bool operator==(const Measure&, const Measure&) = default;
};

}  // namespace civitas::ingest
