#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "civitas/core/result.h"

namespace civitas {

// Instants are UTC with microsecond resolution, as NGSI-LD timestamps allow sub-second digits.
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

// Parses an ISO 8601 / RFC 3339 date-time: "2024-05-01T10:00:00Z", with optional fraction
// (up to microseconds kept) and "Z" or "+hh:mm"/"-hh:mm" offset; a bare date-time without zone is
// taken as UTC. kBadRequestData with the offending text otherwise.
Result<Timestamp> ParseTimestamp(std::string_view text);

// "2024-05-01T10:00:00.123456Z": always UTC, fraction printed only when non-zero (as .mmm when
// whole milliseconds, else .uuuuuu).
std::string FormatTimestamp(Timestamp t);
// The same for µs since the Unix epoch, as the store keeps times.
inline std::string FormatTimestampUs(int64_t us) {
  return FormatTimestamp(Timestamp(std::chrono::microseconds(us)));
}

// The wall clock; the one seam for "now" so tests can inject time.
class Clock {
 public:
  virtual ~Clock() = default;
  // The system clock reads whole milliseconds (as Orion-LD stamps createdAt/modifiedAt) and
  // never repeats: a call within the millisecond of the previous one gets the previous time
  // plus 1 µs. Unique, so that two writes of an attribute never share a history instant;
  // milliseconds, since finer digits of a write time carry no information and history keeps
  // every instance's modifiedAt, where µs noise cost ten bits per value.
  virtual Timestamp Now() const = 0;
  static const Clock& System();
};

}  // namespace civitas
