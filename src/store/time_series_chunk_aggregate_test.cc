#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "civitas/store/time_series_chunk.h"

namespace civitas::store {
namespace {

constexpr int64_t kMinute = 60'000'000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kEpoch = 1'714'521'600'000'000;  // 2024-05-01T00:00:00Z

struct Input {
  int64_t ts;
  std::variant<double, std::string> value;
};

// The straightforward computation the chunk aggregation must agree with.
struct Reference {
  uint64_t count = 0;
  uint64_t number_count = 0;
  double sum = 0;
  double sumsq = 0;
  double sum_abs = 0;  // scale for the rounding tolerance
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::set<double> numbers;
  std::set<std::string> texts;
};

std::map<int64_t, Reference> ReferenceBuckets(const std::vector<Input>& inputs, int64_t start,
                                              int64_t period, int64_t from, int64_t to) {
  std::map<int64_t, Reference> out;
  for (const Input& in : inputs) {
    if (in.ts < from || in.ts >= to) continue;
    Reference& r = out[start + (in.ts - start) / period * period];
    ++r.count;
    if (const double* v = std::get_if<double>(&in.value)) {
      ++r.number_count;
      r.sum += *v;
      r.sumsq += *v * *v;
      r.sum_abs += std::fabs(*v) + *v * *v;
      r.min = std::min(r.min, *v);
      r.max = std::max(r.max, *v);
      r.numbers.insert(*v == 0 ? 0.0 : *v);
    } else {
      r.texts.insert(std::get<std::string>(in.value));
    }
  }
  return out;
}

// Chunks of random length, as the store would cut them.
std::vector<std::string> EncodeInChunks(const std::vector<Input>& inputs, std::mt19937_64& rng) {
  std::vector<std::string> chunks;
  TimeSeriesChunkBuilder builder;
  std::size_t chunk_length = 1 + rng() % 800;
  for (const Input& in : inputs) {
    Status s = std::holds_alternative<double>(in.value)
                   ? builder.Append(in.ts, std::get<double>(in.value))
                   : builder.Append(in.ts, std::get<std::string>(in.value));
    EXPECT_TRUE(s.ok());
    if (builder.sample_count() == chunk_length) {
      chunks.push_back(builder.Finish());
      chunk_length = 1 + rng() % 800;
    }
  }
  if (!builder.empty()) chunks.push_back(builder.Finish());
  return chunks;
}

std::vector<Input> RandomSeries(std::mt19937_64& rng) {
  const std::size_t length = rng() % 4000;
  const int ts_mode = static_cast<int>(rng() % 3);
  const int value_mode = static_cast<int>(rng() % 4);
  int64_t ts = kEpoch + static_cast<int64_t>(rng() % kDay);
  int tenths = 200;
  std::vector<Input> out;
  for (std::size_t i = 0; i < length; ++i) {
    switch (ts_mode) {
      case 0:
        ts += kMinute;
        break;
      case 1:
        ts += rng() % 4 == 0 ? 0 : static_cast<int64_t>(rng() % (10 * kMinute));
        break;
      default:
        ts += rng() % 50 == 0 ? static_cast<int64_t>(rng() % (5 * kDay)) : kMinute;
        break;
    }
    const int mode = value_mode == 3 ? static_cast<int>(rng() % 3) : value_mode;
    if (mode == 0) {
      tenths += static_cast<int>(rng() % 5) - 2;
      out.push_back({ts, tenths / 10.0});
    } else if (mode == 1) {
      out.push_back({ts, std::uniform_real_distribution<double>(-1e3, 1e3)(rng)});
    } else {
      out.push_back({ts, std::string(rng() % 2 ? "on" : "off") + std::to_string(rng() % 3)});
    }
  }
  return out;
}

void ExpectNear(double actual, double expected, double scale, const char* what) {
  EXPECT_NEAR(actual, expected, 1e-9 * (scale + 1)) << what;
}

TEST(TimeSeriesChunkAggregateTest, MatchesReferenceOnRandomSeries) {
  std::mt19937_64 rng(2024);
  for (int round = 0; round < 150; ++round) {
    SCOPED_TRACE(round);
    std::vector<Input> inputs = RandomSeries(rng);
    std::vector<std::string> chunks = EncodeInChunks(inputs, rng);
    const int64_t first = inputs.empty() ? kEpoch : inputs.front().ts;
    const int64_t last = inputs.empty() ? kEpoch : inputs.back().ts;
    const int64_t span = last - first + 1;
    const int64_t from = first - kHour + static_cast<int64_t>(rng() % (span + kHour));
    const int64_t to = rng() % 3 == 0 ? std::numeric_limits<int64_t>::max()
                                      : from + static_cast<int64_t>(rng() % (span + kHour));
    const int64_t periods[] = {kMinute, kHour, kDay, 1 + static_cast<int64_t>(rng() % kDay),
                               std::numeric_limits<int64_t>::max() / 2};
    const int64_t period = periods[rng() % std::size(periods)];
    const int64_t start = from - static_cast<int64_t>(rng() % (2 * kHour));
    const bool track_distinct = rng() % 2 == 0;

    AggregateBuckets buckets(track_distinct);
    for (const std::string& chunk : chunks) {
      Result<ChunkSummary> s = AggregateChunk(chunk, start, period, from, to, buckets);
      ASSERT_TRUE(s.ok()) << s.status().message();
    }
    std::map<int64_t, Reference> expected = ReferenceBuckets(inputs, start, period, from, to);
    ASSERT_EQ(buckets.buckets().size(), expected.size());
    for (const auto& [bucket_start, ref] : expected) {
      auto it = buckets.buckets().find(bucket_start);
      ASSERT_NE(it, buckets.buckets().end()) << "bucket " << bucket_start;
      const AggregateBucket& b = it->second;
      EXPECT_EQ(b.start_us, bucket_start);
      EXPECT_EQ(b.count, ref.count);
      EXPECT_EQ(b.number_count, ref.number_count);
      EXPECT_EQ(b.min, ref.min);
      EXPECT_EQ(b.max, ref.max);
      ExpectNear(b.sum, ref.sum, ref.sum_abs, "sum");
      ExpectNear(b.sumsq, ref.sumsq, ref.sum_abs, "sumsq");
      if (track_distinct) {
        EXPECT_EQ(b.distinct_count(), ref.numbers.size() + ref.texts.size());
      }
      if (ref.number_count > 0) {
        const double n = static_cast<double>(ref.number_count);
        ExpectNear(b.avg(), ref.sum / n, ref.sum_abs, "avg");
        const double mean = ref.sum / n;
        double squares = 0;
        for (const Input& in : inputs) {
          const double* v = std::get_if<double>(&in.value);
          if (v == nullptr || in.ts < from || in.ts >= to) continue;
          if (in.ts - (in.ts - start) % period != bucket_start) continue;
          squares += (*v - mean) * (*v - mean);
        }
        EXPECT_NEAR(b.stddev(), std::sqrt(squares / n), 1e-6 * (1 + std::sqrt(ref.sum_abs / n)));
      } else {
        EXPECT_TRUE(std::isnan(b.avg()));
        EXPECT_TRUE(std::isnan(b.stddev()));
      }
    }
  }
}

// A series' head is aggregated sample by sample; its buckets must be exactly those of the same
// samples read from a chunk (same sums, in the same order), so a query answers the same before
// and after the head folds.
TEST(TimeSeriesChunkAggregateTest, LooseSamplesAggregateExactlyAsTheirChunk) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 40; ++round) {
    SCOPED_TRACE(round);
    std::vector<Input> inputs = RandomSeries(rng);
    std::vector<Sample> samples;
    TimeSeriesChunkBuilder builder;
    for (const Input& in : inputs) {
      Sample sample;
      sample.timestamp_us = in.ts;
      if (const double* v = std::get_if<double>(&in.value)) {
        sample.number = *v;
        ASSERT_TRUE(builder.Append(in.ts, *v).ok());
      } else {
        sample.kind = SampleKind::kText;
        sample.text = std::get<std::string>(in.value);
        ASSERT_TRUE(builder.Append(in.ts, sample.text).ok());
      }
      samples.push_back(sample);
    }
    const int64_t start = kEpoch - static_cast<int64_t>(rng() % kHour);
    const int64_t periods[] = {kMinute, 7 * kMinute, kHour, kDay};
    const int64_t period = periods[rng() % std::size(periods)];
    const bool track_distinct = rng() % 2 == 0;
    AggregateBuckets from_chunk(track_distinct), from_samples(track_distinct);
    ASSERT_TRUE(AggregateChunk(builder.Finish(), start, period, start,
                               std::numeric_limits<int64_t>::max(), from_chunk)
                    .ok());
    SampleAggregator aggregator(start, period, from_samples);
    for (const Sample& sample : samples) aggregator.Add(sample);
    ASSERT_EQ(from_samples.buckets().size(), from_chunk.buckets().size());
    for (const auto& [bucket_start, want] : from_chunk.buckets()) {
      const AggregateBucket& got = from_samples.buckets().at(bucket_start);
      EXPECT_EQ(got.count, want.count);
      EXPECT_EQ(got.number_count, want.number_count);
      EXPECT_EQ(std::bit_cast<uint64_t>(got.sum), std::bit_cast<uint64_t>(want.sum));
      EXPECT_EQ(std::bit_cast<uint64_t>(got.sumsq), std::bit_cast<uint64_t>(want.sumsq));
      EXPECT_EQ(got.min, want.min);
      EXPECT_EQ(got.max, want.max);
      EXPECT_EQ(got.distinct_count(), want.distinct_count());
    }
  }
}

TEST(TimeSeriesChunkAggregateTest, WholeChunkInOneBucketUsesTheSummary) {
  TimeSeriesChunkBuilder builder;
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(builder.Append(kEpoch + i * kMinute, i * 0.5).ok());
  std::string chunk = builder.Finish();
  AggregateBuckets buckets;
  ASSERT_TRUE(AggregateChunk(chunk, kEpoch, kHour, kEpoch, kEpoch + kDay, buckets).ok());
  ASSERT_EQ(buckets.buckets().size(), 1u);
  const AggregateBucket& b = buckets.buckets().begin()->second;
  EXPECT_EQ(b.count, 60u);
  EXPECT_EQ(b.min, 0.0);
  EXPECT_EQ(b.max, 29.5);
  EXPECT_DOUBLE_EQ(b.avg(), 14.75);
  EXPECT_DOUBLE_EQ(b.sum, 885.0);
}

TEST(TimeSeriesChunkAggregateTest, RolledUpChunkCountsWholeInTheBucketOfItsFirstSample) {
  TimeSeriesChunkBuilder builder;
  for (int64_t i = 0; i < 60; ++i) {
    ASSERT_TRUE(builder.Append(i * 60'000'000, 1.0 + static_cast<double>(i)).ok());
  }
  const std::string rolled = *RollUpTimeSeriesChunk(builder.Finish());
  for (bool distinct : {false, true}) {
    // 10-minute buckets: the samples are gone, so the hour lands whole in its first bucket.
    AggregateBuckets buckets(distinct);
    ASSERT_TRUE(AggregateChunk(rolled, 0, 600'000'000, 0, INT64_MAX, buckets).ok());
    ASSERT_EQ(buckets.buckets().size(), 1u);
    const AggregateBucket& b = buckets.buckets().at(0);
    EXPECT_EQ(b.count, 60u);
    EXPECT_EQ(b.sum, 60 * 61 / 2 * 1.0);
    EXPECT_EQ(b.min, 1.0);
    EXPECT_EQ(b.max, 60.0);
    EXPECT_EQ(b.distinct_count(), 0u);
  }
  AggregateBuckets outside;
  ASSERT_TRUE(AggregateChunk(rolled, 0, 600'000'000, 1, INT64_MAX, outside).ok());
  EXPECT_TRUE(outside.buckets().empty());  // its first sample is before the range
}

TEST(TimeSeriesChunkAggregateTest, NaNPropagatesToSumButNotToMinMax) {
  TimeSeriesChunkBuilder builder;
  ASSERT_TRUE(builder.Append(kEpoch, 1.0).ok());
  ASSERT_TRUE(builder.Append(kEpoch + 1, std::nan("")).ok());
  ASSERT_TRUE(builder.Append(kEpoch + 2, -0.0).ok());
  ASSERT_TRUE(builder.Append(kEpoch + 3, 0.0).ok());
  ASSERT_TRUE(builder.Append(kEpoch + 4, std::nan("1")).ok());
  std::string chunk = builder.Finish();
  AggregateBuckets buckets(/*track_distinct=*/true);
  ASSERT_TRUE(AggregateChunk(chunk, kEpoch, kHour, kEpoch, kEpoch + kHour, buckets).ok());
  const AggregateBucket& b = buckets.buckets().begin()->second;
  EXPECT_EQ(b.count, 5u);
  EXPECT_TRUE(std::isnan(b.sum));
  EXPECT_EQ(b.min, -0.0);
  EXPECT_EQ(b.max, 1.0);
  EXPECT_EQ(b.distinct_count(), 3u);  // 1, NaN, 0 (-0.0 and 0.0 are one value)
}

TEST(TimeSeriesChunkAggregateTest, RejectsBadPeriods) {
  std::string chunk = TimeSeriesChunkBuilder().Finish();
  AggregateBuckets buckets;
  EXPECT_EQ(AggregateChunk(chunk, 0, 0, 0, 10, buckets).status().code(),
            StatusCode::kInvalidRequest);
  EXPECT_EQ(AggregateChunk(chunk, 5, kHour, 0, 10, buckets).status().code(),
            StatusCode::kInvalidRequest);
  EXPECT_EQ(AggregateChunk("junk", 0, kHour, 0, 10, buckets).status().code(),
            StatusCode::kInternal);
}

TEST(TimeSeriesChunkAggregateTest, CountsTextSamplesAndTheirDistinctValues) {
  TimeSeriesChunkBuilder builder;
  const char* states[] = {"free", "occupied", "free", "free", "closed"};
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(builder.Append(kEpoch + i * kMinute, states[i]).ok());
  std::string chunk = builder.Finish();
  AggregateBuckets buckets(/*track_distinct=*/true);
  ASSERT_TRUE(AggregateChunk(chunk, kEpoch, 2 * kMinute, kEpoch, kEpoch + kHour, buckets).ok());
  ASSERT_EQ(buckets.buckets().size(), 3u);
  auto it = buckets.buckets().begin();
  EXPECT_EQ(it->second.count, 2u);
  EXPECT_EQ(it->second.distinct_count(), 2u);
  EXPECT_EQ(it->second.number_count, 0u);
  ++it;
  EXPECT_EQ(it->second.count, 2u);
  EXPECT_EQ(it->second.distinct_count(), 1u);
}

}  // namespace
}  // namespace civitas::store
