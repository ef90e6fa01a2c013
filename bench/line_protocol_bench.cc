// The compact ingest path without the store: line protocol bodies shaped like the peer kit's
// influx.lp (5,000 lines per request, one tag, three float fields, precision s) parsed, and
// parsed + mapped to per-entity observations + merged into entities with their history
// instances (ApplyObservations), as POST /write does before Store::Mutate. Items are values.
//
//   build/<preset>/bench/line_protocol_bench
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "civitas/ingest/line_protocol.h"
#include "civitas/ingest/observations.h"

namespace civitas::ingest {
namespace {

constexpr int kLines = 5000;
constexpr int kValuesPerLine = 3;

// Time-major like the kit: `sensors` sensors, one reading each per minute.
std::string Body(int sensors) {
  std::string body;
  char line[160];
  for (int i = 0; i < kLines; ++i) {
    const int sensor = i % sensors;
    const long t = 1704067200L + 60L * (i / sensors);
    std::snprintf(line, sizeof line, "aq,sensor=s%05d pm25=%.1f,no2=%.1f,temperature=%.1f %ld\n",
                  sensor + 1, 10 + (i % 97) / 10.0, 30 + (i % 53) / 10.0, 15 + (i % 41) / 10.0, t);
    body += line;
  }
  return body;
}

void BM_Parse(benchmark::State& state) {
  const std::string body = Body(static_cast<int>(state.range(0)));
  LpPoint point;
  for (auto _ : state) {
    LpParser parser(LpPrecision::kSeconds, 0);
    LpLineReader reader(body);
    std::string_view line;
    while (reader.Next(line)) {
      if (!parser.ParseLine(line, reader.line_number(), point).ok()) state.SkipWithError("bad");
    }
    benchmark::DoNotOptimize(point.timestamp_ns);
  }
  state.SetItemsProcessed(state.iterations() * kLines * kValuesPerLine);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_Parse)->Arg(200)->Arg(2000);

void BM_ParseMapApply(benchmark::State& state) {
  const std::string body = Body(static_cast<int>(state.range(0)));
  auto contexts = model::OpenContextStore("");
  IngestMappingConfig aq;
  aq.measurement = "aq";
  aq.type = "AirQualityObserved";
  aq.id = {"sensor"};
  auto mappings = IngestMappings::Compile({.mappings = {aq}}, (*contexts)->Core());
  if (!mappings.ok()) return state.SkipWithError("mapping");
  LpPoint point;
  const Timestamp now = Clock::System().Now();
  for (auto _ : state) {
    LpParser parser(LpPrecision::kSeconds, 0);
    ObservationBatch batch(**mappings);
    LpLineReader reader(body);
    std::string_view line;
    while (reader.Next(line)) {
      if (!parser.ParseLine(line, reader.line_number(), point).ok() ||
          !batch.AddPoint(point, reader.line_number()).ok()) {
        state.SkipWithError("bad");
      }
    }
    size_t instances = 0;
    for (const std::string& id : batch.Ids()) {
      model::Entity entity;
      instances += ApplyObservations(*batch.Find(id), entity, false, now).size();
    }
    benchmark::DoNotOptimize(instances);
  }
  state.SetItemsProcessed(state.iterations() * kLines * kValuesPerLine);
}
BENCHMARK(BM_ParseMapApply)->Arg(200)->Arg(2000);

}  // namespace
}  // namespace civitas::ingest

BENCHMARK_MAIN();
