// Fuzzes the CSV import: the mapping parser on the whole input, and every line as a CSV record
// turned into an entity through a fixed mapping. Invariants: no crash or exception, every
// rejection has a message, and a record of n commas outside quotes has n + 1 fields.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "civitas/ingest/csv_mapping.h"

namespace {

const civitas::ingest::CsvMapping& FuzzMapping() {
  static const civitas::ingest::CsvMapping mapping = [] {
    auto m = civitas::ingest::ParseCsvMapping(
        R"({"type":"WeatherObserved","id":"station","observedAt":"time","longitude":"lon",
            "latitude":"lat","attributes":{"t":{"name":"temperature","unitCode":"CEL"},
            "note":{"type":"text"},"rain":{"name":"raining","type":"boolean"}}})");
    if (!m.ok()) __builtin_trap();
    return *m;
  }();
  return mapping;
}

const civitas::model::Context& Core() {
  static auto contexts = civitas::model::OpenContextStore("");
  if (!contexts.ok()) __builtin_trap();
  static auto core = (*contexts)->Core();
  return *core;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace civitas::ingest;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto mapping = ParseCsvMapping(input);
  if (!mapping.ok() && mapping.status().message().empty()) __builtin_trap();
  const std::vector<std::string> header = {"station", "time", "lon", "lat", "t", "note", "rain"};
  if (!CheckCsvHeader(FuzzMapping(), header).ok()) __builtin_trap();
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
      auto entity = CsvRowToEntity(FuzzMapping(), header, *record, Core());
      if (!entity.ok() && entity.status().message().empty()) __builtin_trap();
    } else if (record.status().message().empty()) {
      __builtin_trap();
    }
    start = end + 1;
  }
  return 0;
}
