// Fuzzes the time-series chunk decoder with arbitrary bytes. It must answer with a Status, never
// crash or read out of bounds; a chunk it accepts must re-encode to the same samples (bit-exact
// numbers, the same modifiedAt) and aggregate without error, and its rollup must keep its
// summary.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/check.h"
#include "civitas/store/time_series_chunk.h"

using civitas::Result;
using civitas::store::AggregateBuckets;
using civitas::store::AggregateChunk;
using civitas::store::ChunkSummary;
using civitas::store::DecodeTimeSeriesChunk;
using civitas::store::ReadTimeSeriesChunkSummary;
using civitas::store::RollUpTimeSeriesChunk;
using civitas::store::Sample;
using civitas::store::SampleKind;
using civitas::store::TimeSeriesChunkBuilder;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Result<std::vector<Sample>> decoded = DecodeTimeSeriesChunk(bytes);

  // Aggregation reads the same bytes through its own paths (header summary, early exit).
  for (bool distinct : {false, true}) {
    AggregateBuckets buckets(distinct);
    constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    (void)AggregateChunk(bytes, kMin, 3'600'000'000, kMin, kMax, buckets);
    (void)AggregateChunk(bytes, kMin, kMax, 0, kMax, buckets);
  }
  if (!decoded.ok()) return 0;

  Result<std::string> rolled = RollUpTimeSeriesChunk(bytes);
  CIVITAS_CHECK(rolled.ok());
  Result<ChunkSummary> before = ReadTimeSeriesChunkSummary(bytes);
  Result<ChunkSummary> after = ReadTimeSeriesChunkSummary(*rolled);
  CIVITAS_CHECK(before.ok() && after.ok());
  CIVITAS_CHECK(after->sample_count == before->sample_count &&
                after->number_count == before->number_count &&
                after->first_timestamp_us == before->first_timestamp_us &&
                after->last_timestamp_us == before->last_timestamp_us &&
                std::bit_cast<uint64_t>(after->sum) == std::bit_cast<uint64_t>(before->sum) &&
                std::bit_cast<uint64_t>(after->sumsq) == std::bit_cast<uint64_t>(before->sumsq) &&
                std::bit_cast<uint64_t>(after->min) == std::bit_cast<uint64_t>(before->min) &&
                std::bit_cast<uint64_t>(after->max) == std::bit_cast<uint64_t>(before->max));
  CIVITAS_CHECK(after->rolled_up == (before->sample_count > 0));
  CIVITAS_CHECK(*RollUpTimeSeriesChunk(*rolled) == *rolled);

  TimeSeriesChunkBuilder builder;
  for (const Sample& s : *decoded) CIVITAS_CHECK(builder.Append(s).ok());
  const std::string again = builder.Finish();
  Result<std::vector<Sample>> redecoded = DecodeTimeSeriesChunk(again);
  CIVITAS_CHECK(redecoded.ok());
  CIVITAS_CHECK(redecoded->size() == decoded->size());
  for (std::size_t i = 0; i < decoded->size(); ++i) {
    const Sample& a = (*decoded)[i];
    const Sample& b = (*redecoded)[i];
    CIVITAS_CHECK(a.timestamp_us == b.timestamp_us && a.modified_at_us == b.modified_at_us &&
                  a.kind == b.kind);
    if (a.kind == SampleKind::kNumber) {
      CIVITAS_CHECK(std::bit_cast<uint64_t>(a.number) == std::bit_cast<uint64_t>(b.number));
    } else {
      CIVITAS_CHECK(a.text == b.text);
    }
  }
  return 0;
}
