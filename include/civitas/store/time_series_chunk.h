#pragma once

// The encoded chunk of a temporal-history series: a run of (timestamp, value) samples of one
// (tenant, entity, attribute, datasetId) series, compressed for storage and aggregated without
// decoding each value into JSON. Byte layout: docs/formats/time-series-chunk.md.
//
// Pure code: no I/O, no clock, no allocation per numeric sample when reading. Every type here is
// a value type with no shared state; distinct objects may be used from distinct threads.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "civitas/core/result.h"
#include "civitas/core/status.h"

namespace civitas::store {

// What a sample holds. Text carries strings and serialized JSON values alike.
enum class SampleKind : uint8_t { kNumber = 0, kText = 1 };

// A sample's modifiedAt when it has none (a chunk keeps a modifiedAt column only when every
// sample has one). No parsed or clock time is this far back.
inline constexpr int64_t kNoModifiedAt = std::numeric_limits<int64_t>::min();

// One decoded sample. `text` points into the chunk bytes the reader was opened on.
struct Sample {
  int64_t timestamp_us = 0;  // microseconds since the Unix epoch, UTC
  // When the instance was last written (µs, UTC), or kNoModifiedAt.
  int64_t modified_at_us = kNoModifiedAt;
  SampleKind kind = SampleKind::kNumber;
  double number = 0;      // meaningful when kind == kNumber; bit-exact (NaN payloads, -0.0)
  std::string_view text;  // meaningful when kind == kText
};

// Stored in the chunk header, so whole-chunk aggregates need no decoding.
struct ChunkSummary {
  uint64_t sample_count = 0;
  int64_t first_timestamp_us = 0;  // of the first sample; 0 when sample_count == 0
  int64_t last_timestamp_us = 0;   // of the last sample; 0 when sample_count == 0
  uint64_t number_count = 0;       // numeric samples; the rest are text
  // Over the numeric samples, summed in sample order. NaN propagates into sum and sumsq and is
  // ignored by min and max; with no numeric sample (or only NaN) min = +inf and max = -inf.
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double sum = 0;
  double sumsq = 0;
  // Retention dropped the samples and kept this summary (RollUpTimeSeriesChunk): the chunk
  // decodes to no sample and aggregates from its header alone.
  bool rolled_up = false;
};

// Accumulates samples in timestamp order and encodes them as one chunk. Not thread-safe.
// Memory: the samples are buffered (16 bytes per number, the text bytes per text) until Finish.
class TimeSeriesChunkBuilder {
 public:
  // Append one sample. Timestamps must be non-decreasing; equal timestamps are kept as distinct
  // samples (deduplication is the caller's job). kInvalidRequest, and the builder unchanged,
  // if `timestamp_us` is before the previous sample's. The chunk keeps the samples'
  // `modified_at_us` only if none is kNoModifiedAt.
  Status Append(int64_t timestamp_us, double value, int64_t modified_at_us = kNoModifiedAt);
  Status Append(int64_t timestamp_us, std::string_view text,
                int64_t modified_at_us = kNoModifiedAt);
  Status Append(const Sample& sample);

  std::size_t sample_count() const { return timestamps_.size(); }
  bool empty() const { return timestamps_.empty(); }
  // Bytes buffered so far (not the encoded size); lets a caller cut chunks by memory.
  std::size_t buffered_bytes() const;

  // Encodes the buffered samples (possibly none) and resets the builder to empty.
  std::string Finish();
  void Reset();

 private:
  Status AppendTime(int64_t timestamp_us, int64_t modified_at_us);

  std::vector<int64_t> timestamps_;
  std::vector<int64_t> modified_;  // while every sample has a modifiedAt
  bool all_modified_ = true;
  std::vector<SampleKind> kinds_;
  std::vector<double> numbers_;
  std::string text_arena_;
  std::vector<uint64_t> text_ends_;  // end offset in text_arena_ of each text sample
};

// Decodes a chunk sample by sample, in timestamp order. Holds views into `bytes`, which must
// outlive it. Not thread-safe; cheap to move. Heap use: one vector for the text dictionary,
// allocated by Open; none per sample.
class TimeSeriesChunkReader {
 public:
  // Checks the header and section bounds; kInternal ("corrupt time-series chunk: ...") when the
  // bytes are not a chunk written by TimeSeriesChunkBuilder. The sample streams are checked as
  // they are read: see Next.
  static Result<TimeSeriesChunkReader> Open(std::string_view bytes);

  const ChunkSummary& summary() const { return summary_; }

  // Decodes the next sample into `sample` and returns true; false at the end or on corruption,
  // after which status() says which. After the last sample, the reader has also checked that the
  // streams end where the header says and that the decoded aggregates agree in count.
  bool Next(Sample& sample);
  const Status& status() const { return status_; }

  TimeSeriesChunkReader(TimeSeriesChunkReader&&) noexcept;
  TimeSeriesChunkReader& operator=(TimeSeriesChunkReader&&) noexcept;
  ~TimeSeriesChunkReader();

 private:
  struct State;
  TimeSeriesChunkReader();
  bool Fail(std::string message);
  bool Finish();

  ChunkSummary summary_;
  Status status_;
  std::vector<std::string_view> dictionary_;
  // The decoder state lives behind a pointer so this header does not expose the bit readers.
  std::unique_ptr<State> state_;
};

// The header summary alone, checked as by TimeSeriesChunkReader::Open but without touching the
// sample streams: tens of nanoseconds. kInternal when the header is corrupt.
Result<ChunkSummary> ReadTimeSeriesChunkSummary(std::string_view bytes);

// The chunk reduced to its header summary (flag "rolled up", no sample streams): what retention
// keeps of an hour once its raw samples expire. Idempotent. kInternal when the chunk is corrupt.
Result<std::string> RollUpTimeSeriesChunk(std::string_view chunk);

// Decodes every sample of `bytes` into one vector (allocates; text samples are views into
// `bytes`): for readers that need a chunk whole or backwards, e.g. a fold or a newest-first read.
Result<std::vector<Sample>> DecodeTimeSeriesChunk(std::string_view bytes);

// The per-bucket state of the NGSI-LD temporal aggregation methods. Derived values follow the
// definitions in docs/formats/time-series-chunk.md (stddev is the population form).
struct AggregateBucket {
  int64_t start_us = 0;       // the bucket covers [start_us, start_us + period_len_us)
  uint64_t count = 0;         // totalCount: every sample, numeric or text
  uint64_t number_count = 0;  // the samples sum/avg/min/max/stddev/sumsq range over
  double sum = 0;
  double sumsq = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  // Filled only when the AggregateBuckets tracks distinct values. Numbers by bit pattern with
  // -0.0 folded into 0.0 and every NaN into one.
  absl::flat_hash_set<uint64_t> distinct_numbers;
  absl::flat_hash_set<std::string> distinct_texts;

  uint64_t distinct_count() const { return distinct_numbers.size() + distinct_texts.size(); }
  // NaN when number_count == 0.
  double avg() const;
  // Population standard deviation sqrt(sumsq/n - avg^2), clamped at 0; NaN when n == 0.
  double stddev() const;
};

// The buckets one aggregation query fills, keyed by start_us. Not thread-safe.
class AggregateBuckets {
 public:
  // `track_distinct` makes every sample pay a hash-set insert (distinctCount); without it, a
  // chunk inside one bucket and the query range is aggregated from its header alone.
  explicit AggregateBuckets(bool track_distinct = false) : track_distinct_(track_distinct) {}

  bool track_distinct() const { return track_distinct_; }
  const std::map<int64_t, AggregateBucket>& buckets() const { return buckets_; }

  // The bucket starting at `start_us`, created empty if absent. The address is stable until
  // this object is destroyed.
  AggregateBucket& BucketAt(int64_t start_us);

 private:
  bool track_distinct_;
  std::map<int64_t, AggregateBucket> buckets_;
};

// Adds samples one at a time to the bucket containing each: what AggregateChunk does with a
// chunk's samples, for samples held outside any chunk (a series' head). The caller keeps them in
// the query range. Preconditions: period_len_us > 0; every sample's timestamp >= period_start_us;
// samples in time order (any order works, at the cost of a bucket lookup per change of bucket).
// Holds `buckets` by reference; not thread-safe.
class SampleAggregator {
 public:
  SampleAggregator(int64_t period_start_us, int64_t period_len_us, AggregateBuckets& buckets)
      : origin_(static_cast<uint64_t>(period_start_us)),
        period_(static_cast<uint64_t>(period_len_us)),
        buckets_(buckets) {}

  void Add(const Sample& sample);
  // The start of the bucket holding `timestamp_us`.
  int64_t BucketStart(int64_t timestamp_us) const;

 private:
  // Unsigned: timestamp >= origin, so the offset fits in 64 bits and nothing overflows.
  const uint64_t origin_;
  const uint64_t period_;
  AggregateBuckets& buckets_;
  AggregateBucket* bucket_ = nullptr;  // the last sample's
};

// Adds the samples of `chunk` with from_us <= timestamp < to_us to `buckets`: a sample belongs to
// the bucket starting at period_start_us + k * period_len_us for the k >= 0 that contains it.
// A rolled-up chunk counts whole, in the bucket of its first timestamp, when that timestamp is
// in range (its samples are gone, so it cannot be split), and adds nothing to distinctCount.
// A query without aggrPeriodDuration passes period_len_us = to_us - period_start_us.
// Preconditions, else kInvalidRequest: period_len_us > 0 and period_start_us <= from_us.
// Returns the chunk's header summary (callers that track coverage need its last timestamp).
// kInternal on a corrupt chunk, after which `buckets` may hold part of the chunk.
Result<ChunkSummary> AggregateChunk(std::string_view chunk, int64_t period_start_us,
                                    int64_t period_len_us, int64_t from_us, int64_t to_us,
                                    AggregateBuckets& buckets);

}  // namespace civitas::store
