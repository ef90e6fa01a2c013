// The NGSI-LD batch upsert path before the store: a body shaped like the peer kit's
// ngsild.ndjson lines (500 AirQualityObserved entities, a location and three observed numbers
// each) parsed into a DOM, and parsed + turned into model::Entity values (ParseEntity). Items
// are attribute values. Linked with jemalloc where the server is (not in sanitizer builds).
//
//   build/<preset>/bench/entity_parse_bench
#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <cstdio>
#include <string>

#include "civitas/core/check.h"
#include "civitas/model/context.h"
#include "civitas/model/entity_json.h"

namespace civitas::model {
namespace {

namespace json = boost::json;

constexpr int kEntities = 500;
constexpr int kValuesPerEntity = 3;

std::string Body() {
  std::string body = "[";
  char entity[640];
  for (int i = 0; i < kEntities; ++i) {
    std::snprintf(
        entity, sizeof entity,
        R"(%s{"id":"urn:ngsi-ld:AirQualityObserved:s%05d","type":"AirQualityObserved",)"
        R"("location":{"type":"GeoProperty","value":{"type":"Point","coordinates":[2.%06d,41.%06d]}},)"
        R"("pm25":{"type":"Property","value":%.1f,"unitCode":"GQ","observedAt":"2024-01-01T00:00:00Z"},)"
        R"("no2":{"type":"Property","value":%.1f,"unitCode":"GQ","observedAt":"2024-01-01T00:00:00Z"},)"
        R"("temperature":{"type":"Property","value":%.1f,"unitCode":"CEL","observedAt":"2024-01-01T00:00:00Z"}})",
        i == 0 ? "" : ",", i + 1, 100000 + i * 37, 300000 + i * 53, 10 + (i % 97) / 10.0,
        30 + (i % 53) / 10.0, 15 + (i % 41) / 10.0);
    body += entity;
  }
  return body + "]";
}

void BM_ParseJson(benchmark::State& state) {
  const std::string body = Body();
  for (auto _ : state) {
    json::value dom = json::parse(body);
    benchmark::DoNotOptimize(dom);
  }
  state.SetItemsProcessed(state.iterations() * kEntities * kValuesPerEntity);
}
BENCHMARK(BM_ParseJson)->Unit(benchmark::kMicrosecond);

void BM_ParseEntities(benchmark::State& state) {
  auto contexts = OpenContextStore("");
  CIVITAS_CHECK(contexts.ok());
  auto context = (*contexts)->Core();
  const std::string body = Body();
  for (auto _ : state) {
    json::value dom = json::parse(body);
    for (const auto& item : dom.as_array()) {
      auto entity = ParseEntity(item.as_object(), *context);
      CIVITAS_CHECK(entity.ok());
      benchmark::DoNotOptimize(entity);
    }
  }
  state.SetItemsProcessed(state.iterations() * kEntities * kValuesPerEntity);
}
BENCHMARK(BM_ParseEntities)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace civitas::model

BENCHMARK_MAIN();
