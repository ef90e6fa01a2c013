// Fuzzes the IoT Agent JSON measures parser, the single-measure parser and the mapping of the
// measures onto a provisioned device. Invariants: no crash or exception, every error has a
// message, and parsed measures map to one fragment per group.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "civitas/ingest/device_mapping.h"
#include "civitas/ingest/iota_json.h"

namespace {

const civitas::ingest::Device& FuzzDevice() {
  static const civitas::ingest::Device device = [] {
    civitas::ingest::Device d;
    d.device_id = "fuzz01";
    d.entity_type = "Thing";
    d.attributes = {{"t", "temperature", "Number", "CEL"}, {"b", "on", "Boolean", ""},
                    {"d", "when", "DateTime", ""},         {"g", "location", "geo:point", ""},
                    {"r", "refStore", "Relationship", ""}, {"i", "count", "Integer", ""},
                    {"j", "shape", "geo:json", ""}};
    d.static_attributes = {{"category", "Text", "sensor"}};
    return d;
  }();
  return device;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  using namespace civitas::ingest;
  const civitas::Timestamp now{};

  auto measures = ParseIotaJson(input);
  if (!measures.ok()) {
    if (measures.status().message().empty()) __builtin_trap();
  } else {
    if (measures->empty()) __builtin_trap();
    auto update = MeasuresToAttributes(FuzzDevice(), nullptr, *measures, now);
    if (update.ok()) {
      if (update->fragments.size() != measures->back().group + 1) __builtin_trap();
    } else if (update.status().message().empty()) {
      __builtin_trap();
    }
  }

  for (auto format : {SingleMeasureFormat::kJson, SingleMeasureFormat::kUltraLight}) {
    auto single = ParseSingleMeasure("t", input, format);
    if (single.ok()) {
      auto update = MeasuresToAttributes(FuzzDevice(), nullptr, {*single}, now);
      if (!update.ok() && update.status().message().empty()) __builtin_trap();
    } else if (single.status().message().empty()) {
      __builtin_trap();
    }
  }
  return 0;
}
