#pragma once

// Stages the history writes of one mutation (docs/formats/temporal-store.md). Internal to
// store/.

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "civitas/store/store.h"
#include "src/store/committed_cache.h"
#include "src/store/retention.h"
#include "src/store/series_heads.h"

namespace civitas::store {

// Collects the instances and deletions of one Mutate call and adds them to its WriteBatch.
// The caller holds the locks of every id written, so no other writer changes these series
// between Stage's reads and the batch's commit. Not thread-safe.
//
// Each series keeps its samples of its open hours in its head (series_heads.h; the samples a
// mutation appends to heads go to the head log in one record) and every other hour as one
// chunk. The open hours are those from the hour of (newest sample − kLateGraceUs) on: the
// newest, and the one before for the first half hour of an hour, so that the samples that
// arrive late over an hour's end (a gateway's buffer, concurrent clients) still join the head
// instead of rewriting a chunk. Invariant: every head sample of a series lies in an open hour
// and is later than every sample of its chunks; so a read concatenates chunks and the head. A write
// that closes an hour folds the head's samples of that hour (and any late samples) into their
// hours' chunks, re-encoding each touched chunk once, and marks the series folded at its log
// sequence number, so that replaying the log at open skips what the chunks hold; the head's
// samples that stay are logged again in the write's record.
class TemporalWriter {
 public:
  // How long after an hour's end (in sample time: the series' newest sample) it stays open.
  static constexpr int64_t kLateGraceUs = int64_t{30} * 60 * 1'000'000;
  // A series' head is folded into its chunks once it holds this many samples of its newest
  // hour (or as many as that hour's chunk, when more). A 60 s sensor never gets there.
  static constexpr uint64_t kHeadFoldMin = 64;

  // `retention` learns the types of every entity whose history this writes; `cache` what was
  // committed (updated by Committed).
  // `heads` and `head_log` hold the series' heads (updated by Committed).
  TemporalWriter(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* temporal,
                 rocksdb::ColumnFamilyHandle* head_log, Tenant tenant, RetentionIndex& retention,
                 TemporalWriteCache& cache, SeriesHeads& heads)
      : db_(db),
        cf_(temporal),
        log_cf_(head_log),
        tenant_(tenant),
        retention_(retention),
        cache_(cache),
        heads_(heads) {}

  void Add(std::string_view id, std::vector<std::string> types,
           std::vector<TemporalInstance> instances);
  // What a write from `before` (null: the entity did not exist) to `after` adds to the history:
  // each instance of `after` that is new or whose value or observedAt changed (as
  // TemporalInstanceOf records it), with `after`'s types; nothing when no instance changed.
  void AddChanges(std::string_view id, const model::Entity* before, const model::Entity& after);
  void Delete(std::string_view id, std::string_view attr, const std::string* dataset_id);
  void RemoveInstance(std::string_view id, std::string_view attr, std::string_view dataset_id,
                      int64_t timestamp_us);
  // Folds the head of a series into its chunk, so that it no longer holds head-log records (the
  // store does it to heads that stayed open too long).
  void FoldHead(std::string_view head_key);
  bool empty() const { return entities_.empty() && deletes_.empty(); }

  // Adds the deletions, then the instances, to `batch`; `seq` is the mutation's head-log
  // sequence number. kInternal on a corrupt chunk, kIoError on storage failure.
  Status Stage(rocksdb::WriteBatch& batch, uint64_t seq);
  // Call once the staged batch is committed (still under the ids' locks).
  void Committed();
  // The size of the head-log record Stage wrote (0: none).
  size_t head_log_bytes() const { return head_log_bytes_; }

 private:
  // What the mutation writes to one series: the series as this write leaves its catalog entry
  // (kind, unitCode; its modified_lags stay empty: StageCatalog notes `lags` into the
  // catalog's), and the samples.
  struct SeriesWrites : TemporalSeries {
    // In Add order until SortSamples; then by time, and of equal times the last added.
    std::vector<std::pair<int64_t, SampleValue>> samples;
    // (write hour, lag hours) of the samples with a modifiedAt, for the catalog's lags: one or
    // two distinct pairs in most writes (a batch shares its write time).
    std::vector<std::pair<int64_t, int64_t>> lags;
    bool in_order = true;       // each sample later than the one before
    std::set<int64_t> removed;  // timestamps to remove, unless in `samples`
    bool fold_head = false;

    void Put(int64_t t, SampleValue value);
    // Sorted once, not kept sorted per Put: a history import may list a series newest first.
    void SortSamples();
    void DropModifiedAt();         // the entity's retention rule keeps none
    bool Writes(int64_t t) const;  // after SortSamples
  };
  // What the mutation writes to one entity's history.
  struct EntityWrites {
    std::optional<std::vector<std::string>> types;  // the entity's new types, when given
    std::vector<SeriesWrites> series;               // a handful per entity: found by scanning

    SeriesWrites& Series(std::string_view attr, std::string_view dataset_id);
  };
  EntityWrites& WritesOf(std::string_view id);  // added when the mutation has none for it yet
  Status StageSeries(std::string series_prefix, const SeriesWrites& writes,
                     rocksdb::WriteBatch& batch);
  bool Deleted(std::string_view key) const;
  // An entity's catalog (temporal_keys.h) as committed; none when the batch deletes it.
  struct Catalog {
    std::shared_ptr<const TemporalEntity> entity;  // null: no catalog
    bool cached = true;                            // false: read from the database
  };
  Result<Catalog> CommittedCatalog(const std::string& key, bool history_deleted);
  // Drops the modifiedAt of the entity's samples when its retention rule keeps none, then puts
  // the catalog of an entity whose series, types or deletions the batch holds, when it changed.
  Status StageCatalog(std::string_view id, EntityWrites& writes, rocksdb::WriteBatch& batch);

  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle* cf_;
  rocksdb::ColumnFamilyHandle* log_cf_;
  Tenant tenant_;
  RetentionIndex& retention_;
  TemporalWriteCache& cache_;
  SeriesHeads& heads_;
  uint64_t seq_ = 0;
  size_t head_log_bytes_ = 0;
  // What the staged batch leaves in the heads and under the catalog keys, for Committed.
  std::vector<HeadUpdate> head_updates_;
  std::map<std::string, std::shared_ptr<const TemporalEntity>> catalogs_after_;  // null: none
  // By entity id: a batch of a thousand entities makes one node per entity, not one per series
  // keyed by its whole prefix.
  std::map<std::string, EntityWrites, std::less<>> entities_;
  std::vector<std::pair<std::string, std::string>> deletes_;  // [begin, end) key ranges
};

// Reads chunks from `temporal` and heads from `heads`.
std::unique_ptr<TemporalReader> MakeTemporalReader(rocksdb::DB& db,
                                                   rocksdb::ColumnFamilyHandle* temporal,
                                                   const SeriesHeads& heads, Tenant tenant);

// The fold mark of a head (series_heads.h): 0 when absent. kIoError on storage failure,
// kInternal when corrupt.
Result<uint64_t> ReadFoldMark(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* head_log,
                              std::string_view head_key);
// The state of a series without a head in memory, read from its newest chunk.
Result<HeadState> LoadChunkState(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* temporal,
                                 std::string_view prefix);

}  // namespace civitas::store
