#pragma once

// The temporal history of attributes: every recorded instance of an attribute, kept per series
// (tenant, entity id, attribute IRI, datasetId) in the `temporal` column family, grouped in
// hour-aligned TimeSeriesChunk chunks (docs/formats/temporal-store.md).
//
// Writes go through Store::Mutate (Mutation::AddHistory / DeleteHistory), so history changes
// are in the same atomic, group-committed WriteBatch as the entity write they belong to, and
// are serialised with it by the entity's lock. Reads go through TemporalReader.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/model/entity.h"
#include "civitas/store/time_series_chunk.h"

namespace civitas::store {

// The time a read selects and orders samples by: the time a sample is kept at (observedAt,
// else modifiedAt), or its modifiedAt (when the instance was last written).
enum class TimeProperty : uint8_t { kObservedAt, kModifiedAt };

// One attribute instance at one instant. A series holds at most one instance per timestamp: a
// later write with the same timestamp replaces the earlier one.
struct TemporalInstance {
  std::string attr;        // expanded IRI
  std::string dataset_id;  // "" for the default instance
  model::AttributeKind kind = model::AttributeKind::kProperty;
  std::string unit_code;     // "" when absent; kept per series (the latest write's)
  int64_t timestamp_us = 0;  // observedAt, else modifiedAt; µs since the Unix epoch, UTC
  SampleKind value_kind = SampleKind::kNumber;
  double number = 0;  // when value_kind == kNumber
  std::string text;   // when value_kind == kText: the JSON text of the instance's value
  // When the instance was written (unless a retention rule turns modifiedAt off).
  std::optional<int64_t> modified_at_us;
};

// The instance of `attribute` as history records it: numbers as doubles, any other value as its
// JSON text, with modified_at_us set from modifiedAt. nullopt when the instance has neither
// observedAt nor modifiedAt.
std::optional<TemporalInstance> TemporalInstanceOf(const model::Attribute& attribute);

// Where a series' samples lie against their modifiedAt: for the samples written during each
// band of write hours, the least and greatest lag (hour of modifiedAt − hour of the time kept,
// in hours). A modifiedAt read visits only the hours the bands of its write hours allow, so a
// backfill of last year written last week does not widen the hours today's writes can lie in,
// nor is it read for the quiet hours between the backfill and today's writes. Bands never
// narrow; there are a few at most (the oldest merge).
class ModifiedLags {
 public:
  struct Band {
    int64_t from_hour = 0;  // its first write hour
    int64_t to_hour = 0;    // its last write hour (before the next band's first)
    int64_t least = 0;
    int64_t greatest = 0;
    bool operator==(const Band&) const = default;
  };
  static constexpr size_t kMaxBands = 8;

  bool empty() const { return bands_.empty(); }
  const std::vector<Band>& bands() const { return bands_; }
  int64_t last_write_hour() const {  // INT64_MIN when empty
    return bands_.empty() ? INT64_MIN : bands_.back().to_hour;
  }

  // Takes a sample written during `write_hour`, `lag` hours after its kept time's hour. A write
  // hour later than any before starts a band of its own when the last band is wide (more than
  // a couple of days between its least and greatest lag, or it would become so).
  void Note(int64_t write_hour, int64_t lag);
  // Whether Note(write_hour, lag) would leave these lags as they are.
  bool Covers(int64_t write_hour, int64_t lag) const;
  // The least and greatest lag of the samples written from `from_hour` to `to_hour`, both
  // included; nullopt when none can have been.
  std::optional<std::pair<int64_t, int64_t>> Between(int64_t from_hour, int64_t to_hour) const;

  // As a catalog stored them; false (and left empty) when they are not well-formed.
  bool Assign(std::vector<Band> bands);
  bool operator==(const ModifiedLags&) const = default;

 private:
  std::vector<Band> bands_;  // by from_hour, ascending, disjoint
};

// Identifies one series of an entity.
struct TemporalSeries {
  std::string attr;
  std::string dataset_id;
  model::AttributeKind kind = model::AttributeKind::kProperty;  // of the latest write
  std::string unit_code;                                        // of the latest write
  // Of every sample written with a modifiedAt, as the catalog keeps them.
  ModifiedLags modified_lags;
};

// What history holds about one entity.
struct TemporalEntity {
  std::string id;
  std::vector<std::string> types;      // as of the latest write, expanded
  std::vector<TemporalSeries> series;  // sorted by (attr, dataset_id)
};

// A read-only view of one tenant's history. Not thread-safe; one per request: its chunks are
// seen as of its first chunk read (renewed whenever a fold moved samples out of the heads), so
// writes committed later into past hours may be missed, never half-seen. Time ranges are
// half-open [from_us, to_us).
class TemporalReader {
 public:
  virtual ~TemporalReader() = default;

  // The entity's series, or nullopt when it has no history. kIoError on storage failure.
  virtual Result<std::optional<TemporalEntity>> Entity(std::string_view id) = 0;

  // Calls `visit` with each entity that has history (as Entity gives it), in ascending id
  // order, starting after `after` ("" = from the first), until it returns false. One pass over
  // the keys. kIoError on storage failure, kInternal on a corrupt key.
  using EntityVisitor = std::function<bool(TemporalEntity entity)>;
  virtual Status ScanEntities(std::string_view after, const EntityVisitor& visit) = 0;

  // Calls `visit` for each sample of the series whose `time_property` is in [from_us, to_us),
  // in ascending order of it, until it returns false. (Sample::timestamp_us is always the time
  // the sample is kept at; a modifiedAt read decodes the chunks of every hour the series'
  // catalog lags allow, as a write may come any time after its observation.) Text samples point
  // into buffers valid during the call only. kInternal on a corrupt chunk, kIoError on storage
  // failure.
  using SampleVisitor = std::function<bool(const Sample&)>;
  virtual Status Samples(std::string_view id, const TemporalSeries& series, int64_t from_us,
                         int64_t to_us, const SampleVisitor& visit,
                         TimeProperty time_property = TimeProperty::kObservedAt) = 0;

  // As Samples, newest first: reads only the hours it visits (lastN wants the newest few of a
  // long history).
  virtual Status SamplesNewestFirst(std::string_view id, const TemporalSeries& series,
                                    int64_t from_us, int64_t to_us, const SampleVisitor& visit,
                                    TimeProperty time_property = TimeProperty::kObservedAt) = 0;

  // Adds the samples of the series in [from_us, to_us) to `buckets`, as AggregateChunk does
  // (period_start_us <= from_us, period_len_us > 0), bucketed by `time_property`. Chunks inside
  // one bucket are aggregated from their header (observedAt reads). Errors as Samples, and
  // kInvalidRequest on bad periods.
  virtual Status Aggregate(std::string_view id, const TemporalSeries& series,
                           int64_t period_start_us, int64_t period_len_us, int64_t from_us,
                           int64_t to_us, AggregateBuckets& buckets,
                           TimeProperty time_property = TimeProperty::kObservedAt) = 0;
};

}  // namespace civitas::store
