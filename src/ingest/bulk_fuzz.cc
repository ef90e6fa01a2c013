// Fuzzes the bulk import parsers (a JSON document, and each line as JSON Lines) and the export
// renderers. Invariants: no crash or exception, every rejection has a message, and an accepted
// entity exported as a JSON line imports back with the same id and types.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "civitas/ingest/bulk.h"

namespace {

civitas::model::ContextStore& Contexts() {
  static auto contexts = civitas::model::OpenContextStore("");
  if (!contexts.ok()) __builtin_trap();
  return **contexts;
}

void CheckRoundTrip(const civitas::model::Entity& entity) {
  auto& contexts = Contexts();
  auto core = contexts.Core();
  std::string line =
      civitas::ingest::EntityJsonLine(entity, *core, civitas::model::kCoreContextUrl);
  auto back = civitas::ingest::ParseImportEntity(line, contexts);
  if (!back.ok() || back->id != entity.id || back->types != entity.types) __builtin_trap();
  if (civitas::ingest::EntityGeoJsonFeature(entity, *core).empty()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (auto& record : civitas::ingest::ParseImportDocument(input, Contexts())) {
    if (record.position < 1) __builtin_trap();
    if (record.entity.ok()) {
      CheckRoundTrip(*record.entity);
    } else if (record.entity.status().message().empty()) {
      __builtin_trap();
    }
  }
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    std::string_view line = input.substr(start, end - start);
    if (!civitas::ingest::IsBlankLine(line)) {
      auto entity = civitas::ingest::ParseImportEntity(line, Contexts());
      if (entity.ok()) {
        CheckRoundTrip(*entity);
      } else if (entity.status().message().empty()) {
        __builtin_trap();
      }
    }
    start = end + 1;
  }
  return 0;
}
