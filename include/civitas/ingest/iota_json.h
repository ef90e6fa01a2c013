#pragma once

#include <string_view>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/ingest/measure.h"

namespace civitas::ingest {

// FIWARE IoT Agent JSON payloads (docs/formats/iot-agent.md). Pure, thread-safe, never throw.
// Error messages name positions and never echo payload text.

// Parses a measures payload: one JSON object `{"t": 21.3, "h": 55}` (one group), or an array of
// such objects (one group each, in order). A `TimeInstant` key (an ISO 8601 string) sets the
// group's observed_at and is not itself a measure. Values keep their JSON type (number, string,
// bool, object, array). kBadRequestData when the text is not JSON, the top level is neither an
// object nor an array of objects, a value is null, a group carries no measure, `TimeInstant` is
// not a valid timestamp, or a key is not allowed as an attribute name.
Result<std::vector<Measure>> ParseIotaJson(std::string_view payload);

// The payload of a single-measure topic (`/<apikey>/<device_id>/attrs/<attr>`) as one measure of
// group 0 named `object_id`. For JSON devices the payload is parsed as a JSON value (the IoT Agent
// JSON does the same) and kept as a string when it is not valid JSON; for UltraLight devices it is
// always the raw string. kBadRequestData when the payload is empty, the JSON is null, or
// `object_id` is not allowed as an attribute name.
enum class SingleMeasureFormat { kUltraLight, kJson };
Result<Measure> ParseSingleMeasure(std::string_view object_id, std::string_view payload,
                                   SingleMeasureFormat format);

}  // namespace civitas::ingest
