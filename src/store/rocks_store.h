#pragma once

// The RocksDB implementation of Store. Internal to store/.

#include <rocksdb/db.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "civitas/store/store.h"
#include "name_dictionary.h"
#include "src/store/committed_cache.h"
#include "src/store/retention.h"
#include "src/store/series_heads.h"

namespace civitas::store {

Status FromRocks(const rocksdb::Status& s, std::string_view what);

class RocksStore final : public Store {
 public:
  ~RocksStore() override;
  static Result<std::unique_ptr<Store>> OpenRocks(const StoreOptions& options);

  Status Mutate(Tenant tenant, std::span<const std::string> ids,
                const std::function<Status(Mutation&)>& body) override;
  void WhenDurable(std::function<void(Status)> done) override;
  Status SyncDurable() override;

  std::unique_ptr<ReadView> Read(Tenant tenant) const override;
  std::unique_ptr<TemporalReader> ReadTemporal(Tenant tenant) const override;
  bool TenantExists(Tenant tenant) const override;
  std::vector<std::string> Tenants() const override;

  std::vector<NameCount> Types(Tenant tenant) const override;
  std::vector<NameCount> TypeAttributes(Tenant tenant, std::string_view type) const override;
  std::vector<NameCount> Attributes(Tenant tenant) const override;
  std::vector<NameCount> AttributeTypes(Tenant tenant, std::string_view attr) const override;
  std::vector<NameCount> AttributeKinds(Tenant tenant, std::string_view attr) const override;

  void SetChangeListener(ChangeListener* listener) override {
    listener_.store(listener, std::memory_order_release);
  }
  Status PutMeta(std::string_view key, std::string_view value) override;
  Status PutMetas(std::span<const std::pair<std::string, std::string>> entries) override;
  Status DeleteMeta(std::string_view key) override;
  std::vector<std::pair<std::string, std::string>> ScanMeta(std::string_view prefix) const override;

  Status Compact() override;
  StoreStats Stats() const override;

  // Runs `hook` in every Mutate between its batch's write and the heads' update (the window in
  // which the head log holds a record the heads do not show yet). Set before any write.
  void SetAfterBatchWriteForTesting(std::function<void()> hook) {
    after_batch_write_for_testing_ = std::move(hook);
  }

 private:
  RocksStore() = default;
  void SyncLoop();
  // Counters under `prefix`; the rest of each key names the counted thing: a name id, or (for
  // attribute kinds) the kind's name.
  std::vector<NameCount> Counters(std::string_view prefix, bool suffix_is_name_id) const;
  // Refuses a data dir of another format, or upgrades it in place where it can (formats 5-7).
  Status CheckFormatVersion(const Clock& clock);
  // Rewrites the temporal catalogs of a store format 5 or 6 data dir (`format`) as format 7's
  // (and so 8's).
  Status UpgradeCatalogs(int format, const Clock& clock);
  Status LoadRetentionIndex();
  Status ReplayHeadLog();
  void HeadsLoop();

 public:
  // Head-log upkeep, once a second on the store's thread (public for tests): folds the heads
  // that have held samples since before `now` - kHeadHoldLimit (a series that stops reporting)
  // or since before the newest head_log_budget_ bytes of log (a bulk load's long heads), so the log
  // stays small, then deletes the records no head needs.
  Status MaintainHeadLog(SeriesHeads::Clock::time_point now);

 private:
  // Call with upkeep_mu_ held.
  Status FoldHeadsAndTruncate(const std::vector<std::string>& head_keys);
  // Deletes the fold marks below the truncated log (they hide records that are gone). Call
  // with upkeep_mu_ held.
  Status DropSpentFoldMarks();
  // Read by the compaction filter, so it outlives db_ (declared before it).
  std::unique_ptr<RetentionIndex> retention_;
  TemporalWriteCache history_cache_;
  // Entity keys → the entity last committed there (null: none), filled by writes and reads: a
  // write or read of an entity met recently neither reads nor decodes it
  // (StoreOptions::entity_cache_entries).
  std::unique_ptr<EntityCache> entity_cache_;
  SeriesHeads heads_;
  // Bounds the head log: a head holding samples this long is folded (a regular 60-second series
  // folds on its own when an hour closes, half an hour after its end).
  static constexpr auto kHeadHoldLimit = std::chrono::minutes(90);
  HeadLogSequence log_sequence_;
  std::function<void()> after_batch_write_for_testing_;
  uint64_t head_log_budget_ = 0;        // StoreOptions::head_log_budget_bytes
  std::atomic<uint64_t> log_bytes_{0};  // head-log bytes written since open
  std::mutex upkeep_mu_;
  uint64_t log_deleted_below_ = 1;                       // guarded by upkeep_mu_
  std::deque<std::pair<uint64_t, uint64_t>> log_marks_;  // guarded by upkeep_mu_: seq, bytes
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // owned; destroyed before db_
  rocksdb::ColumnFamilyHandle* entities_ = nullptr;
  rocksdb::ColumnFamilyHandle* index_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  NameDictionary names_;
  rocksdb::ColumnFamilyHandle* temporal_ = nullptr;
  rocksdb::ColumnFamilyHandle* head_log_ = nullptr;

  // Entity write locks, striped by hash of (tenant, id).
  static constexpr size_t kStripes = 4096;
  std::array<std::mutex, kStripes> stripes_;

  mutable std::mutex tenants_mu_;
  std::set<std::string, std::less<>> tenants_;  // guarded by tenants_mu_

  // Group commit: callers queue callbacks; one thread fsyncs the WAL for all of them.
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::deque<std::function<void(Status)>> sync_waiters_;  // guarded by sync_mu_
  bool stopping_ = false;                                 // guarded by sync_mu_
  std::thread sync_thread_;

  std::mutex heads_mu_;
  std::condition_variable heads_cv_;
  bool heads_stopping_ = false;  // guarded by heads_mu_
  std::thread heads_thread_;

  // Acquire/release: a listener set at start-up is seen fully built by every writer.
  std::atomic<ChangeListener*> listener_{nullptr};
};

}  // namespace civitas::store
