#pragma once

// ISO 8601 durations as NGSI-LD's aggrPeriodDuration uses them. Internal to api/.

#include <cstdint>
#include <string_view>

#include "civitas/core/result.h"

namespace civitas::api {

// Parses "PnYnMnWnDTnHnMnS" (each part optional, at least one present; seconds may have up to
// six fractional digits, "PT0.5S") into microseconds. Calendar units are fixed lengths: a year
// is 365 days and a month 30 days, since aggregation periods are fixed-length buckets.
// kBadRequestData when malformed, zero, or beyond ±2^62 µs.
Result<int64_t> ParseIsoDurationUs(std::string_view text);

}  // namespace civitas::api
