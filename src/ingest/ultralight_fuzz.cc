// Fuzzes the UltraLight 2.0 parsers (measures, commands, command results) and the topic parser.
// Invariants: no crash, every error has a message, parsed measures are non-empty with valid
// groups, and a formatted command parses back to itself.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "civitas/ingest/topic.h"
#include "civitas/ingest/ultralight.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  using namespace civitas::ingest;

  auto measures = ParseUltraLight(input);
  if (!measures.ok()) {
    if (measures.status().message().empty()) __builtin_trap();
  } else {
    if (measures->empty()) __builtin_trap();
    uint32_t last_group = 0;
    for (const Measure& m : *measures) {
      if (m.object_id.empty() || !m.value.is_string() || m.value.get_string().empty()) {
        __builtin_trap();
      }
      if (m.group < last_group) __builtin_trap();
      last_group = m.group;
    }
  }

  auto command = ParseUltraLightCommand(input);
  if (command.ok()) {
    auto text = FormatUltraLightCommand(*command);
    if (text.ok()) {
      auto back = ParseUltraLightCommand(*text);
      if (!back.ok() || !(*back == *command)) __builtin_trap();
    }
  } else if (command.status().message().empty()) {
    __builtin_trap();
  }

  auto result = ParseUltraLightCommandResult(input);
  if (!result.ok() && result.status().message().empty()) __builtin_trap();

  auto topic = ParseDeviceTopic(input);
  if (topic.ok()) {
    auto back = ParseDeviceTopic(FormatDeviceTopic(*topic));
    if (!back.ok() || !(*back == *topic)) __builtin_trap();
  } else if (topic.status().message().empty()) {
    __builtin_trap();
  }
  return 0;
}
