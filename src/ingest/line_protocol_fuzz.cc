// Fuzzes the line protocol reader and parser, and the mapping of points to entities. The first
// byte picks the precision, the rest is a request body. Invariants: no crash; every rejection
// has a message; a parsed point formatted with FormatLpPoint reads back as exactly one line
// that parses to the same point; a point the default mapping rejects adds nothing; every
// gathered entity merges into an entity of its id.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "civitas/ingest/line_protocol.h"
#include "civitas/ingest/observations.h"

namespace {

using civitas::ingest::LpLineReader;
using civitas::ingest::LpParser;
using civitas::ingest::LpPoint;
using civitas::ingest::LpPrecision;

// A whole hour, so "now" truncated to any precision is itself and a point formatted without a
// timestamp parses back to the same one at nanosecond precision.
constexpr int64_t kNow = int64_t{1'699'999'200} * 1'000'000'000;

const civitas::ingest::IngestMappings& DefaultMappings() {
  static const std::shared_ptr<const civitas::ingest::IngestMappings> mappings = [] {
    static auto contexts = civitas::model::OpenContextStore("");
    if (!contexts.ok()) __builtin_trap();
    auto compiled = civitas::ingest::IngestMappings::Compile({}, (*contexts)->Core());
    if (!compiled.ok()) __builtin_trap();
    return *compiled;
  }();
  return *mappings;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto precision = static_cast<LpPrecision>(data[0] % 6);
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  LpParser parser(precision, kNow);
  LpParser again(LpPrecision::kNanoseconds, kNow);
  LpLineReader reader(body);
  std::string_view line;
  LpPoint point, reparsed;
  std::string formatted;
  civitas::ingest::ObservationBatch batch(DefaultMappings());
  while (reader.Next(line)) {
    if (line.empty()) __builtin_trap();
    civitas::Status status = parser.ParseLine(line, reader.line_number(), point);
    if (!status.ok()) {
      if (status.message().empty()) __builtin_trap();
      continue;
    }
    if (point.measurement.empty() || point.fields.empty()) __builtin_trap();
    formatted.clear();
    civitas::ingest::FormatLpPoint(point, formatted);
    LpLineReader round(formatted);
    std::string_view only;
    if (!round.Next(only)) __builtin_trap();
    if (!again.ParseLine(only, 1, reparsed).ok()) __builtin_trap();
    if (!(reparsed == point)) __builtin_trap();
    if (round.Next(only)) __builtin_trap();
    const int64_t accepted = batch.accepted();
    const size_t entities = batch.entity_count();
    civitas::Status added = batch.AddPoint(point, reader.line_number());
    if (!added.ok() && (added.message().empty() || batch.accepted() != accepted ||
                        batch.entity_count() != entities)) {
      __builtin_trap();
    }
  }
  for (const std::string& id : batch.Ids()) {
    civitas::model::Entity entity;
    civitas::ingest::ApplyObservations(*batch.Find(id), entity, false,
                                       civitas::Clock::System().Now());
    if (entity.id != id || entity.types.empty()) __builtin_trap();
  }
  return 0;
}
