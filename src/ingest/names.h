#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace civitas::ingest {

// Whether `name` may be an NGSI-LD attribute name or object_id as the IoT Agent passes it on:
// 1 to 256 bytes, no ASCII control characters or spaces, none of the characters the FIWARE
// brokers forbid in names (< > " ' = ; ( )), and neither of UltraLight's separators '|' and '#'.
// Bytes >= 0x80 (UTF-8) are allowed.
bool IsValidAttributeName(std::string_view name);

// id, type and @context name the entity itself; no attribute may take them.
bool IsReservedAttributeName(std::string_view name);

// Whether `segment` may be an apikey or device_id: 1 to 256 bytes, no '/', no MQTT wildcards
// ('+', '#'), no ASCII control characters or spaces.
bool IsValidTopicSegment(std::string_view segment);

// The whole of `text` as a finite double (from_chars syntax: no leading '+', no spaces, no
// hex); nullopt otherwise. UltraLight values and CSV cells are read with it.
std::optional<double> ParseFiniteDouble(std::string_view text);

// ASCII lower case (protocol and type names are compared case-insensitively).
std::string Lower(std::string_view text);

}  // namespace civitas::ingest
