#pragma once

// Stages the history writes of one mutation (docs/formats/temporal-store.md). Internal to
// store/.

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "civitas/store/store.h"
#include "src/store/committed_cache.h"
#include "src/store/retention.h"

namespace civitas::store {

// Collects the instances and deletions of one Mutate call and adds them to its WriteBatch.
// The caller holds the locks of every id written, so no other writer changes these series
// between Stage's reads and the batch's commit. Not thread-safe.
//
// Each series keeps its samples of its newest hour as one "pending" key per sample and every
// older hour as one chunk. Invariant: every pending sample of a series lies in one UTC hour,
// later than the hour of any of its chunks; so a read concatenates chunks and pending keys.
// A write whose newest hour is past the pending hour folds the pending samples (and any late
// samples) into their hours' chunks, re-encoding each touched chunk once.
class TemporalWriter {
 public:
  // A series' pending hour is folded into its chunk once it holds this many samples (or a
  // quarter of the chunk, when more).
  static constexpr uint64_t kPendingFoldMin = 64;

  // `retention` learns the types of every entity whose history this writes; `cache` what was
  // committed (updated by Committed).
  TemporalWriter(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* temporal, Tenant tenant,
                 RetentionIndex& retention, TemporalWriteCache& cache)
      : db_(db), cf_(temporal), tenant_(tenant), retention_(retention), cache_(cache) {}

  void Add(std::string_view id, std::vector<std::string> types,
           std::vector<TemporalInstance> instances);
  void Delete(std::string_view id, std::string_view attr, const std::string* dataset_id);
  void RemoveInstance(std::string_view id, std::string_view attr, std::string_view dataset_id,
                      int64_t timestamp_us);
  bool empty() const { return series_.empty() && deletes_.empty() && types_.empty(); }

  // Adds the deletions, then the instances, to `batch`. kInternal on a corrupt chunk,
  // kIoError on storage failure.
  Status Stage(rocksdb::WriteBatch& batch);
  // Call once the staged batch is committed (still under the ids' locks).
  void Committed();

  struct Value {
    SampleKind kind = SampleKind::kNumber;
    double number = 0;
    std::string text;
  };

 private:
  struct SeriesWrites {
    model::AttributeKind kind = model::AttributeKind::kProperty;
    std::string unit_code;
    std::map<int64_t, Value> samples;  // by timestamp; a later Add replaces
    std::set<int64_t> removed;         // timestamps to remove, unless in `samples`
  };
  Status StageSeries(const std::string& prefix, TimeProperty timeline, const SeriesWrites& writes,
                     rocksdb::WriteBatch& batch);
  bool Deleted(std::string_view key) const;
  // Puts `value` under `key` unless that is what the key already holds; true when it put.
  bool PutIfChanged(rocksdb::WriteBatch& batch, std::string key, std::string value);

  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle* cf_;
  Tenant tenant_;
  RetentionIndex& retention_;
  TemporalWriteCache& cache_;
  // What the staged batch leaves under its keys, for the cache on Committed.
  std::vector<std::pair<std::string, PendingState>> pending_after_;
  std::map<std::string, std::string> values_after_;
  std::map<std::pair<std::string, TimeProperty>, SeriesWrites> series_;  // by series prefix
  std::map<std::string, std::vector<std::string>> types_;                // by entity id
  std::vector<std::pair<std::string, std::string>> deletes_;             // [begin, end) key ranges
};

// Read options bounded to the pending keys of the series with this prefix. Not copyable (the
// options point into the object).
struct PendingRange {
  PendingRange(const std::string& prefix, char pending_tag);
  PendingRange(const PendingRange&) = delete;
  PendingRange& operator=(const PendingRange&) = delete;
  std::string begin, end;
  rocksdb::Slice lower, upper;
  rocksdb::ReadOptions options;
};
// The UTC hour of the series' pending samples (all lie in one hour), or nullopt when there are
// none. `it` must be an iterator made with range.options. kIoError on storage failure.
Result<std::optional<int64_t>> PendingHour(rocksdb::Iterator& it, const PendingRange& range);

// Pending-sample values: u8 kind, then the f64 (little-endian bits) or the text bytes.
std::string EncodePendingValue(const TemporalWriter::Value& value);
// False when the bytes are not a pending value.
bool DecodePendingValue(std::string_view bytes, Sample& sample);

std::unique_ptr<TemporalReader> MakeTemporalReader(rocksdb::DB& db,
                                                   rocksdb::ColumnFamilyHandle* temporal,
                                                   Tenant tenant);

}  // namespace civitas::store
