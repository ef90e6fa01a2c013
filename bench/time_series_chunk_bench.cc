// Throughput and size of the time-series chunk codec, and the temporal-history aggregation goal:
// the hourly average of one 60 s sensor over 30 days.
//
//   build/<preset>/bench/time_series_chunk_bench
//
// Series (720 samples = 12 h of 60 s samples per chunk unless stated):
//   temperature  20 + 5 sin(day) + N(0, 0.05) noise, rounded to 0.1 (a slowly varying sensor)
//   noisy        20 + N(0, 1), full double precision
//   on_off       "on"/"off" text flipping with probability 5% per sample
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "civitas/store/time_series_chunk.h"

namespace civitas::store {
namespace {

constexpr int64_t kMinute = 60'000'000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kEpoch = 1'714'521'600'000'000;  // 2024-05-01T00:00:00Z
constexpr double kPi = 3.14159265358979323846;

enum SeriesKind { kTemperature = 0, kNoisy = 1, kOnOff = 2 };
const char* const kSeriesNames[] = {"temperature", "noisy", "on_off"};

struct Series {
  std::vector<int64_t> ts;
  std::vector<double> numbers;
  std::vector<std::string> texts;
};

Series MakeSeries(SeriesKind kind, std::size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> small_noise(0, 0.05);
  std::normal_distribution<double> noise(0, 1);
  Series s;
  bool on = false;
  for (std::size_t i = 0; i < n; ++i) {
    const int64_t ts = kEpoch + static_cast<int64_t>(i) * kMinute;
    s.ts.push_back(ts);
    switch (kind) {
      case kTemperature: {
        const double day_phase = 2 * kPi * static_cast<double>(ts % kDay) / kDay;
        s.numbers.push_back(std::round((20 + 5 * std::sin(day_phase) + small_noise(rng)) * 10) /
                            10);
        break;
      }
      case kNoisy:
        s.numbers.push_back(20 + noise(rng));
        break;
      case kOnOff:
        if (rng() % 20 == 0) on = !on;
        s.texts.push_back(on ? "on" : "off");
        break;
    }
  }
  return s;
}

std::string EncodeRange(const Series& s, std::size_t begin, std::size_t end) {
  TimeSeriesChunkBuilder builder;
  for (std::size_t i = begin; i < end; ++i) {
    Status status = s.texts.empty() ? builder.Append(s.ts[i], s.numbers[i])
                                    : builder.Append(s.ts[i], s.texts[i]);
    if (!status.ok()) std::abort();
  }
  return builder.Finish();
}

constexpr std::size_t kChunkSamples = 720;

void BM_Encode(benchmark::State& state) {
  const auto kind = static_cast<SeriesKind>(state.range(0));
  const Series s = MakeSeries(kind, kChunkSamples, 1);
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string chunk = EncodeRange(s, 0, kChunkSamples);
    bytes = chunk.size();
    benchmark::DoNotOptimize(chunk);
  }
  state.SetLabel(kSeriesNames[kind]);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kChunkSamples));
  state.counters["bytes_per_value"] = static_cast<double>(bytes) / kChunkSamples;
}
BENCHMARK(BM_Encode)->Arg(kTemperature)->Arg(kNoisy)->Arg(kOnOff);

// One hour of one sensor as the server folds it: 60 samples of the temperature series, each with
// its modifiedAt. range(0) = 0: written live, ~0.2 s after the observation with ms jitter;
// 1: a backfill three years late, loaded by parallel clients (write times ~36 ms apart with
// jitter, a µs added now and then where writes crowd one millisecond).
void BM_EncodeHour(benchmark::State& state) {
  const bool backfill = state.range(0) != 0;
  constexpr std::size_t kHourSamples = 60;
  const Series s = MakeSeries(kTemperature, kHourSamples, 3);
  std::mt19937_64 rng(4);
  std::uniform_int_distribution<int64_t> jitter_ms(-40, 40);
  std::vector<int64_t> modified;
  int64_t write = kEpoch + 3 * 365 * kDay;
  for (std::size_t i = 0; i < kHourSamples; ++i) {
    write += 36'000 + jitter_ms(rng) * 1000 + (rng() % 4 == 0 ? 1 : 0);
    modified.push_back(backfill ? write : s.ts[i] + 200'000 + jitter_ms(rng) * 1000);
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    TimeSeriesChunkBuilder builder;
    for (std::size_t i = 0; i < kHourSamples; ++i) {
      if (!builder.Append(s.ts[i], s.numbers[i], modified[i]).ok()) std::abort();
    }
    std::string chunk = builder.Finish();
    bytes = chunk.size();
    benchmark::DoNotOptimize(chunk);
  }
  state.SetLabel(backfill ? "backfill" : "live");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kHourSamples));
  state.counters["bytes_per_value"] = static_cast<double>(bytes) / kHourSamples;
}
BENCHMARK(BM_EncodeHour)->Arg(0)->Arg(1);

void BM_Decode(benchmark::State& state) {
  const auto kind = static_cast<SeriesKind>(state.range(0));
  const std::string chunk = EncodeRange(MakeSeries(kind, kChunkSamples, 1), 0, kChunkSamples);
  for (auto _ : state) {
    Result<TimeSeriesChunkReader> reader = TimeSeriesChunkReader::Open(chunk);
    Sample sample;
    double acc = 0;
    while (reader->Next(sample)) acc += sample.number + static_cast<double>(sample.text.size());
    if (!reader->status().ok()) std::abort();
    benchmark::DoNotOptimize(acc);
  }
  state.SetLabel(kSeriesNames[kind]);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kChunkSamples));
  state.counters["bytes_per_value"] = static_cast<double>(chunk.size()) / kChunkSamples;
}
BENCHMARK(BM_Decode)->Arg(kTemperature)->Arg(kNoisy)->Arg(kOnOff);

// 30 days of 60 s temperature samples = 43,200 samples, cut into chunks of range(0) samples;
// hourly buckets of avg (range(1) = 1 also tracks distinctCount, which forces decoding).
void BM_HourlyAverage30Days(benchmark::State& state) {
  const auto chunk_samples = static_cast<std::size_t>(state.range(0));
  const bool distinct = state.range(1) != 0;
  constexpr std::size_t kSamples = 30 * 24 * 60;
  const Series s = MakeSeries(kTemperature, kSamples, 2);
  std::vector<std::string> chunks;
  std::size_t total_bytes = 0;
  for (std::size_t begin = 0; begin < kSamples; begin += chunk_samples) {
    chunks.push_back(EncodeRange(s, begin, std::min(kSamples, begin + chunk_samples)));
    total_bytes += chunks.back().size();
  }
  const int64_t to = kEpoch + 30 * kDay;
  for (auto _ : state) {
    AggregateBuckets buckets(distinct);
    for (const std::string& chunk : chunks) {
      if (!AggregateChunk(chunk, kEpoch, kHour, kEpoch, to, buckets).ok()) std::abort();
    }
    double acc = 0;
    for (const auto& [start, bucket] : buckets.buckets()) acc += bucket.avg();
    if (buckets.buckets().size() != 720) std::abort();
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kSamples));
  state.counters["bytes_per_value"] = static_cast<double>(total_bytes) / kSamples;
}
BENCHMARK(BM_HourlyAverage30Days)
    ->ArgsProduct({{60, 120, 720}, {0, 1}})
    ->ArgNames({"chunk_samples", "distinct"})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace civitas::store

BENCHMARK_MAIN();
