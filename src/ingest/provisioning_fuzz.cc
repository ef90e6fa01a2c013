// Fuzzes the provisioning parsers. Invariants: no crash or exception, every error has a message,
// and whatever parses survives a ToJson / Parse round trip unchanged.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "civitas/ingest/provisioning.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  using namespace civitas::ingest;

  auto groups = ParseServiceGroups(input);
  if (groups.ok()) {
    for (const ServiceGroup& g : *groups) {
      auto back = ParseServiceGroup(ServiceGroupToJson(g), "g");
      if (!back.ok() || !(*back == g)) __builtin_trap();
    }
  } else if (groups.status().message().empty()) {
    __builtin_trap();
  }

  auto devices = ParseDevices(input);
  if (devices.ok()) {
    for (const Device& d : *devices) {
      auto back = ParseDevice(DeviceToJson(d), "d");
      if (!back.ok() || !(*back == d)) __builtin_trap();
    }
  } else if (devices.status().message().empty()) {
    __builtin_trap();
  }
  return 0;
}
