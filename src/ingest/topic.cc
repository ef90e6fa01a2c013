#include "civitas/ingest/topic.h"

#include <optional>
#include <vector>

#include "src/ingest/names.h"

namespace civitas::ingest {
namespace {

std::optional<TopicKind> KindOf(std::string_view segment) {
  if (segment == "attrs") return TopicKind::kAttrs;
  if (segment == "cmd") return TopicKind::kCmd;
  if (segment == "cmdexe") return TopicKind::kCmdExe;
  return std::nullopt;
}

std::optional<TopicProtocol> ProtocolOf(std::string_view segment) {
  if (segment == "json") return TopicProtocol::kJson;
  if (segment == "ul") return TopicProtocol::kUltraLight;
  return std::nullopt;
}

// `<apikey>/<device_id>/<kind>[/<attr>]` without any protocol prefix.
std::optional<DeviceTopic> Read(const std::vector<std::string_view>& s, size_t first,
                                TopicProtocol protocol) {
  const size_t n = s.size() - first;
  if (n != 3 && n != 4) return std::nullopt;
  std::optional<TopicKind> kind = KindOf(s[first + 2]);
  if (!kind) return std::nullopt;
  DeviceTopic topic;
  topic.protocol = protocol;
  topic.apikey = std::string(s[first]);
  topic.device_id = std::string(s[first + 1]);
  topic.kind = *kind;
  if (n == 4) {
    if (*kind != TopicKind::kAttrs) return std::nullopt;
    topic.kind = TopicKind::kAttr;
    topic.attr = std::string(s[first + 3]);
  }
  return topic;
}

}  // namespace

Result<DeviceTopic> ParseDeviceTopic(std::string_view topic) {
  if (topic.empty()) return BadRequestData("empty MQTT topic");
  if (topic.front() == '/') topic.remove_prefix(1);
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (true) {
    size_t end = topic.find('/', start);
    segments.push_back(topic.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
    if (segments.size() > 5) break;  // longer than any IoT Agent topic; rejected below
  }
  if (segments.size() < 3 || segments.size() > 5) {
    return BadRequestData(
        "MQTT topic has " +
        std::string(segments.size() > 5 ? "more than 5" : std::to_string(segments.size())) +
        " segments; expected [/json|/ul]/<apikey>/<device_id>/"
        "attrs[/<attr>]|cmd|cmdexe");
  }
  for (size_t i = 0; i < segments.size(); ++i) {
    if (!IsValidTopicSegment(segments[i])) {
      return BadRequestData("MQTT topic segment " + std::to_string(i + 1) +
                            " is empty or has a space, control character, '+' or '#'");
    }
  }
  std::optional<DeviceTopic> parsed;
  if (std::optional<TopicProtocol> protocol = ProtocolOf(segments[0])) {
    parsed = Read(segments, 1, *protocol);
  }
  if (!parsed) parsed = Read(segments, 0, TopicProtocol::kUnspecified);
  if (!parsed) {
    return BadRequestData(
        "MQTT topic is not [/json|/ul]/<apikey>/<device_id>/attrs[/<attr>]|cmd|cmdexe");
  }
  return *std::move(parsed);
}

std::string FormatDeviceTopic(const DeviceTopic& topic) {
  std::string out;
  if (topic.protocol == TopicProtocol::kJson) out += "/json";
  if (topic.protocol == TopicProtocol::kUltraLight) out += "/ul";
  out += "/" + topic.apikey + "/" + topic.device_id;
  switch (topic.kind) {
    case TopicKind::kAttrs:
      return out + "/attrs";
    case TopicKind::kAttr:
      return out + "/attrs/" + topic.attr;
    case TopicKind::kCmd:
      return out + "/cmd";
    case TopicKind::kCmdExe:
      return out + "/cmdexe";
  }
  return out;
}

}  // namespace civitas::ingest
