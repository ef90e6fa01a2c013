// Fuzzes the CSV import: the mapping parser (and its compilation) on the whole input, and every
// line as a CSV record added as an observation through a fixed mapping. Invariants: no crash or
// exception, every rejection has a message, a rejected row adds nothing, and a record of n
// commas outside quotes has n + 1 fields.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "civitas/ingest/csv_mapping.h"
#include "civitas/ingest/observations.h"

namespace {

using civitas::ingest::CsvLayout;
using civitas::ingest::IngestMappings;

const std::shared_ptr<const civitas::model::Context>& Core() {
  static auto contexts = civitas::model::OpenContextStore("");
  if (!contexts.ok()) __builtin_trap();
  static auto core = (*contexts)->Core();
  return core;
}

const IngestMappings& FuzzMappings() {
  static const std::shared_ptr<const IngestMappings> mappings = [] {
    auto m = civitas::ingest::ParseCsvMapping(
        R"({"type":"WeatherObserved","id":"station","observedAt":"time","longitude":"lon",
            "latitude":"lat","attributes":{"t":{"name":"temperature","unitCode":"CEL"},
            "note":{"type":"text"},"rain":{"name":"raining","type":"boolean"}}})");
    if (!m.ok()) __builtin_trap();
    auto compiled = IngestMappings::Compile({.mappings = {*m}}, Core(), "mapping");
    if (!compiled.ok()) __builtin_trap();
    return *compiled;
  }();
  return *mappings;
}

const CsvLayout& FuzzLayout() {
  static const CsvLayout layout = [] {
    auto l = civitas::ingest::MakeCsvLayout(
        FuzzMappings(), "WeatherObserved", {"station", "time", "lon", "lat", "t", "note", "rain"});
    if (!l.ok()) __builtin_trap();
    return *l;
  }();
  return layout;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace civitas::ingest;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto mapping = ParseCsvMapping(input);
  if (!mapping.ok()) {
    if (mapping.status().message().empty()) __builtin_trap();
  } else {
    auto compiled = IngestMappings::Compile({.mappings = {*mapping}}, Core(), "mapping");
    if (!compiled.ok() && compiled.status().message().empty()) __builtin_trap();
  }
  ObservationBatch batch(FuzzMappings());
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    std::string_view line = input.substr(start, end - start);
    auto record = ParseCsvRecord(line);
    if (record.ok()) {
      if (line.find('"') == std::string_view::npos) {
        size_t commas = static_cast<size_t>(std::count(line.begin(), line.end(), ','));
        if (record->size() != commas + 1) __builtin_trap();
      }
      const int64_t before = batch.accepted();
      const size_t entities = batch.entity_count();
      auto added = batch.AddRow(FuzzLayout(), *record);
      if (!added.ok()) {
        if (added.message().empty()) __builtin_trap();
        if (batch.accepted() != before || batch.entity_count() != entities) __builtin_trap();
      }
    } else if (record.status().message().empty()) {
      __builtin_trap();
    }
    start = end + 1;
  }
  for (const auto& id : batch.Ids()) {
    civitas::model::Entity entity;
    ApplyObservations(*batch.Find(id), entity, false, civitas::Clock::System().Now());
    if (entity.id != id || entity.types.empty()) __builtin_trap();
  }
  return 0;
}
