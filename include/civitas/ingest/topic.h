#pragma once

#include <string>
#include <string_view>

#include "civitas/core/result.h"

namespace civitas::ingest {

// The payload protocol a topic names: `/json/...`, `/ul/...`, or none (the device's provisioned
// protocol decides).
enum class TopicProtocol { kUnspecified, kJson, kUltraLight };

// What a message on the topic carries.
enum class TopicKind {
  kAttrs,   // `.../attrs`: a measures payload
  kAttr,    // `.../attrs/<attr>`: the plain value of one measure
  kCmd,     // `.../cmd`: a command to the device (published by us)
  kCmdExe,  // `.../cmdexe`: a command result from the device
};

// A parsed IoT Agent MQTT topic.
struct DeviceTopic {
  TopicProtocol protocol = TopicProtocol::kUnspecified;
  std::string apikey;
  std::string device_id;
  TopicKind kind = TopicKind::kAttrs;
  std::string attr;  // the object_id of kAttr; empty otherwise

  friend bool operator==(const DeviceTopic&, const DeviceTopic&) = default;
};

// Parses `[/][json/|ul/]<apikey>/<device_id>/(attrs[/<attr>]|cmd|cmdexe)` (the leading '/' is
// optional, as the IoT Agents subscribe to both forms). A topic that fits both the prefixed and
// the unprefixed reading (`/ul/k/attrs/attrs`) is read as prefixed. Pure, thread-safe.
// kBadRequestData when a segment is empty or contains an MQTT wildcard ('+', '#') or NUL, or the
// shape fits neither reading. Messages never echo the topic (it carries device ids).
Result<DeviceTopic> ParseDeviceTopic(std::string_view topic);

// Builds the topic for `kind` in the unprefixed form (`/<apikey>/<device_id>/cmd`) or with the
// protocol prefix when `protocol` is set. `attr` is used for kAttr only. The caller passes ids
// that ParseDeviceTopic would accept.
std::string FormatDeviceTopic(const DeviceTopic& topic);

}  // namespace civitas::ingest
