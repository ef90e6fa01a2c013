#include "civitas/ingest/ultralight.h"

#include <cstddef>
#include <string>

#include "src/ingest/names.h"

namespace civitas::ingest {
namespace {

constexpr std::string_view kTimeInstant = "TimeInstant";

// Line-oriented publishers (mosquitto_pub -l, shell scripts) end payloads with a newline that is
// not part of the last value.
std::string_view StripLineEnd(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

std::string Where(size_t group, size_t field) {
  return "UltraLight group " + std::to_string(group + 1) + ", field " + std::to_string(field + 1);
}

// Appends the measures of one group (without its '#').
Status ParseGroup(std::string_view group, uint32_t index, std::vector<Measure>& out) {
  const std::string group_name = "UltraLight group " + std::to_string(index + 1);
  if (group.empty()) return BadRequestData(group_name + " is empty");
  // The IoT Agent tolerates one leading '|' (devices that always write "|key|value").
  if (group.front() == '|') group.remove_prefix(1);
  std::vector<std::string_view> fields = Split(group, '|');

  std::optional<Timestamp> observed_at;
  size_t first_key = 0;
  if (fields.size() % 2 == 1) {
    // The spec's only way to have an odd field count is a leading timestamp.
    Result<Timestamp> t = ParseTimestamp(fields[0]);
    if (!t.ok()) {
      return BadRequestData(group_name + " has an odd number of fields (" +
                            std::to_string(fields.size()) +
                            ") and its first field is not an ISO 8601 timestamp");
    }
    observed_at = *t;
    first_key = 1;
  }

  const size_t group_start = out.size();
  for (size_t i = first_key; i + 1 < fields.size(); i += 2) {
    std::string_view key = fields[i];
    std::string_view value = fields[i + 1];
    if (key.empty()) return BadRequestData(Where(index, i) + ": empty measure name");
    if (value.empty()) {
      return BadRequestData(Where(index, i + 1) +
                            ": empty value (UltraLight has no empty values; omit the measure)");
    }
    if (!IsValidAttributeName(key)) {
      return BadRequestData(Where(index, i) +
                            ": measure name has a character not allowed in attribute names");
    }
    if (key == kTimeInstant) {
      Result<Timestamp> t = ParseTimestamp(value);
      if (!t.ok()) {
        return BadRequestData(Where(index, i + 1) + ": TimeInstant is not an ISO 8601 timestamp");
      }
      observed_at = *t;
      continue;
    }
    out.push_back(Measure{std::string(key), boost::json::string(value), std::nullopt, index});
  }
  if (out.size() == group_start) return BadRequestData(group_name + " carries no measures");
  for (size_t i = group_start; i < out.size(); ++i) out[i].observed_at = observed_at;
  return Status::Ok();
}

// Splits `<device_id>@<command>[|rest]` into its parts.
struct CommandHead {
  std::string_view device_id;
  std::string_view command;
  std::optional<std::string_view> rest;  // after the first '|'
};

Result<CommandHead> ParseCommandHead(std::string_view payload, std::string_view what) {
  payload = StripLineEnd(payload);
  CommandHead head;
  std::string_view first = payload;
  if (size_t bar = payload.find('|'); bar != std::string_view::npos) {
    first = payload.substr(0, bar);
    head.rest = payload.substr(bar + 1);
  }
  size_t at = first.find('@');
  if (at == std::string_view::npos) {
    return BadRequestData("UltraLight " + std::string(what) +
                          " does not start with <device_id>@<command>");
  }
  head.device_id = first.substr(0, at);
  head.command = first.substr(at + 1);
  if (head.device_id.empty()) {
    return BadRequestData("UltraLight " + std::string(what) + " has an empty device id");
  }
  if (head.command.empty()) {
    return BadRequestData("UltraLight " + std::string(what) + " has an empty command name");
  }
  if (head.command.find('@') != std::string_view::npos) {
    return BadRequestData("UltraLight " + std::string(what) + " has more than one '@'");
  }
  if (!IsValidTopicSegment(head.device_id)) {
    return BadRequestData("UltraLight " + std::string(what) +
                          " has a device id with a space, control character, '/', '+' or '#'");
  }
  if (!IsValidAttributeName(head.command)) {
    return BadRequestData("UltraLight " + std::string(what) +
                          " has a command name that is not a valid attribute name");
  }
  return head;
}

// Also CR and LF: commands are single lines, and a trailing newline would not read back.
bool HasSeparator(std::string_view text) {
  return text.find_first_of("|#\r\n") != std::string_view::npos;
}

}  // namespace

Result<std::vector<Measure>> ParseUltraLight(std::string_view payload) {
  payload = StripLineEnd(payload);
  if (payload.empty()) return BadRequestData("empty UltraLight payload");
  std::vector<Measure> measures;
  std::vector<std::string_view> groups = Split(payload, '#');
  for (size_t g = 0; g < groups.size(); ++g) {
    CIVITAS_RETURN_IF_ERROR(ParseGroup(groups[g], static_cast<uint32_t>(g), measures));
  }
  return measures;
}

Result<UltraLightCommand> ParseUltraLightCommand(std::string_view payload) {
  CIVITAS_ASSIGN_OR_RETURN(CommandHead head, ParseCommandHead(payload, "command"));
  UltraLightCommand command;
  command.device_id = std::string(head.device_id);
  command.command = std::string(head.command);
  if (!head.rest) return command;
  std::vector<std::string_view> fields = Split(*head.rest, '|');
  if (fields.size() == 1 && fields[0].find('=') == std::string_view::npos) {
    command.value = std::string(fields[0]);
    return command;
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    size_t eq = fields[i].find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return BadRequestData("UltraLight command parameter " + std::to_string(i + 1) +
                            " is not <name>=<value>");
    }
    command.params.emplace_back(std::string(fields[i].substr(0, eq)),
                                std::string(fields[i].substr(eq + 1)));
  }
  return command;
}

Result<std::string> FormatUltraLightCommand(const UltraLightCommand& command) {
  if (command.device_id.empty() || command.command.empty()) {
    return BadRequestData("UltraLight command needs a device id and a command name");
  }
  if (!IsValidTopicSegment(command.device_id) || command.device_id.find('@') != std::string::npos ||
      !IsValidAttributeName(command.command) || command.command.find('@') != std::string::npos) {
    return BadRequestData(
        "UltraLight command: the device id must be a valid topic segment and the command name a "
        "valid attribute name, neither with '@'");
  }
  std::string out = command.device_id + "@" + command.command;
  if (!command.params.empty()) {
    for (const auto& [name, value] : command.params) {
      if (name.empty() || HasSeparator(name) || name.find('=') != std::string::npos) {
        return BadRequestData(
            "UltraLight command parameter names must be non-empty without '|', '#', '=' or line "
            "breaks");
      }
      if (HasSeparator(value)) {
        return BadRequestData(
            "UltraLight command parameter values cannot contain '|', '#' or line breaks");
      }
      out += "|" + name + "=" + value;
    }
    return out;
  }
  if (!command.value.empty()) {
    if (HasSeparator(command.value) || command.value.find('=') != std::string::npos) {
      return BadRequestData(
          "an UltraLight command value cannot contain '|', '#', '=' (use parameters) or line "
          "breaks");
    }
    out += "|" + command.value;
  }
  return out;
}

Result<UltraLightCommandResult> ParseUltraLightCommandResult(std::string_view payload) {
  CIVITAS_ASSIGN_OR_RETURN(CommandHead head, ParseCommandHead(payload, "command result"));
  UltraLightCommandResult result;
  result.device_id = std::string(head.device_id);
  result.command = std::string(head.command);
  if (head.rest) result.result = std::string(*head.rest);
  return result;
}

}  // namespace civitas::ingest
