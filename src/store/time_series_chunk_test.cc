#include "civitas/store/time_series_chunk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "src/store/bit_stream.h"
#include "src/store/time_series_chunk_format.h"
#include "src/store/version_two_chunk.h"

namespace civitas::store {
namespace {

constexpr int64_t kMinute = 60'000'000;
constexpr int64_t kHour = 60 * kMinute;
constexpr double kInf = std::numeric_limits<double>::infinity();

// What a test appends: a number or a text, and a modifiedAt.
struct Input {
  int64_t ts;
  std::variant<double, std::string> value;
  int64_t modified = kNoModifiedAt;
};

std::string Encode(const std::vector<Input>& inputs) {
  TimeSeriesChunkBuilder builder;
  for (const Input& in : inputs) {
    Status s = std::holds_alternative<double>(in.value)
                   ? builder.Append(in.ts, std::get<double>(in.value), in.modified)
                   : builder.Append(in.ts, std::get<std::string>(in.value), in.modified);
    EXPECT_TRUE(s.ok()) << s.message();
  }
  return builder.Finish();
}

uint64_t Bits(double v) { return std::bit_cast<uint64_t>(v); }

// Decodes `bytes` and expects exactly `inputs`, numbers bit for bit, and their modifiedAt when
// every input has one.
void ExpectRoundTrip(const std::vector<Input>& inputs, const std::string& bytes) {
  Result<std::vector<Sample>> decoded = DecodeTimeSeriesChunk(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  ASSERT_EQ(decoded->size(), inputs.size());
  const bool column = std::none_of(inputs.begin(), inputs.end(),
                                   [](const Input& in) { return in.modified == kNoModifiedAt; });
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Sample& s = (*decoded)[i];
    ASSERT_EQ(s.timestamp_us, inputs[i].ts) << "sample " << i;
    ASSERT_EQ(s.modified_at_us, column ? inputs[i].modified : kNoModifiedAt) << "sample " << i;
    if (std::holds_alternative<double>(inputs[i].value)) {
      ASSERT_EQ(s.kind, SampleKind::kNumber) << "sample " << i;
      ASSERT_EQ(Bits(s.number), Bits(std::get<double>(inputs[i].value))) << "sample " << i;
    } else {
      ASSERT_EQ(s.kind, SampleKind::kText) << "sample " << i;
      ASSERT_EQ(s.text, std::get<std::string>(inputs[i].value)) << "sample " << i;
    }
  }
}

double SpecialDouble(std::mt19937_64& rng) {
  static const uint64_t kPatterns[] = {
      0x7ff8000000000000ULL,  // quiet NaN
      0xfff8000000000000ULL,  // negative quiet NaN
      0x7ff0000000000001ULL,  // signalling NaN payload
      0x7fffffffffffffffULL,  // NaN with every payload bit
      0x7ff0000000000000ULL,  // +inf
      0xfff0000000000000ULL,  // -inf
      0x8000000000000000ULL,  // -0.0
      0x0000000000000000ULL,  // +0.0
      0x0000000000000001ULL,  // smallest denormal
      0x000fffffffffffffULL,  // largest denormal
      0x7fefffffffffffffULL,  // DBL_MAX
      0xffefffffffffffffULL,  // -DBL_MAX
  };
  return std::bit_cast<double>(kPatterns[rng() % std::size(kPatterns)]);
}

// A random series: the timestamp and value generators are picked per series so every encoding
// path (decimal, XOR, dictionary, raw, mixed; regular, jittery, huge gaps) is exercised.
std::vector<Input> RandomSeries(uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::size_t length = rng() % 4 == 0 ? rng() % 5 : rng() % 5001;
  const int ts_mode = static_cast<int>(rng() % 5);
  const int value_mode = static_cast<int>(rng() % 7);
  int64_t ts = static_cast<int64_t>(rng()) >> (rng() % 64);
  if (rng() % 8 == 0) ts = std::numeric_limits<int64_t>::min() + static_cast<int64_t>(rng() % 5);
  std::vector<std::string> vocabulary;
  for (int i = 0; i < 1 + static_cast<int>(rng() % 12); ++i) {
    vocabulary.push_back(i == 0 ? "" : "v" + std::to_string(rng() % 1000));
  }
  double walk = static_cast<double>(static_cast<int64_t>(rng() % 2000) - 1000);
  const int modified_mode = static_cast<int>(rng() % 6);
  const int64_t lag = static_cast<int64_t>(rng()) >> (rng() % 64);
  std::vector<Input> out;
  for (std::size_t i = 0; i < length; ++i) {
    if (i > 0) {
      uint64_t gap = 0;
      switch (ts_mode) {
        case 0:
          gap = kMinute;
          break;
        case 1:
          gap = kMinute + (rng() % 3) * 1'000'000 - 1'000'000;
          break;
        case 2:
          gap = rng() % 3 == 0 ? 0 : rng() % 1000;
          break;
        case 3:
          gap = rng() % 16 == 0 ? rng() >> (rng() % 40) : 1'000'000;
          break;
        default:
          gap = rng() >> (rng() % 64);
          break;
      }
      const uint64_t room =
          static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - static_cast<uint64_t>(ts);
      if (gap > room) gap = room;
      ts = static_cast<int64_t>(static_cast<uint64_t>(ts) + gap);
    }
    Input in{ts, 0.0};
    const int mode = value_mode == 6 ? static_cast<int>(rng() % 6) : value_mode;
    switch (mode) {
      case 0:  // a sensor with 0.1 resolution
        walk += static_cast<double>(static_cast<int>(rng() % 5) - 2);
        in.value = walk / 10;
        break;
      case 1:  // noisy doubles with specials mixed in
        in.value = rng() % 10 == 0 ? SpecialDouble(rng)
                                   : std::uniform_real_distribution<double>(-1e6, 1e6)(rng);
        break;
      case 2:  // arbitrary bit patterns
        in.value = std::bit_cast<double>(rng());
        break;
      case 3:  // low-cardinality text
        in.value = vocabulary[rng() % vocabulary.size()];
        break;
      case 4: {  // high-cardinality text, some long
        std::string text(rng() % 8 == 0 ? rng() % 3000 : rng() % 20, 'x');
        for (char& c : text) c = static_cast<char>(rng() % 256);
        in.value = std::move(text);
        break;
      }
      default:  // integers, occasionally huge
        in.value = static_cast<double>(static_cast<int64_t>(rng() % 100)) *
                   (rng() % 50 == 0 ? 1e300 : 1.0);
        break;
    }
    auto after = [&](int64_t t, int64_t d) {  // modulo 2^64, as lags are
      return static_cast<int64_t>(static_cast<uint64_t>(t) + static_cast<uint64_t>(d));
    };
    switch (modified_mode) {
      case 0:  // none
        break;
      case 1:  // written at the observation time (no observedAt)
        in.modified = ts;
        break;
      case 2:  // server stamps: whole ms after a network delay, a µs more when writes crowd
        in.modified = after((ts / 1000 + 80 + static_cast<int64_t>(rng() % 40)) * 1000,
                            rng() % 10 == 0 ? static_cast<int64_t>(rng() % 3) : 0);
        break;
      case 3:  // any lag
        in.modified = after(ts, lag + static_cast<int64_t>(rng() >> (rng() % 64)));
        break;
      case 4:  // any time at all
        in.modified = static_cast<int64_t>(rng());
        break;
      default:  // all but one: no column
        in.modified = i + 1 == length ? kNoModifiedAt : after(ts, lag);
        break;
    }
    out.push_back(std::move(in));
  }
  return out;
}

TEST(TimeSeriesChunkTest, RoundTripsEmptyChunk) {
  TimeSeriesChunkBuilder builder;
  std::string bytes = builder.Finish();
  Result<TimeSeriesChunkReader> reader = TimeSeriesChunkReader::Open(bytes);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  EXPECT_EQ(reader->summary().sample_count, 0u);
  Sample s;
  EXPECT_FALSE(reader->Next(s));
  EXPECT_TRUE(reader->status().ok());
}

TEST(TimeSeriesChunkTest, RoundTripsNaNAndInfinities) {
  std::vector<Input> inputs;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) inputs.push_back({i * kMinute, SpecialDouble(rng)});
  ExpectRoundTrip(inputs, Encode(inputs));
}

TEST(TimeSeriesChunkTest, RoundTripsNegativeZeroInDecimalSeries) {
  std::vector<Input> inputs = {{0, 1.5}, {1, -0.0}, {2, 2.5}, {3, 0.0}};
  ExpectRoundTrip(inputs, Encode(inputs));
}

TEST(TimeSeriesChunkTest, RoundTripsExtremeTimestampsAndHugeGaps) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  std::vector<Input> inputs = {{kMin, 1.0}, {kMin, 2.0},     {kMin + 1, 3.0}, {-1, 4.0},
                               {0, 5.0},    {kMax - 1, 6.0}, {kMax, 7.0},     {kMax, 8.0}};
  ExpectRoundTrip(inputs, Encode(inputs));
  std::vector<Input> two = {{kMin, std::string("a")}, {kMax, std::string("b")}};
  ExpectRoundTrip(two, Encode(two));
}

TEST(TimeSeriesChunkTest, KeepsEqualTimestampsAsDistinctSamples) {
  std::vector<Input> inputs = {{5, 1.0}, {5, 1.0}, {5, std::string("x")}, {6, 2.0}};
  ExpectRoundTrip(inputs, Encode(inputs));
}

TEST(TimeSeriesChunkTest, RejectsOutOfOrderAppend) {
  TimeSeriesChunkBuilder builder;
  ASSERT_TRUE(builder.Append(10, 1.0).ok());
  Status s = builder.Append(9, 2.0);
  EXPECT_EQ(s.code(), StatusCode::kInvalidRequest);
  EXPECT_EQ(builder.Append(9, "late").code(), StatusCode::kInvalidRequest);
  EXPECT_EQ(builder.sample_count(), 1u);
}

TEST(TimeSeriesChunkTest, RoundTripsRandomSeries) {
  for (uint64_t seed = 0; seed < 300; ++seed) {
    SCOPED_TRACE(seed);
    std::vector<Input> inputs = RandomSeries(seed);
    ExpectRoundTrip(inputs, Encode(inputs));
    if (HasFatalFailure()) return;
  }
}

TEST(TimeSeriesChunkTest, SummaryDescribesTheNumbers) {
  std::vector<Input> inputs = {
      {0, 3.0}, {1, std::string("t")}, {2, -1.5}, {3, std::nan("")}, {4, 10.0}};
  Result<TimeSeriesChunkReader> reader = TimeSeriesChunkReader::Open(Encode(inputs));
  ASSERT_TRUE(reader.ok());
  const ChunkSummary& s = reader->summary();
  EXPECT_EQ(s.sample_count, 5u);
  EXPECT_EQ(s.number_count, 4u);
  EXPECT_EQ(s.first_timestamp_us, 0);
  EXPECT_EQ(s.last_timestamp_us, 4);
  EXPECT_EQ(s.min, -1.5);
  EXPECT_EQ(s.max, 10.0);
  EXPECT_TRUE(std::isnan(s.sum));
}

TEST(TimeSeriesChunkTest, RollUpKeepsTheSummaryAndDropsTheSamples) {
  TimeSeriesChunkBuilder builder;
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(builder.Append(i * kMinute, 20.0 + i * 0.1).ok());
  ASSERT_TRUE(builder.Append(60 * kMinute, "offline").ok());
  const std::string chunk = builder.Finish();
  Result<std::string> rolled = RollUpTimeSeriesChunk(chunk);
  ASSERT_TRUE(rolled.ok()) << rolled.status().message();
  EXPECT_LT(rolled->size(), 64u);

  Result<ChunkSummary> original = ReadTimeSeriesChunkSummary(chunk);
  Result<ChunkSummary> summary = ReadTimeSeriesChunkSummary(*rolled);
  ASSERT_TRUE(original.ok() && summary.ok());
  EXPECT_FALSE(original->rolled_up);
  EXPECT_TRUE(summary->rolled_up);
  EXPECT_EQ(summary->sample_count, 61u);
  EXPECT_EQ(summary->number_count, 60u);
  EXPECT_EQ(summary->first_timestamp_us, 0);
  EXPECT_EQ(summary->last_timestamp_us, 60 * kMinute);
  EXPECT_EQ(Bits(summary->sum), Bits(original->sum));
  EXPECT_EQ(Bits(summary->sumsq), Bits(original->sumsq));
  EXPECT_EQ(summary->min, 20.0);
  EXPECT_EQ(summary->max, original->max);

  Result<std::vector<Sample>> samples = DecodeTimeSeriesChunk(*rolled);
  ASSERT_TRUE(samples.ok()) << samples.status().message();
  EXPECT_TRUE(samples->empty());
  EXPECT_EQ(*RollUpTimeSeriesChunk(*rolled), *rolled);  // idempotent
}

TEST(TimeSeriesChunkTest, RolledUpChunkWithSamplesIsCorrupt) {
  std::string rolled = *RollUpTimeSeriesChunk(Encode({{0, 1.0}, {kMinute, 2.0}}));
  EXPECT_FALSE(ReadTimeSeriesChunkSummary(rolled + "x").ok());
  rolled.back() = 1;  // a numbers section of one byte
  EXPECT_FALSE(ReadTimeSeriesChunkSummary(rolled + "x").ok());
}

// The storage goal of the temporal history: <= 2 bytes per value of a regular 60 s series.
TEST(TimeSeriesChunkTest, RegularSensorSeriesCostsUnderTwoBytesPerSample) {
  std::mt19937_64 rng(42);
  std::vector<Input> inputs;
  int tenths = 215;  // 21.5 degrees
  for (int i = 0; i < 720; ++i) {
    tenths += static_cast<int>(rng() % 3) - 1;
    inputs.push_back({1'714'557'600'000'000 + i * kMinute, tenths / 10.0});
  }
  std::string bytes = Encode(inputs);
  EXPECT_LE(bytes.size(), 2 * inputs.size());
  EXPECT_LE(bytes.size(), inputs.size());  // in practice: about 5 bits per sample
  ExpectRoundTrip(inputs, bytes);
}

// A sensor reporting tenths with ±5 jitter: the Rice code fits the jitter's spread (about 6 bits
// per sample with the timestamp; version 1's fixed buckets took 10).
TEST(TimeSeriesChunkTest, JitteryDecimalSeriesCostsAboutItsEntropy) {
  std::mt19937_64 rng(7);
  std::vector<Input> inputs;
  for (int i = 0; i < 720; ++i) {
    const int tenths = 200 + i / 10 + static_cast<int>(rng() % 11) - 5;
    inputs.push_back({1'714'557'600'000'000 + i * kMinute, tenths / 10.0});
  }
  std::string bytes = Encode(inputs);
  EXPECT_LE(bytes.size() * 8, inputs.size() * 13 / 2);
  ExpectRoundTrip(inputs, bytes);
}

// The modifiedAt column of a live 60 s sensor's hour: each write 50-150 ms after its
// observation, stamped in whole milliseconds, one in ten a µs later (Clock::Now in a crowded
// millisecond). The lag steps take about log2(100) + 2 bits, the remainders about one.
TEST(TimeSeriesChunkTest, ModifiedAtColumnOfALiveSensorCostsAboutTenBitsPerSample) {
  std::mt19937_64 rng(5);
  std::vector<Input> inputs;
  for (int i = 0; i < 60; ++i) {
    const int64_t ts = 1'714'557'600'000'000 + i * kMinute;
    const int64_t modified =
        ts + (50 + static_cast<int64_t>(rng() % 100)) * 1000 + (rng() % 10 == 0 ? 1 : 0);
    inputs.push_back({ts, 20.0 + static_cast<double>(rng() % 30) / 10, modified});
  }
  const std::string with = Encode(inputs);
  for (Input& in : inputs) in.modified = kNoModifiedAt;
  const std::string without = Encode(inputs);
  EXPECT_LE((with.size() - without.size()) * 8, inputs.size() * 10);
  // No observedAt: written at the time kept, a lag of 0, which costs only the column's header.
  for (Input& in : inputs) in.modified = in.ts;
  EXPECT_LE(Encode(inputs).size(), without.size() + 5);
  ExpectRoundTrip(inputs, Encode(inputs));
}

// A modifiedAt that decodes to kNoModifiedAt (only a forged chunk can hold one) is corrupt: read
// back as "none", it would drop the column of every sample on the next fold. One sample at 0,
// written at INT64_MIN + 1 (a lag of 2^63 - 1, its own unit); the timestamp patched to -1 makes
// it INT64_MIN.
TEST(TimeSeriesChunkTest, RejectsAModifiedAtOfTheNoneValue) {
  std::string bytes = Encode({{0, 1.5, std::numeric_limits<int64_t>::min() + 1}});
  ExpectRoundTrip({{0, 1.5, std::numeric_limits<int64_t>::min() + 1}}, bytes);
  ASSERT_EQ(bytes[4], '\0');  // version, flags, count, unit 1, then zigzag(first timestamp)
  bytes[4] = '\1';
  EXPECT_EQ(DecodeTimeSeriesChunk(bytes).status().code(), StatusCode::kInternal);
}

// Write times (the modifiedAt timeline): a minute apart with up to 30 ms of µs jitter. The
// delta-of-delta spans ±60,000 µs; Rice costs ~18 bits for it, version 1 took 37.
TEST(TimeSeriesChunkTest, WriteTimeJitterCostsUnderTwentyBitsPerTimestamp) {
  std::mt19937_64 rng(11);
  std::vector<Input> inputs;
  for (int i = 0; i < 720; ++i) {
    inputs.push_back({1'714'557'600'000'000 + i * kMinute + static_cast<int64_t>(rng() % 30'000),
                      std::string("on")});
  }
  std::string bytes = Encode(inputs);
  EXPECT_LE(bytes.size() * 8, inputs.size() * 20);
  ExpectRoundTrip(inputs, bytes);
}

// Chunks written before version 2 stay readable. This one is assembled by hand from the
// version 1 layout: 21.5, 21.6, 21.4 a minute apart.
TEST(TimeSeriesChunkTest, ReadsVersionOneChunks) {
  using internal::BitWriter;
  BitWriter ts;
  internal::WriteBucketed(ts, internal::kTimestampCode, ZigZagEncode(1));
  internal::WriteBucketed(ts, internal::kTimestampCode, ZigZagEncode(0));
  BitWriter numbers;
  for (int64_t delta : {215, 1, -2}) {
    internal::WriteBucketed(numbers, internal::kDecimalCode, ZigZagEncode(delta));
  }
  const std::string ts_section = ts.Finish();
  const std::string number_section = numbers.Finish();
  std::string chunk = {1, internal::kFlagNumbers | internal::kFlagDecimal};
  PutVarint64(chunk, 3);
  PutVarint64(chunk, ZigZagEncode(0));
  PutVarint64(chunk, 2 * kMinute);
  PutVarint64(chunk, kMinute);
  PutVarint64(chunk, 3);
  for (double v : {21.4, 21.6, 21.5 + 21.6 + 21.4, 21.5 * 21.5 + 21.6 * 21.6 + 21.4 * 21.4}) {
    PutFixed64(chunk, Bits(v));
  }
  chunk.push_back(1);  // scale
  PutVarint64(chunk, ts_section.size());
  PutVarint64(chunk, number_section.size());
  chunk += ts_section + number_section;

  ExpectRoundTrip({{0, 21.5}, {kMinute, 21.6}, {2 * kMinute, 21.4}}, chunk);
  Result<ChunkSummary> summary = ReadTimeSeriesChunkSummary(chunk);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->min, 21.4);
  EXPECT_EQ(summary->max, 21.6);
  // Re-encoding writes the current version, with the same samples and summary.
  TimeSeriesChunkBuilder builder;
  Result<std::vector<Sample>> decoded = DecodeTimeSeriesChunk(chunk);
  ASSERT_TRUE(decoded.ok());
  for (const Sample& s : *decoded) ASSERT_TRUE(builder.Append(s.timestamp_us, s.number).ok());
  const std::string again = builder.Finish();
  EXPECT_EQ(again[0], internal::kChunkVersion);
  ExpectRoundTrip({{0, 21.5}, {kMinute, 21.6}, {2 * kMinute, 21.4}}, again);
  EXPECT_EQ(ReadTimeSeriesChunkSummary(again)->min, 21.4);
  EXPECT_EQ(ReadTimeSeriesChunkSummary(again)->max, 21.6);
}

// Version 2 chunks (2026-12-04 to 2026-12-06) stay readable (version_two_chunk.h).
TEST(TimeSeriesChunkTest, ReadsVersionTwoChunks) {
  const std::string chunk = VersionTwoChunk(0);
  const std::vector<Input> samples = {{0, 21.5, 1'000'000},
                                      {kMinute, 21.6, kMinute + 1'020'000},
                                      {2 * kMinute, 21.4, 2 * kMinute + 1'010'001}};
  ExpectRoundTrip(samples, chunk);
  Result<ChunkSummary> summary = ReadTimeSeriesChunkSummary(chunk);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->min, 21.4);
  EXPECT_EQ(summary->max, 21.6);
  EXPECT_EQ(Bits(summary->sum), Bits(21.5 + 21.6 + 21.4));
  EXPECT_EQ(summary->last_timestamp_us, 2 * kMinute);
  // A fold re-encodes it in the current version, with the same samples and summary.
  const std::string again = Encode(samples);
  EXPECT_EQ(again[0], internal::kChunkVersion);
  EXPECT_LT(again.size(), chunk.size());
  ExpectRoundTrip(samples, again);
  EXPECT_EQ(Bits(ReadTimeSeriesChunkSummary(again)->sum), Bits(summary->sum));
  EXPECT_EQ(Bits(ReadTimeSeriesChunkSummary(again)->sumsq), Bits(summary->sumsq));
}

// A decimal chunk's summary is a few varints (its numbers' range and sums relative to the first,
// the sums' last bits as offsets), not 32 bytes of doubles, and still gives the sums a
// sample-order addition makes, bit for bit.
TEST(TimeSeriesChunkTest, DecimalSummaryIsSmallAndExact) {
  std::mt19937_64 rng(9);
  for (int round = 0; round < 200; ++round) {
    std::vector<Input> inputs;
    const int scale = static_cast<int>(rng() % 4);
    const int64_t level = static_cast<int64_t>(rng() % 100'000) - 50'000;
    double sum = 0, sumsq = 0, min = kInf, max = -kInf;
    const int count = 1 + static_cast<int>(rng() % 60);
    for (int i = 0; i < count; ++i) {
      const int64_t n = level + static_cast<int64_t>(rng() % 41) - 20;
      const double v = static_cast<double>(n) / internal::kPow10[scale];
      inputs.push_back({i * kMinute, v});
      sum += v;
      sumsq += v * v;
      min = std::min(min, v);
      max = std::max(max, v);
    }
    const std::string bytes = Encode(inputs);
    ExpectRoundTrip(inputs, bytes);
    Result<ChunkSummary> summary = ReadTimeSeriesChunkSummary(bytes);
    ASSERT_TRUE(summary.ok());
    EXPECT_EQ(Bits(summary->sum), Bits(sum)) << "round " << round;
    EXPECT_EQ(Bits(summary->sumsq), Bits(sumsq)) << "round " << round;
    EXPECT_EQ(summary->min, min);
    EXPECT_EQ(summary->max, max);
    EXPECT_EQ(bytes[1] & internal::kFlagExactSums, internal::kFlagExactSums);
  }
  // A steady hour of a 0.1-resolution sensor: a 27-byte header (version 2 took 48) and a bit
  // per sample for each of the timestamps and the values.
  std::vector<Input> hour;
  for (int i = 0; i < 60; ++i) hour.push_back({1'714'557'600'000'000 + i * kMinute, 21.5});
  EXPECT_LE(Encode(hour).size(), 27u + 2 * 8);
}

// Integers too large for exact 64-bit sums of squares keep their sums as doubles.
TEST(TimeSeriesChunkTest, HugeDecimalsKeepTheirSumsAsDoubles) {
  const std::vector<Input> inputs = {{0, 9.0e15}, {kMinute, -9.0e15}, {2 * kMinute, 8.5e15}};
  const std::string bytes = Encode(inputs);
  EXPECT_EQ(bytes[1] & internal::kFlagDecimal, internal::kFlagDecimal);
  EXPECT_EQ(bytes[1] & internal::kFlagExactSums, 0);
  ExpectRoundTrip(inputs, bytes);
  Result<ChunkSummary> summary = ReadTimeSeriesChunkSummary(bytes);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->sum, 9.0e15 + -9.0e15 + 8.5e15);
  EXPECT_EQ(summary->sumsq, 9.0e15 * 9.0e15 + 9.0e15 * 9.0e15 + 8.5e15 * 8.5e15);
  EXPECT_EQ(summary->min, -9.0e15);
}

// A history loaded after the fact: written 10 ms apart, a minute of observations apart. The
// step base is written relative to minus the timestamp step, one byte instead of three, and a
// few µs remainders are listed, not paid a bit per sample.
TEST(TimeSeriesChunkTest, BackfillModifiedAtCostsItsHeaderAndFewRemainders) {
  std::vector<Input> inputs;
  const int64_t written = 1'764'000'000'000'000;
  for (int i = 0; i < 60; ++i) {
    const int64_t ts = 1'714'557'600'000'000 + i * kMinute;
    inputs.push_back({ts, 20.0, written + i * 10'000 + (i == 17 || i == 41 ? 1 : 0)});
  }
  const std::string with = Encode(inputs);
  ExpectRoundTrip(inputs, with);
  std::vector<Input> plain = inputs;
  for (Input& in : plain) in.modified = kNoModifiedAt;
  const std::string without = Encode(plain);
  // unit 2, first lag 6, base 1, two parameters 2, a section length 1, the two remainders 4.
  EXPECT_LE(with.size() - without.size(), 16u);
  // Remainders of 1-7 µs everywhere: listed they would take 120 bytes; a Rice stream (3-4 bits
  // each, the steps in ms costing nothing) is chosen.
  for (int i = 0; i < 60; ++i) inputs[i].modified = written + i * 10'000 + 1 + i % 7;
  const std::string dense = Encode(inputs);
  ExpectRoundTrip(inputs, dense);
  EXPECT_LE(dense.size() - without.size(), 16u + 60 * 4 / 8);
}

// One bit per timestamp, about one per "same as before" text: under 3 bits per sample.
TEST(TimeSeriesChunkTest, BinaryTextSeriesCostsUnderThreeBitsPerSample) {
  std::mt19937_64 rng(3);
  std::vector<Input> inputs;
  bool on = false;
  for (int i = 0; i < 720; ++i) {
    if (rng() % 20 == 0) on = !on;
    inputs.push_back({i * kMinute, std::string(on ? "occupied" : "free")});
  }
  std::string bytes = Encode(inputs);
  EXPECT_LE(bytes.size() * 8, inputs.size() * 3);
  ExpectRoundTrip(inputs, bytes);
}

TEST(TimeSeriesChunkTest, RejectsEveryTruncation) {
  for (uint64_t seed = 0; seed < 40; ++seed) {
    std::vector<Input> inputs = RandomSeries(seed * 7919);
    if (inputs.size() > 300) inputs.resize(300);
    std::string bytes = Encode(inputs);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      EXPECT_FALSE(DecodeTimeSeriesChunk(bytes.substr(0, n)).ok())
          << "seed " << seed << " prefix " << n << " of " << bytes.size();
    }
  }
}

TEST(TimeSeriesChunkTest, RejectsBadHeaders) {
  std::string bytes = Encode({{0, 1.0}, {kMinute, 2.0}});
  std::string bad_version = bytes;
  bad_version[0] = 4;
  EXPECT_EQ(DecodeTimeSeriesChunk(bad_version).status().code(), StatusCode::kInternal);
  std::string bad_flags = bytes;
  bad_flags[1] = static_cast<char>(0x80);
  EXPECT_EQ(DecodeTimeSeriesChunk(bad_flags).status().code(), StatusCode::kInternal);
  EXPECT_FALSE(DecodeTimeSeriesChunk(bytes + "x").ok());
  EXPECT_FALSE(DecodeTimeSeriesChunk("").ok());
}

// Corrupted bytes must give a Status or a chunk that re-encodes to the same samples; never a
// crash (the fuzz target explores this further under sanitizers).
TEST(TimeSeriesChunkTest, SurvivesRandomCorruption) {
  std::mt19937_64 rng(99);
  int rejected = 0;
  int trials = 0;
  for (uint64_t seed = 0; seed < 60; ++seed) {
    std::vector<Input> inputs = RandomSeries(seed + 1000);
    if (inputs.size() > 200) inputs.resize(200);
    const std::string bytes = Encode(inputs);
    if (bytes.empty()) continue;
    for (int t = 0; t < 50; ++t) {
      std::string corrupt = bytes;
      corrupt[rng() % corrupt.size()] ^= static_cast<char>(1 + rng() % 255);
      ++trials;
      Result<std::vector<Sample>> decoded = DecodeTimeSeriesChunk(corrupt);
      if (!decoded.ok()) {
        ++rejected;
        continue;
      }
      AggregateBuckets buckets(true);
      (void)AggregateChunk(corrupt, std::numeric_limits<int64_t>::min(), kHour,
                           std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                           buckets);
    }
  }
  EXPECT_GT(rejected, trials / 4);
}

// The Rice parameter is the one of the shortest stream (the smallest such k), checked against
// every k on random streams: small values, outliers that escape at the mean's k (a rain gauge:
// mostly 0, now and then a large amount), and extremes.
TEST(RiceParameterTest, IsTheShortestStreamsSmallestK) {
  auto cost = [](const std::vector<uint64_t>& values, int k) {
    internal::BitWriter bits;
    for (uint64_t z : values) internal::WriteRice(bits, z, k);
    return bits.bit_count();
  };
  auto check = [&](const std::vector<uint64_t>& values) {
    int best_k = 0;
    uint64_t best = UINT64_MAX;
    for (int k = 0; k <= internal::kMaxRiceParameter; ++k) {
      const uint64_t bits = cost(values, k);
      if (bits < best) best = bits, best_k = k;
    }
    const internal::RiceParameter chosen = internal::ChooseRiceParameter(values);
    EXPECT_EQ(chosen.k, best_k);
    EXPECT_EQ(chosen.bits, best);
  };
  std::vector<uint64_t> rain(48, 0);
  rain.insert(rain.end(), 12, 2048);
  check(rain);
  check({0});
  check({UINT64_MAX, 0, 1});
  std::mt19937_64 rng(5);
  for (int round = 0; round < 2'000; ++round) {
    std::vector<uint64_t> values(1 + rng() % 80);
    const int width = static_cast<int>(rng() % 40);
    for (auto& z : values) {
      z = width == 0 ? 0 : rng() >> (64 - width);
      if (rng() % 6 == 0) z <<= rng() % 20;  // an outlier
    }
    check(values);
  }
}

}  // namespace
}  // namespace civitas::store
