// Planning and matching a geo-query, the CPU a GET /entities?georel=... spends before and
// around the geo index (the kit's q4: near;maxDistance==1000 of a point, 500 sensors in a city):
// parsing the parameters, covering the buffered point with S2 cells (the plan), a planned
// query from GeoQueryCache (what a repeated request pays instead), and matching points.
//
//   build/<preset>/bench/geo_query_bench
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "civitas/core/check.h"
#include "civitas/query/geo_query.h"
#include "civitas/query/geo_query_cache.h"

namespace civitas::query {
namespace {

constexpr std::string_view kGeorel = "near;maxDistance==1000";
constexpr std::string_view kCoordinates = "[2.14,41.394]";

GeoQuery Q4() { return ParseGeoQuery(kGeorel, "Point", kCoordinates, "").value(); }

void BM_Parse(benchmark::State& state) {
  for (auto _ : state) {
    auto query = ParseGeoQuery(kGeorel, "Point", kCoordinates, "");
    benchmark::DoNotOptimize(query);
  }
}
BENCHMARK(BM_Parse);

void BM_Plan(benchmark::State& state) {
  const GeoQuery query = Q4();
  size_t ranges = 0;
  for (auto _ : state) {
    auto plan = query.PlanIndexScan();
    ranges = plan.ranges.size();
    benchmark::DoNotOptimize(plan);
  }
  state.counters["ranges"] = static_cast<double>(ranges);
}
BENCHMARK(BM_Plan);

void BM_CachedParseAndPlan(benchmark::State& state) {
  GeoQueryCache cache;
  CIVITAS_CHECK(cache.Get(kGeorel, "Point", kCoordinates, "").ok());
  for (auto _ : state) {
    auto planned = cache.Get(kGeorel, "Point", kCoordinates, "");
    benchmark::DoNotOptimize(planned);
  }
}
BENCHMARK(BM_CachedParseAndPlan);

// Items are candidate points (about the city's extent around the query point).
void BM_MatchPoints(benchmark::State& state) {
  const GeoQuery query = Q4();
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<> jitter(-0.05, 0.05);
  std::vector<model::Geometry> points;
  for (int i = 0; i < 1000; ++i) {
    points.push_back(
        model::Geometry::FromParams("Point", "[" + std::to_string(2.14 + jitter(rng)) + "," +
                                                 std::to_string(41.394 + jitter(rng)) + "]")
            .value());
  }
  int matches = 0;
  for (auto _ : state) {
    for (const auto& p : points) matches += query.Matches(p) ? 1 : 0;
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(points.size()));
}
BENCHMARK(BM_MatchPoints);

}  // namespace
}  // namespace civitas::query

BENCHMARK_MAIN();
