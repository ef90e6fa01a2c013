// NGSI-LD temporal aggregation over encoded time-series chunks.
#include <bit>
#include <cmath>
#include <limits>

#include "civitas/store/time_series_chunk.h"
#include "src/store/absl_view.h"

namespace civitas::store {
namespace {

// Distinct numbers compare by value, so -0.0 counts as 0.0 and every NaN as one value.
uint64_t DistinctKey(double v) {
  if (v == 0) return 0;
  if (std::isnan(v)) return 0x7ff8000000000000ULL;
  return std::bit_cast<uint64_t>(v);
}

void AddNumber(AggregateBucket& b, double v, bool track_distinct) {
  ++b.count;
  ++b.number_count;
  b.sum += v;
  b.sumsq += v * v;
  // Comparisons are false for NaN, so NaN never becomes min or max.
  if (v < b.min) b.min = v;
  if (v > b.max) b.max = v;
  if (track_distinct) b.distinct_numbers.insert(DistinctKey(v));
}

void AddText(AggregateBucket& b, std::string_view text, bool track_distinct) {
  ++b.count;
  // Debian's abseil has its own string_view type; the heterogeneous lookup needs it.
  if (track_distinct && !b.distinct_texts.contains(AbslView(text))) {
    b.distinct_texts.emplace(text);
  }
}

}  // namespace

double AggregateBucket::avg() const {
  if (number_count == 0) return std::numeric_limits<double>::quiet_NaN();
  return sum / static_cast<double>(number_count);
}

double AggregateBucket::stddev() const {
  if (number_count == 0) return std::numeric_limits<double>::quiet_NaN();
  const double n = static_cast<double>(number_count);
  const double mean = sum / n;
  const double variance = sumsq / n - mean * mean;
  // Rounding can push a zero variance slightly negative; NaN (from NaN samples) passes through.
  return std::sqrt(variance < 0 ? 0 : variance);
}

AggregateBucket& AggregateBuckets::BucketAt(int64_t start_us) {
  auto [it, inserted] = buckets_.try_emplace(start_us);
  it->second.start_us = start_us;
  return it->second;
}

int64_t SampleAggregator::BucketStart(int64_t timestamp_us) const {
  const uint64_t offset = static_cast<uint64_t>(timestamp_us) - origin_;
  return static_cast<int64_t>(origin_ + offset / period_ * period_);
}

void SampleAggregator::Add(const Sample& sample) {
  const int64_t ts = sample.timestamp_us;
  if (bucket_ == nullptr ||
      static_cast<uint64_t>(ts) - static_cast<uint64_t>(bucket_->start_us) >= period_) {
    bucket_ = &buckets_.BucketAt(BucketStart(ts));
  }
  if (sample.kind == SampleKind::kNumber) {
    AddNumber(*bucket_, sample.number, buckets_.track_distinct());
  } else {
    AddText(*bucket_, sample.text, buckets_.track_distinct());
  }
}

Result<ChunkSummary> AggregateChunk(std::string_view chunk, int64_t period_start_us,
                                    int64_t period_len_us, int64_t from_us, int64_t to_us,
                                    AggregateBuckets& buckets) {
  if (period_len_us <= 0) return InvalidRequest("aggregation period must be positive");
  if (period_start_us > from_us) {
    return InvalidRequest("aggregation periods must start at or before the query range");
  }
  // The header first: most chunks of a long query are skipped or summed from it alone.
  CIVITAS_ASSIGN_OR_RETURN(const ChunkSummary summary, ReadTimeSeriesChunkSummary(chunk));
  if (from_us >= to_us || summary.sample_count == 0 || summary.last_timestamp_us < from_us ||
      summary.first_timestamp_us >= to_us) {
    return summary;
  }
  SampleAggregator aggregator(period_start_us, period_len_us, buckets);
  const bool whole_chunk =
      summary.rolled_up ? summary.first_timestamp_us >= from_us
                        : !buckets.track_distinct() && summary.first_timestamp_us >= from_us &&
                              summary.last_timestamp_us < to_us &&
                              aggregator.BucketStart(summary.first_timestamp_us) ==
                                  aggregator.BucketStart(summary.last_timestamp_us);
  if (whole_chunk) {
    AggregateBucket& b = buckets.BucketAt(aggregator.BucketStart(summary.first_timestamp_us));
    b.count += summary.sample_count;
    if (summary.number_count > 0) {
      b.number_count += summary.number_count;
      b.sum += summary.sum;
      b.sumsq += summary.sumsq;
      if (summary.min < b.min) b.min = summary.min;
      if (summary.max > b.max) b.max = summary.max;
    }
    return summary;
  }

  CIVITAS_ASSIGN_OR_RETURN(TimeSeriesChunkReader reader, TimeSeriesChunkReader::Open(chunk));
  Sample sample;
  while (reader.Next(sample)) {
    if (sample.timestamp_us < from_us) continue;
    // Samples are in order: nothing later can be in range. The rest of the chunk is not
    // checked for corruption, which is fine for a read that does not need it.
    if (sample.timestamp_us >= to_us) return summary;
    aggregator.Add(sample);
  }
  CIVITAS_RETURN_IF_ERROR(reader.status());
  return summary;
}

}  // namespace civitas::store
