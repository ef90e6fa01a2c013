#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/ingest/measure.h"

namespace civitas::ingest {

// FIWARE UltraLight 2.0 (the IoT Agent UL dialect; docs/formats/iot-agent.md has the grammar).
// All functions are pure, thread-safe and never throw. Error messages name positions (group,
// field) and never echo payload text, because payloads may carry personal identifiers.

// Parses a measures payload: `t|21.3|h|55`, groups separated by '#', each group optionally
// prefixed by an ISO 8601 timestamp (`2024-05-01T10:00:00Z|t|21.3`). A `TimeInstant|<ts>` pair
// sets the group's timestamp too. Values are JSON strings. Measures keep payload order; a key
// repeated in a group is kept twice (the later one wins when mapped). kBadRequestData when the
// payload is empty, a group is empty, a key or value is empty, a group has an odd number of fields
// and does not start with a valid timestamp, or a key contains characters not allowed in an
// attribute name.
Result<std::vector<Measure>> ParseUltraLight(std::string_view payload);

// A command sent to a device: `<device_id>@<command>|<value>` or
// `<device_id>@<command>|<p1>=<v1>|<p2>=<v2>`.
struct UltraLightCommand {
  std::string device_id;
  std::string command;
  // Set when the payload carries a single field without '=' (`robot1@turn|left`).
  std::string value;
  // Set otherwise, in payload order (`station@ping|a=1|b=2`).
  std::vector<std::pair<std::string, std::string>> params;

  friend bool operator==(const UltraLightCommand&, const UltraLightCommand&) = default;
};

// Parses a command payload (what travels on `/<apikey>/<device_id>/cmd`). A command without any
// field (`dev@reset`) has an empty value and no params. kBadRequestData when '@' is missing, the
// device id is not a valid topic segment (topic.h), the command is not a valid attribute name or
// has a second '@', or a parameter is not `name=value` with a non-empty name.
Result<UltraLightCommand> ParseUltraLightCommand(std::string_view payload);

// Formats a command; the inverse of ParseUltraLightCommand. `params` wins over `value` when both
// are set. UltraLight has no escape mechanism, so kBadRequestData when the device id or command
// would not parse back (see ParseUltraLightCommand), or a value or parameter contains '|', '#' or
// a line break, a parameter name contains '=', or a plain value contains '='.
Result<std::string> FormatUltraLightCommand(const UltraLightCommand& command);

// A command result sent back by a device on `/<apikey>/<device_id>/cmdexe`:
// `<device_id>@<command>|<result>`.
struct UltraLightCommandResult {
  std::string device_id;
  std::string command;
  // Everything after the first '|' (may itself contain '|'); empty when there is no '|'.
  std::string result;

  friend bool operator==(const UltraLightCommandResult&, const UltraLightCommandResult&) = default;
};

// kBadRequestData for the same head errors as ParseUltraLightCommand.
Result<UltraLightCommandResult> ParseUltraLightCommandResult(std::string_view payload);

}  // namespace civitas::ingest
