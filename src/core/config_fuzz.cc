// Fuzzes the civitas.yaml parser: any bytes get a Status, never a crash or an escaped exception;
// an accepted file holds only rules the store can enforce and ingest mappings that name a
// measurement once each, with longitude and latitude together.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "civitas/core/check.h"
#include "civitas/core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto config =
      civitas::ParseServerConfig(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!config.ok()) return 0;
  for (const auto& rule : config->retention.rules) {
    CIVITAS_CHECK(!rule.type.empty());
    CIVITAS_CHECK(rule.raw.count() > 0);
    CIVITAS_CHECK(rule.hourly.count() == 0 || rule.hourly > rule.raw);
  }
  const auto& mappings = config->ingest.mappings;
  for (size_t i = 0; i < mappings.size(); ++i) {
    CIVITAS_CHECK(!mappings[i].measurement.empty());
    CIVITAS_CHECK(mappings[i].longitude.empty() == mappings[i].latitude.empty());
    for (size_t j = 0; j < i; ++j) CIVITAS_CHECK(mappings[j].measurement != mappings[i].measurement);
    for (const auto& id : mappings[i].id) CIVITAS_CHECK(!id.empty());
  }
  return 0;
}
