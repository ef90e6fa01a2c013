// The temporal store end to end on RocksDB: recording history with entity writes, and reading a
// 30-day series of one 60 s sensor (43,200 samples) back as samples and as hourly averages.
//
//   build/<preset>/bench/temporal_store_bench
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "civitas/store/store.h"

namespace civitas::store {
namespace {

constexpr int64_t kMinute = 60'000'000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kEpoch = 1'714'521'600'000'000;  // 2024-05-01T00:00:00Z
constexpr const char* kAttr = "https://example.org/temperature";

double Temperature(int64_t i) {
  return std::round((20 + 5 * std::sin(static_cast<double>(i) / 229.0)) * 10) / 10;
}

TemporalSeries SeriesOf() {
  TemporalSeries series;
  series.attr = kAttr;
  return series;
}

struct BenchStore {
  std::filesystem::path dir;
  std::unique_ptr<Store> store;
  explicit BenchStore(const std::string& name) {
    dir = std::filesystem::temp_directory_path() /
          ("civitas-temporal-bench-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    store = std::move(*Store::Open({.data_dir = dir.string()}));
  }
  ~BenchStore() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
};

// One PATCH-like entity write whose temperature changes: entity record, indexes and the
// history sample (a pending key; once an hour the hour is folded into a chunk).
// With state.range(0) == 0 the value and observedAt never change, so no history is recorded:
// the baseline cost of the entity write itself.
void BM_EntityWrite(benchmark::State& state) {
  const bool history = state.range(0) != 0;
  BenchStore bench(history ? "write-history" : "write-plain");
  std::string id = "urn:ngsi-ld:Room:1";
  int64_t i = 0;
  for (auto _ : state) {
    model::Entity e;
    e.id = id;
    e.types = {"https://example.org/Room"};
    model::Attribute a;
    a.name = kAttr;
    int64_t k = history ? i : 0;
    a.value = Temperature(k) + static_cast<double>(k % 2) / 100;
    a.observed_at = Timestamp(std::chrono::microseconds(kEpoch + k * kMinute));
    e.attributes.push_back(std::move(a));
    ++i;
    auto s = bench.store->Mutate("", {&id, 1}, [&](Mutation& m) {
      m.Put(std::move(e));
      return Status::Ok();
    });
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EntityWrite)->ArgName("history")->Arg(0)->Arg(1);

// What one peer-kit request hands the store (bench/peers): a batch upsert of 500 air-quality
// sensors, each with a location and three numbers observed at the batch's minute. Items are
// attribute values; the entities are built outside the timing. With modifiedAt:1 the values
// carry the write time as the server stamps it (6 ms apart, the kit's load rate), so the
// samples' modifiedAt column is written too.
void BM_BatchUpsert(benchmark::State& state) {
  constexpr int kSensors = 500;
  constexpr const char* kAttrs[] = {"https://example.org/pm25", "https://example.org/no2",
                                    "https://example.org/temperature"};
  const bool with_modified_at = state.range(0) != 0;
  constexpr int64_t kWriteEpoch = 1'767'225'600'000'000;  // 2026-01-01T00:00Z
  BenchStore bench("batch-upsert");
  std::vector<std::string> ids;
  for (int s = 0; s < kSensors; ++s)
    ids.push_back("urn:ngsi-ld:AirQualityObserved:s" + std::to_string(s));
  int64_t minute = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<model::Entity> batch(kSensors);
    for (int s = 0; s < kSensors; ++s) {
      model::Entity& e = batch[s];
      e.id = ids[s];
      e.types = {"https://example.org/AirQualityObserved"};
      model::Attribute location;
      location.name = "https://uri.etsi.org/ngsi-ld/location";
      location.kind = model::AttributeKind::kGeoProperty;
      location.value = boost::json::object{
          {"type", "Point"}, {"coordinates", boost::json::array{2.1 + s * 1e-4, 41.3 + s * 1e-4}}};
      e.attributes.push_back(std::move(location));
      for (int a = 0; a < 3; ++a) {
        model::Attribute v;
        v.name = kAttrs[a];
        v.value = Temperature(minute * 7 + s + a);
        v.unit_code = "GQ";
        v.observed_at = Timestamp(std::chrono::microseconds(kEpoch + minute * kMinute));
        if (with_modified_at) {
          v.modified_at = Timestamp(std::chrono::microseconds(kWriteEpoch + minute * 6000));
        }
        e.attributes.push_back(std::move(v));
      }
    }
    ++minute;
    state.ResumeTiming();
    auto s = bench.store->Mutate("", ids, [&](Mutation& m) {
      for (auto& e : batch) m.Put(std::move(e));
      return Status::Ok();
    });
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
  state.SetItemsProcessed(state.iterations() * kSensors * 3);
}
BENCHMARK(BM_BatchUpsert)
    ->ArgName("modifiedAt")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3);

// 30 days of one 60 s sensor, written an hour per mutation (each write folds the previous hour).
class ThirtyDays : public benchmark::Fixture {
 public:
  void SetUp(benchmark::State&) override {
    if (bench_) return;
    bench_ = new BenchStore("read");
    for (int64_t hour = 0; hour < 30 * 24; ++hour) {
      std::vector<TemporalInstance> instances;
      for (int64_t m = 0; m < 60; ++m) {
        int64_t i = hour * 60 + m;
        TemporalInstance instance;
        instance.attr = kAttr;
        instance.timestamp_us = kEpoch + i * kMinute;
        instance.number = Temperature(i);
        instances.push_back(std::move(instance));
      }
      (void)bench_->store->Mutate("", {&id_, 1}, [&](Mutation& mu) {
        mu.AddHistory(id_, {"https://example.org/Room"}, std::move(instances));
        return Status::Ok();
      });
    }
  }
  static BenchStore* bench_;  // leaked: outlives the benchmarks, no static destructor order
  std::string id_ = "urn:ngsi-ld:Room:1";
};
BenchStore* ThirtyDays::bench_ = nullptr;

BENCHMARK_F(ThirtyDays, HourlyAverage30Days)(benchmark::State& state) {
  for (auto _ : state) {
    AggregateBuckets buckets;
    auto s = bench_->store->ReadTemporal("")->Aggregate(id_, SeriesOf(), kEpoch, kHour, kEpoch,
                                                        kEpoch + 30 * kDay, buckets);
    if (!s.ok() || buckets.buckets().size() != 720) state.SkipWithError("wrong aggregate");
    benchmark::DoNotOptimize(buckets);
  }
}

BENCHMARK_F(ThirtyDays, ScanSamples30Days)(benchmark::State& state) {
  for (auto _ : state) {
    double sum = 0;
    int64_t n = 0;
    auto s = bench_->store->ReadTemporal("")->Samples(id_, SeriesOf(), kEpoch, kEpoch + 30 * kDay,
                                                      [&](const Sample& sample) {
                                                        sum += sample.number;
                                                        ++n;
                                                        return true;
                                                      });
    if (!s.ok() || n != 30 * 24 * 60) state.SkipWithError("wrong scan");
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * 30 * 24 * 60);
}

}  // namespace
}  // namespace civitas::store

BENCHMARK_MAIN();
