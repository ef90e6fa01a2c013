#include "rocks_store.h"

#include <absl/container/flat_hash_set.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <future>
#include <map>

#include "civitas/core/log.h"
#include "civitas/model/entity_codec.h"
#include "entity_index.h"
#include "keys.h"
#include "read_view.h"
#include "src/store/temporal_keys.h"
#include "src/store/temporal_writer.h"

namespace civitas::store {
namespace {

// The key layout's version (docs/formats/store.md), in the `meta` key `V`.
constexpr std::string_view kStoreFormat = "8";

// Discovery counters are int64 deltas merged by addition, so concurrent writers never
// read-modify-write a counter.
class CounterAddOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    int64_t sum = Decode(value);
    if (existing != nullptr) sum += Decode(*existing);
    new_value->assign(reinterpret_cast<const char*>(&sum), sizeof sum);
    return true;
  }
  const char* Name() const override { return "civitas.CounterAdd"; }

  static int64_t Decode(const rocksdb::Slice& s) {
    int64_t v = 0;
    if (s.size() == sizeof v) std::memcpy(&v, s.data(), sizeof v);
    return v;
  }
};

std::string EncodeDelta(int64_t delta) {
  return std::string(reinterpret_cast<const char*>(&delta), sizeof delta);
}

size_t StripeOf(Tenant tenant, std::string_view id, size_t stripes) {
  size_t h = std::hash<std::string_view>{}(id) ^ (std::hash<std::string_view>{}(tenant)*31);
  return h % stripes;
}

// Applies the difference between two sorted key sets: removes a's extras, adds b's.
template <typename OnRemoved, typename OnAdded>
void Diff(const std::vector<std::string>& a, const std::vector<std::string>& b, OnRemoved removed,
          OnAdded added) {
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i] < b[j])) {
      removed(a[i++]);
    } else if (i == a.size() || b[j] < a[i]) {
      added(b[j++]);
    } else {
      ++i;
      ++j;
    }
  }
}

// RocksDB's info log goes to the server's log (spdlog) instead of LOG files in the data dir:
// one log for operators, and a data dir that holds data (its LOG files were 1.2 MB of the peer
// kit's 8 MB). RocksDB's INFO (flushes, compactions, the options at every open) is debug
// here, its DEBUG trace; the level is spdlog's as the store opens, so nothing below it is even
// formatted.
class ServerLogger final : public rocksdb::Logger {
 public:
  ServerLogger() : rocksdb::Logger(Threshold(spdlog::get_level())) {}

  using rocksdb::Logger::Logv;
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char text[1024];
    const int size = std::vsnprintf(text, sizeof text, format, ap);
    if (size < 0) return;
    spdlog::log(LevelOf(level), "rocksdb: {}",
                std::string_view(text, std::min<size_t>(size, sizeof text - 1)));
  }

 private:
  static spdlog::level::level_enum LevelOf(rocksdb::InfoLogLevel level) {
    switch (level) {
      case rocksdb::InfoLogLevel::DEBUG_LEVEL:
        return spdlog::level::trace;
      case rocksdb::InfoLogLevel::WARN_LEVEL:
        return spdlog::level::warn;
      case rocksdb::InfoLogLevel::ERROR_LEVEL:
        return spdlog::level::err;
      case rocksdb::InfoLogLevel::FATAL_LEVEL:
        return spdlog::level::critical;
      default:  // INFO, HEADER
        return spdlog::level::debug;
    }
  }
  // The least RocksDB level that spdlog at `level` shows.
  static rocksdb::InfoLogLevel Threshold(spdlog::level::level_enum level) {
    if (level <= spdlog::level::trace) return rocksdb::InfoLogLevel::DEBUG_LEVEL;
    if (level <= spdlog::level::debug) return rocksdb::InfoLogLevel::INFO_LEVEL;
    if (level <= spdlog::level::warn) return rocksdb::InfoLogLevel::WARN_LEVEL;
    if (level <= spdlog::level::err) return rocksdb::InfoLogLevel::ERROR_LEVEL;
    return rocksdb::InfoLogLevel::FATAL_LEVEL;
  }
};

// ZSTD at the bottom level, where a family's data settles, with a dictionary trained per file
// (16 KB, from up to 1.6 MB of its 4 KB blocks): alone, ZSTD paid its entropy tables in every
// block and saw nothing beyond it.
void CompressBottomWithDictionary(rocksdb::ColumnFamilyOptions& family) {
  constexpr uint32_t kDictionaryBytes = 16u << 10;
  family.bottommost_compression = rocksdb::kZSTD;
  family.bottommost_compression_opts.enabled = true;
  family.bottommost_compression_opts.max_dict_bytes = kDictionaryBytes;
  family.bottommost_compression_opts.zstd_max_train_bytes = 100 * kDictionaryBytes;
  // The blocks a compaction buffers to sample for the dictionary (else up to a whole file).
  family.bottommost_compression_opts.max_dict_buffer_bytes = 8u << 20;
}

class RocksMutation final : public Mutation {
  using SharedEntity = std::shared_ptr<const model::Entity>;  // null: no entity

 public:
  RocksMutation(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* entities,
                rocksdb::ColumnFamilyHandle* temporal, rocksdb::ColumnFamilyHandle* head_log,
                Tenant tenant, std::span<const std::string> ids, RetentionIndex& retention,
                TemporalWriteCache& history_cache, EntityCache& entity_cache, SeriesHeads& heads)
      : db_(db),
        entities_(entities),
        tenant_(tenant),
        locked_(ids.begin(), ids.end()),
        entity_cache_(entity_cache),
        history_(db, temporal, head_log, tenant, retention, history_cache, heads) {}

  Result<const model::Entity*> Find(std::string_view id) override {
    if (auto it = pending_.find(id); it != pending_.end()) {
      return it->second ? &*it->second : nullptr;
    }
    CIVITAS_ASSIGN_OR_RETURN(const SharedEntity* original, Original(id));
    return original->get();
  }
  void Put(model::Entity entity) override {
    std::string id = entity.id;
    pending_[id] = std::move(entity);
  }
  void Delete(std::string_view id) override { pending_[std::string(id)] = std::nullopt; }
  void AddHistory(std::string_view id, std::vector<std::string> types,
                  std::vector<TemporalInstance> instances) override {
    history_.Add(id, std::move(types), std::move(instances));
  }
  void DeleteHistory(std::string_view id, std::string_view attr,
                     const std::string* dataset_id) override {
    history_.Delete(id, attr, dataset_id);
  }
  void DeleteHistoryInstance(std::string_view id, std::string_view attr,
                             std::string_view dataset_id, int64_t timestamp_us) override {
    history_.RemoveInstance(id, attr, dataset_id, timestamp_us);
  }

  void FoldHistoryHead(std::string_view head_key) { history_.FoldHead(head_key); }
  size_t HeadLogBytes() const { return history_.head_log_bytes(); }

  // Adds every pending change with its index and counter deltas to `batch`; `log_seq` is its
  // head-log sequence number. Name ids newly written into the batch are appended to `interned`.
  Status Stage(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* index,
               rocksdb::ColumnFamilyHandle* meta, NameDictionary& names,
               std::vector<uint32_t>& interned, uint64_t log_seq) {
    NameIdOf name_id = [&](std::string_view name) {
      uint32_t id = names.Intern(name, batch, meta);
      interned.push_back(id);
      return id;
    };
    std::map<std::string, int64_t, std::less<>> deltas;
    for (auto& [id, updated] : pending_) {
      CIVITAS_ASSIGN_OR_RETURN(const SharedEntity* cached, Original(id));
      const model::Entity* original = cached->get();
      IndexEntries before, after;
      if (!original || !updated || !SameIndexEntries(*original, *updated)) {
        if (original) before = IndexEntriesOf(tenant_, *original, name_id);
        if (updated) after = IndexEntriesOf(tenant_, *updated, name_id);
      }
      std::string key = keys::Entity(tenant_, id);
      if (updated) {
        batch.Put(entities_, key, model::EncodeEntity(*updated));
        // Deleting an entity keeps its history (only DELETE /temporal/entities/{id} removes it).
        history_.AddChanges(id, original, *updated);
      } else if (original) {
        batch.Delete(entities_, key);
      }
      Diff(
          before.index_keys, after.index_keys,
          [&](const std::string& k) { batch.Delete(index, k); },
          [&](const std::string& k) { batch.Put(index, k, rocksdb::Slice()); });
      Diff(
          before.counter_keys, after.counter_keys, [&](const std::string& k) { deltas[k] -= 1; },
          [&](const std::string& k) { deltas[k] += 1; });
    }
    for (const auto& [k, d] : deltas) {
      if (d != 0) batch.Merge(meta, k, EncodeDelta(d));
    }
    return history_.Stage(batch, log_seq);
  }

  bool empty() const { return pending_.empty() && history_.empty(); }

  // Call before the batch is written: readers must not take the cached entities for current
  // once the write may be visible (CommittedEntity).
  void MarkWriting() {
    cache_keys_.reserve(pending_.size());
    for (const auto& [id, updated] : pending_) {
      cache_keys_.push_back(keys::Entity(tenant_, id));
      entity_cache_.Set(cache_keys_.back(),
                        {.entity = nullptr, .visible_from = 0, .writing = true});
    }
  }

  // Call when the batch's write failed: the marks would keep the entities out of the cache
  // (and full shards keep marks).
  void Unmark() {
    for (const std::string& key : cache_keys_) entity_cache_.Evict(key);
  }

  // Call after MarkWriting and the batch's write (still under the ids' locks), with a sequence
  // number at or after the write's: the written entities become what the cache holds. Returns
  // the changes (Stage read every original).
  std::vector<EntityChange> Committed(uint64_t sequence) {
    history_.Committed();
    std::vector<EntityChange> changes;
    changes.reserve(pending_.size());
    size_t i = 0;
    for (auto& [id, updated] : pending_) {
      std::shared_ptr<const model::Entity> after;
      if (updated) after = std::make_shared<const model::Entity>(std::move(*updated));
      entity_cache_.Set(cache_keys_[i++], {after, sequence});
      auto original = originals_.find(id);
      changes.push_back(
          {original != originals_.end() ? std::move(original->second) : nullptr, std::move(after)});
    }
    pending_.clear();
    return changes;
  }

 private:
  // The entity as stored before this mutation (kept: the ids are locked, so it cannot change).
  Result<const SharedEntity*> Original(std::string_view id) {
    if (auto it = originals_.find(id); it != originals_.end()) return &it->second;
    if (!locked_.contains(id)) {
      return Internal("mutation read an entity it did not lock");
    }
    const std::string key = keys::Entity(tenant_, id);
    SharedEntity entity;
    if (std::optional<CommittedEntity> cached = entity_cache_.Get(key);
        cached && !cached->writing) {
      entity = std::move(cached->entity);
    } else {
      std::string record;
      auto s = db_.Get(rocksdb::ReadOptions(), entities_, key, &record);
      if (s.ok()) {
        CIVITAS_ASSIGN_OR_RETURN(auto decoded, model::DecodeEntity(record));
        entity = std::make_shared<const model::Entity>(std::move(decoded));
      } else if (!s.IsNotFound()) {
        return FromRocks(s, "read entity");
      }
    }
    return &originals_.emplace(std::string(id), std::move(entity)).first->second;
  }

  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle* entities_;
  Tenant tenant_;
  absl::flat_hash_set<std::string_view> locked_;  // a batch locks up to a thousand ids
  EntityCache& entity_cache_;
  std::map<std::string, SharedEntity, std::less<>> originals_;
  std::map<std::string, std::optional<model::Entity>, std::less<>> pending_;
  std::vector<std::string> cache_keys_;  // the pending entities' keys, in order (MarkWriting)
  TemporalWriter history_;
};

}  // namespace

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  if (s.IsNotFound()) return NotFound(std::string(what) + ": not found");
  return IoError(std::string(what) + ": " + s.ToString());
}

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  return RocksStore::OpenRocks(options);
}

Result<std::unique_ptr<Store>> RocksStore::OpenRocks(const StoreOptions& options) {
  CIVITAS_RETURN_IF_ERROR(ValidateRetentionRules(options.retention));
  std::unique_ptr<RocksStore> store(new RocksStore());
  store->retention_ = std::make_unique<RetentionIndex>(options.retention);
  store->head_log_budget_ = options.head_log_budget_bytes;
  store->entity_cache_ = std::make_unique<EntityCache>(
      std::max<size_t>(1, options.entity_cache_entries / EntityCache::kShards));
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  db_options.max_total_wal_size = 256u << 20;
  // RocksDB's defaults suit stores of terabytes: every info LOG since the first open (one more
  // per restart) and preallocated files (a 4 MB MANIFEST; the live WAL, 1.1 write buffers or
  // ~18 MB until it rolls over) were most of a small city's data dir. Without fallocate, files
  // (SSTs too) allocate as they grow, and the data dir measures the data.
  db_options.info_log = std::make_shared<ServerLogger>();
  db_options.allow_fallocate = false;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.cache_index_and_filter_blocks = true;
  rocksdb::ColumnFamilyOptions cf;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.compression = rocksdb::kLZ4Compression;
  cf.OptimizeLevelStyleCompaction(64u << 20);
  // Nothing compacts until the open is done: compactions run the retention filter, which must
  // judge neither another format's chunks (a refused dir; a format 7 dir must be marked 8
  // before a rolled-up version 3 chunk lands in it) nor an entity before the retention index
  // knows its type (it would take the default rule). Without automatic compactions RocksDB
  // does not stall writes on level-0 files, so an upgrade's writes cannot wait on them.
  cf.disable_auto_compactions = true;
  // Every entity write inserts a new version of the record, and a sensor fleet rewrites the same
  // keys all day: a small memtable keeps the skiplist (a seventh of a batch's store time) in
  // cache, and its flushes are small, since they keep only each key's newest version.
  rocksdb::ColumnFamilyOptions entities_cf = cf;
  entities_cf.write_buffer_size = 4u << 20;
  // A new version of a key sorts right before the previous one: remembering where each key was
  // last inserted turns the skiplist search (~90 key comparisons an insert in the kit's load)
  // into a few. ~250 bytes per key in the memtable. Never DeleteRange this family while it is
  // set: Debian 12's RocksDB (7.8) shares the hints between point keys and range tombstones,
  // which corrupts the memtable (facebook/rocksdb#5118, fixed upstream in 2024 by #12558).
  entities_cf.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewNoopTransform());
  rocksdb::ColumnFamilyOptions meta_cf = cf;
  meta_cf.merge_operator = std::make_shared<CounterAddOperator>();
  // The audit log lives here, one JSON record per audited request (~225 bytes each under LZ4):
  // compressed like the history below, the peer kit's meta family took 77 KB instead of 0.97 MB
  // (bench/RESULTS.md). Not the entities, index and head-log families: entities are rewritten
  // by every write, and training a dictionary on their compactions cost ~15 % of ingest CPU.
  CompressBottomWithDictionary(meta_cf);
  rocksdb::ColumnFamilyOptions temporal_cf = cf;
  // The bottom level holds almost all history and is rewritten rarely: ZSTD there shrinks the
  // chunk headers and keys LZ4 leaves (the samples themselves are already bit-packed); with a
  // dictionary the kit's history took 6.3 MB instead of 16.8 (ZSTD alone), for ~20 % more
  // compaction CPU (bench/RESULTS.md).
  CompressBottomWithDictionary(temporal_cf);
  // History is read in runs of chunks (a series' hours, a day of every series), rarely by
  // point: 8 KB blocks (4 KB by default) took the kit's compacted history from 6.74 to 6.51 MB
  // (a ~100-byte index entry per block, more context for ZSTD). 16 and 32 KB saved 0.3 and
  // 1.2 % more; ZSTD level 9 and a 64 KB dictionary 3.7 % more, for compactions 2.2 times as
  // long (bench/RESULTS.md).
  rocksdb::BlockBasedTableOptions temporal_table = table;
  temporal_table.block_size = 8u << 10;
  temporal_cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(temporal_table));
  if (!store->retention_->empty()) {
    temporal_cf.compaction_filter_factory = MakeRetentionFilterFactory(
        *store->retention_, options.clock != nullptr ? *options.clock : Clock::System());
    // Files untouched by writes are still recompacted, so expired hours go within a day.
    temporal_cf.periodic_compaction_seconds = 12 * 3600;
  }

  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, cf},
      {"entities", entities_cf},
      {"index", cf},
      {"meta", meta_cf},
      {"temporal", temporal_cf},
      {"temporal_log", cf},
  };
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(db_options, options.data_dir, families, &store->handles_, &raw);
  if (!s.ok()) return FromRocks(s, "open store at " + options.data_dir);
  store->db_.reset(raw);
  store->entities_ = store->handles_[1];
  store->index_ = store->handles_[2];
  store->meta_ = store->handles_[3];
  store->temporal_ = store->handles_[4];
  store->head_log_ = store->handles_[5];

  CIVITAS_RETURN_IF_ERROR(
      store->CheckFormatVersion(options.clock != nullptr ? *options.clock : Clock::System()));
  CIVITAS_RETURN_IF_ERROR(store->names_.Load(*store->db_, store->meta_));
  CIVITAS_RETURN_IF_ERROR(store->LoadRetentionIndex());
  CIVITAS_RETURN_IF_ERROR(store->ReplayHeadLog());
  CIVITAS_RETURN_IF_ERROR(
      FromRocks(store->db_->EnableAutoCompaction(store->handles_), "start compactions"));
  std::unique_ptr<rocksdb::Iterator> it(
      store->db_->NewIterator(rocksdb::ReadOptions(), store->meta_));
  for (it->Seek("N"); it->Valid() && it->key().starts_with("N"); it->Next()) {
    store->tenants_.insert(it->key().ToString().substr(1));
  }
  store->sync_thread_ = std::thread([s = store.get()] { s->SyncLoop(); });
  store->heads_thread_ = std::thread([s = store.get()] { s->HeadsLoop(); });
  return std::unique_ptr<Store>(std::move(store));
}

// Format 5 kept each entity's catalog first among its keys (`E \0`) with one modifiedAt lag
// range per series; format 6 kept the catalogs apart (`\x01 E`) with bands of write hours that
// ran until the next band's first; format 7 gives each band its last write hour. Every catalog
// is rewritten in the current layout (a format 5 one moved, its range one band of every write
// hour up to now: nothing was written later), in synced batches of a bounded size, the version
// last. An upgrade cut short goes on at the next open: a format 5 catalog leaves its old key in
// the batch that moves it; format 6 and 7 records share their keys and cannot be told apart, so
// each batch notes the key it rewrote last (`meta` key `U`). A catalog that does not decode (it
// was corrupt before) is carried over as it is, with a warning: reads of its entity report it,
// as they did.
Status RocksStore::UpgradeCatalogs(int format, const Clock& clock) {
  constexpr size_t kCatalogsPerBatch = 10'000;
  constexpr std::string_view kResumeKey = "U";
  const temporal_keys::OlderCatalog older{
      format, temporal_keys::HourIndex(clock.Now().time_since_epoch().count())};
  rocksdb::WriteOptions synced;
  synced.sync = true;
  rocksdb::WriteBatch batch;
  size_t in_batch = 0;
  size_t rewritten = 0;  // by this run
  std::string last_key;
  auto commit = [&](bool done) -> Status {
    if (done) {
      batch.Delete(meta_, kResumeKey);
      batch.Put(meta_, "V", kStoreFormat);
    } else if (format == 6) {
      batch.Put(meta_, kResumeKey, last_key);
    }
    CIVITAS_RETURN_IF_ERROR(FromRocks(db_->Write(synced, &batch), "upgrade the temporal catalogs"));
    batch.Clear();
    in_batch = 0;
    return Status::Ok();
  };
  TemporalEntity catalog;
  auto rewrite = [&](std::string_view record, std::string new_key) {
    if (temporal_keys::DecodeCatalog(record, catalog, older)) {
      batch.Put(temporal_, new_key, temporal_keys::EncodeCatalog(catalog.types, catalog.series));
    } else {
      const auto [tenant, id] =
          temporal_keys::SplitEntityPrefix(temporal_keys::EntityPrefixOfCatalog(new_key));
      spdlog::warn(
          "store format {} upgrade: the temporal catalog of entity '{}' (tenant '{}') is "
          "corrupt; kept as it is",
          format, id, tenant);
      batch.Put(temporal_, new_key, record);
    }
    last_key = std::move(new_key);
    ++rewritten;
    return ++in_batch < kCatalogsPerBatch ? Status::Ok() : commit(false);
  };
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), temporal_));
  if (format == 5) {
    for (it->SeekToFirst(); it->Valid();) {
      std::string_view key = it->key().ToStringView();
      std::string prefix(temporal_keys::EntityPrefixOf(key));
      if (prefix.empty()) return Internal("corrupt temporal key");
      if (key.size() == prefix.size() + 1) {  // the entity's catalog
        batch.Delete(temporal_, key);
        CIVITAS_RETURN_IF_ERROR(rewrite(it->value().ToStringView(),
                                        std::string(1, temporal_keys::kCatalogTag) + prefix));
      }
      prefix.back() = '\x01';  // past every key of this entity
      it->Seek(prefix);
    }
  } else {
    const std::string first(1, temporal_keys::kCatalogTag);
    std::string resume;
    auto s = db_->Get(rocksdb::ReadOptions(), meta_, kResumeKey, &resume);
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "read the upgrade's progress");
    it->Seek(s.ok() ? resume : first);
    if (s.ok() && it->Valid() && it->key() == resume) it->Next();
    for (; it->Valid() && it->key().starts_with(first); it->Next()) {
      CIVITAS_RETURN_IF_ERROR(rewrite(it->value().ToStringView(), it->key().ToString()));
    }
  }
  CIVITAS_RETURN_IF_ERROR(FromRocks(it->status(), "read the older catalogs"));
  CIVITAS_RETURN_IF_ERROR(commit(true));
  spdlog::info("upgraded the data dir from store format {} to {} ({} temporal catalogs rewritten)",
               format, kStoreFormat, rewritten);
  return Status::Ok();
}

// The retention index lives in memory: rebuilt from the types in every entity's catalog, one
// sequential pass over the catalogs of every tenant.
Status RocksStore::LoadRetentionIndex() {
  if (retention_->empty()) return Status::Ok();
  const std::string first(1, temporal_keys::kCatalogTag);
  const std::string end(1, temporal_keys::kCatalogTag + 1);
  rocksdb::Slice end_slice(end);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &end_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, temporal_));
  TemporalEntity catalog;
  for (it->Seek(first); it->Valid(); it->Next()) {
    const std::string_view prefix = temporal_keys::EntityPrefixOfCatalog(it->key().ToStringView());
    if (prefix.empty()) return Internal("corrupt temporal catalog key");
    // A corrupt record keeps the types read before the damage; reads report it.
    (void)temporal_keys::DecodeCatalog(it->value().ToStringView(), catalog);
    retention_->SetTypes(prefix, catalog.types);
  }
  return FromRocks(it->status(), "load retention index");
}

// The heads are rebuilt from the head log: each series' records from its fold mark on, in
// sequence order (which is each series' commit order).
Status RocksStore::ReplayHeadLog() {
  const std::string marks_begin(1, kFoldMarkTag);
  rocksdb::Slice records_end(marks_begin);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &records_end;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, head_log_));
  std::map<std::string, uint64_t, std::less<>> marks;  // head key → its fold mark
  std::map<std::string, HeadUpdate, std::less<>> replayed;
  std::vector<HeadUpdate*> touched;  // the heads the current record appends to
  uint64_t last_seq = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const uint64_t seq = HeadLogSeqOf(it->key().ToStringView());
    if (seq == 0) return Internal("corrupt temporal head-log key");
    last_seq = seq;
    CIVITAS_RETURN_IF_ERROR(DecodeHeadLogRecord(
        it->value().ToStringView(),
        [&](std::string_view key, int64_t t, SampleValue value) -> Status {
          if (key.size() < 2) return Internal("corrupt temporal head-log record");
          auto mark = marks.find(key);
          if (mark == marks.end()) {
            CIVITAS_ASSIGN_OR_RETURN(uint64_t folded, ReadFoldMark(*db_, head_log_, key));
            mark = marks.emplace(std::string(key), folded).first;
          }
          if (seq < mark->second) return Status::Ok();
          auto head = replayed.find(key);
          if (head == replayed.end()) {
            HeadUpdate update;
            update.key = std::string(key);
            const std::string prefix(key.substr(0, key.size() - 1));
            CIVITAS_ASSIGN_OR_RETURN(update.state, LoadChunkState(*db_, temporal_, prefix));
            head = replayed.emplace(std::string(key), std::move(update)).first;
          }
          HeadState& state = head->second.state;
          const int64_t hour = temporal_keys::HourOf(t);
          if (!state.newest_us || hour > temporal_keys::HourOf(*state.newest_us)) {
            state.newest_hour_count = 0;
          }
          if (!state.newest_us || t > *state.newest_us) state.newest_us = t;
          if (hour == temporal_keys::HourOf(*state.newest_us)) ++state.newest_hour_count;
          if (head->second.appended.empty()) touched.push_back(&head->second);
          head->second.appended.emplace_back(t, std::move(value));
          return Status::Ok();
        }));
    // Applied per record, so each head's oldest needed record is the first that fed it.
    std::vector<HeadUpdate> record_updates;
    record_updates.reserve(touched.size());
    for (HeadUpdate* update : touched) {
      update->state.count += update->appended.size();
      record_updates.push_back({update->key, update->state, false, std::move(update->appended)});
      update->appended.clear();
    }
    heads_.Apply(std::move(record_updates), seq, SeriesHeads::Clock::now());
    touched.clear();
  }
  CIVITAS_RETURN_IF_ERROR(FromRocks(it->status(), "replay temporal head log"));
  log_sequence_.StartAt(std::max(last_seq, db_->GetLatestSequenceNumber()) + 1);
  return Status::Ok();
}

void RocksStore::HeadsLoop() {
  std::unique_lock lock(heads_mu_);
  while (!heads_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return heads_stopping_; })) {
    lock.unlock();
    Status s = MaintainHeadLog(SeriesHeads::Clock::now());
    if (!s.ok()) spdlog::warn("temporal head-log upkeep failed: {}", s.message());
    lock.lock();
  }
}

Status RocksStore::MaintainHeadLog(SeriesHeads::Clock::time_point now) {
  std::lock_guard lock(upkeep_mu_);
  // The sequence number below which the log exceeds its budget: heads older than it fold.
  const uint64_t bytes = log_bytes_.load(std::memory_order_relaxed);
  // Marked only when the log grew, and at most 4,096 marks: dropping the oldest only delays a
  // fold to the next mark, so an idle or slow store keeps a bounded list.
  if (log_marks_.empty() || log_marks_.back().second != bytes) {
    log_marks_.emplace_back(log_sequence_.next(), bytes);
    if (log_marks_.size() > 4096) log_marks_.pop_front();
  }
  uint64_t over_budget = 0;
  while (log_marks_.size() > 1 && log_marks_.front().second + head_log_budget_ <= bytes) {
    over_budget = log_marks_.front().first;
    log_marks_.pop_front();
  }
  return FoldHeadsAndTruncate(heads_.KeysToFold(now - kHeadHoldLimit, over_budget));
}

Status RocksStore::FoldHeadsAndTruncate(const std::vector<std::string>& head_keys) {
  for (const auto& head_key : head_keys) {
    const auto [tenant, entity_id] =
        temporal_keys::SplitEntityPrefix(temporal_keys::EntityPrefixOf(head_key));
    const std::string id(entity_id);
    CIVITAS_RETURN_IF_ERROR(Mutate(std::string(tenant), std::span(&id, 1), [&](Mutation& m) {
      static_cast<RocksMutation&>(m).FoldHistoryHead(head_key);
      return Status::Ok();
    }));
  }
  // The pending mutations first, then the heads: one that finishes in between has put its
  // samples in the heads before it leaves the pending set.
  const uint64_t pending = log_sequence_.OldestPending();
  const uint64_t needed = heads_.OldestNeededSeq(pending);
  if (needed <= log_deleted_below_) return Status::Ok();
  // Loss-tolerant: records left behind are skipped by their fold marks at replay.
  CIVITAS_RETURN_IF_ERROR(
      FromRocks(db_->DeleteRange(rocksdb::WriteOptions(), head_log_, HeadLogKey(log_deleted_below_),
                                 HeadLogKey(needed)),
                "delete temporal head-log records"));
  log_deleted_below_ = needed;
  return Status::Ok();
}

Status RocksStore::DropSpentFoldMarks() {
  std::vector<std::string> head_keys;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), head_log_));
    for (it->Seek(std::string(1, kFoldMarkTag)); it->Valid(); it->Next()) {
      head_keys.push_back(it->key().ToString().substr(1));
    }
    CIVITAS_RETURN_IF_ERROR(FromRocks(it->status(), "scan temporal fold marks"));
  }
  for (const auto& head_key : head_keys) {
    // Under the entity's lock, which a fold writing a newer mark holds: the mark read here is
    // the one deleted.
    const auto [tenant, entity_id] =
        temporal_keys::SplitEntityPrefix(temporal_keys::EntityPrefixOf(head_key));
    std::lock_guard lock(stripes_[StripeOf(tenant, entity_id, kStripes)]);
    CIVITAS_ASSIGN_OR_RETURN(const uint64_t mark, ReadFoldMark(*db_, head_log_, head_key));
    if (mark > log_deleted_below_) continue;
    CIVITAS_RETURN_IF_ERROR(
        FromRocks(db_->Delete(rocksdb::WriteOptions(), head_log_, FoldMarkKey(head_key)),
                  "delete temporal fold mark"));
  }
  return Status::Ok();
}

Status RocksStore::Compact() {
  {
    // Every head into its chunk first, so that the log is empty and the chunks whole; then
    // the fold marks, which hide nothing once the log is empty.
    std::lock_guard lock(upkeep_mu_);
    CIVITAS_RETURN_IF_ERROR(
        FoldHeadsAndTruncate(heads_.KeysToFold(SeriesHeads::Clock::time_point::max(), UINT64_MAX)));
    CIVITAS_RETURN_IF_ERROR(DropSpentFoldMarks());
  }
  // Flushed first: here (RocksDB 7.8) a CompactRange that had to flush the folds' memtable
  // compacted only the flushed file, leaving retention unapplied to the older ones.
  CIVITAS_RETURN_IF_ERROR(
      FromRocks(db_->Flush(rocksdb::FlushOptions(), handles_), "flush the store"));
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (auto* family : handles_) {
    CIVITAS_RETURN_IF_ERROR(
        FromRocks(db_->CompactRange(options, family, nullptr, nullptr), "compact the store"));
  }
  return Status::Ok();
}

StoreStats RocksStore::Stats() const {
  StoreStats stats;
  auto property = [&](rocksdb::ColumnFamilyHandle* family, const rocksdb::Slice& name) {
    uint64_t value = 0;
    return db_->GetIntProperty(family, name, &value) ? value : 0;
  };
  for (auto* family : handles_) {
    stats.families.push_back(
        {.name = family->GetName(),
         .sst_bytes = property(family, rocksdb::DB::Properties::kTotalSstFilesSize),
         .memtable_bytes = property(family, rocksdb::DB::Properties::kCurSizeAllMemTables),
         .pending_compaction_bytes =
             property(family, rocksdb::DB::Properties::kEstimatePendingCompactionBytes),
         .estimated_keys = property(family, rocksdb::DB::Properties::kEstimateNumKeys)});
  }
  rocksdb::ColumnFamilyHandle* any = handles_.front();
  stats.running_compactions = property(any, rocksdb::DB::Properties::kNumRunningCompactions);
  stats.running_flushes = property(any, rocksdb::DB::Properties::kNumRunningFlushes);
  stats.block_cache_bytes = property(any, rocksdb::DB::Properties::kBlockCacheUsage);
  stats.background_errors = property(any, rocksdb::DB::Properties::kBackgroundErrors);
  stats.writes_stopped = property(any, rocksdb::DB::Properties::kIsWriteStopped) != 0;
  return stats;
}

// The key layout's version (docs/formats/store.md). A data dir with entities but no version
// predates the name dictionary and cannot be read.
Status RocksStore::CheckFormatVersion(const Clock& clock) {
  auto write_version = [&] {
    rocksdb::WriteOptions synced;
    synced.sync = true;
    return FromRocks(db_->Put(synced, meta_, "V", kStoreFormat), "write store format version");
  };
  std::string version;
  auto s = db_->Get(rocksdb::ReadOptions(), meta_, "V", &version);
  if (s.ok()) {
    if (version == kStoreFormat) return Status::Ok();
    if (version == "5" || version == "6") return UpgradeCatalogs(version[0] - '0', clock);
    if (version == "7") {
      // Format 8 writes version 3 chunks, which a format 7 civitas cannot read; it reads the
      // version 2 chunks of format 7 as they are.
      CIVITAS_RETURN_IF_ERROR(write_version());
      spdlog::info("upgraded the data dir from store format 7 to {} (nothing rewritten)",
                   kStoreFormat);
      return Status::Ok();
    }
    return IoError("the data dir uses store format " + version + "; this civitas reads format " +
                   std::string(kStoreFormat) +
                   ": with the civitas that wrote it, export the entities (civitas export -o "
                   "entities.jsonl) and the history (civitas export --history -o history.jsonl), "
                   "then import both here, entities first (civitas import entities.jsonl, then "
                   "civitas import --history history.jsonl), or start with an empty --data-dir");
  }
  if (!s.IsNotFound()) return FromRocks(s, "read store format version");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), entities_));
  it->SeekToFirst();
  if (it->Valid()) {
    return IoError(
        "the data dir was written by an older civitas (store format 1); export and "
        "re-import it, or start with an empty --data-dir");
  }
  return write_version();
}

RocksStore::~RocksStore() {
  {
    std::lock_guard lock(heads_mu_);
    heads_stopping_ = true;
  }
  heads_cv_.notify_all();
  if (heads_thread_.joinable()) heads_thread_.join();
  {
    std::lock_guard lock(sync_mu_);
    stopping_ = true;
  }
  sync_cv_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
  if (db_) {
    // Nothing acknowledged may be left unsynced: the sync thread drained its waiters.
    (void)db_->SyncWAL();
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    (void)db_->Close();
  }
}

Status RocksStore::Mutate(Tenant tenant, std::span<const std::string> ids,
                          const std::function<Status(Mutation&)>& body) {
  // Declared before the locks are taken, so destroyed after they are released: freeing what a
  // batch replaced is no serial work for the next writer of the same entities.
  RocksMutation mutation(*db_, entities_, temporal_, head_log_, tenant, ids, *retention_,
                         history_cache_, *entity_cache_, heads_);
  rocksdb::WriteBatch batch;
  std::vector<EntityChange> changes;
  std::vector<size_t> stripes;
  stripes.reserve(ids.size());
  for (const auto& id : ids) stripes.push_back(StripeOf(tenant, id, kStripes));
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  for (size_t s : stripes) stripes_[s].lock();
  struct Unlock {
    RocksStore* store;
    std::vector<size_t>& stripes;
    ~Unlock() {
      for (auto it = stripes.rbegin(); it != stripes.rend(); ++it) store->stripes_[*it].unlock();
    }
  } unlock{this, stripes};

  CIVITAS_RETURN_IF_ERROR(body(mutation));
  if (mutation.empty()) return Status::Ok();
  std::vector<uint32_t> interned;
  // Taken under the ids' locks: one series' head-log records are in commit order. Pending
  // until the samples are in the heads (Committed), so that truncation spares the record.
  const uint64_t log_seq = log_sequence_.Take();
  struct Release {
    HeadLogSequence& sequence;
    uint64_t seq;
    ~Release() { sequence.Done(seq); }
  } release{log_sequence_, log_seq};
  CIVITAS_RETURN_IF_ERROR(mutation.Stage(batch, index_, meta_, names_, interned, log_seq));
  bool new_tenant = false;
  {
    std::lock_guard lock(tenants_mu_);
    new_tenant = tenants_.find(tenant) == tenants_.end();
  }
  if (new_tenant) batch.Put(meta_, keys::TenantKey(tenant), rocksdb::Slice());
  rocksdb::WriteOptions write_options;
  write_options.sync = false;  // durability comes from WhenDurable's group fsync
  mutation.MarkWriting();
  if (Status written = FromRocks(db_->Write(write_options, &batch), "write"); !written.ok()) {
    mutation.Unmark();
    return written;
  }
  if (after_batch_write_for_testing_) after_batch_write_for_testing_();
  changes = mutation.Committed(db_->GetLatestSequenceNumber());
  log_bytes_.fetch_add(mutation.HeadLogBytes(), std::memory_order_relaxed);
  names_.Committed(interned);
  if (new_tenant) {
    std::lock_guard lock(tenants_mu_);
    tenants_.emplace(tenant);
  }
  // Still under the stripe locks, so one entity's changes reach the listener in commit order.
  if (auto* listener = listener_.load(std::memory_order_acquire); listener != nullptr) {
    if (!changes.empty()) listener->OnCommitted(tenant, changes);
  }
  return Status::Ok();
}

void RocksStore::WhenDurable(std::function<void(Status)> done) {
  {
    std::lock_guard lock(sync_mu_);
    sync_waiters_.push_back(std::move(done));
  }
  sync_cv_.notify_one();
}

Status RocksStore::SyncDurable() {
  std::promise<Status> promise;
  auto future = promise.get_future();
  WhenDurable([&promise](Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

void RocksStore::SyncLoop() {
  std::unique_lock lock(sync_mu_);
  for (;;) {
    sync_cv_.wait(lock, [&] { return stopping_ || !sync_waiters_.empty(); });
    if (sync_waiters_.empty() && stopping_) return;
    // Every waiter queued its callback after its write was applied, so one fsync started now
    // covers all of them.
    std::deque<std::function<void(Status)>> batch;
    batch.swap(sync_waiters_);
    lock.unlock();
    Status status = FromRocks(db_->SyncWAL(), "sync write-ahead log");
    if (!status.ok()) spdlog::error("WAL sync failed: {}", status.message());
    for (auto& done : batch) done(status);
    lock.lock();
  }
}

std::unique_ptr<ReadView> RocksStore::Read(Tenant tenant) const {
  return MakeReadView(*db_, entities_, index_, names_, *entity_cache_, tenant);
}

std::unique_ptr<TemporalReader> RocksStore::ReadTemporal(Tenant tenant) const {
  return MakeTemporalReader(*db_, temporal_, heads_, tenant);
}

bool RocksStore::TenantExists(Tenant tenant) const {
  if (tenant.empty()) return true;
  std::lock_guard lock(tenants_mu_);
  return tenants_.find(tenant) != tenants_.end();
}

std::vector<std::string> RocksStore::Tenants() const {
  std::lock_guard lock(tenants_mu_);
  return {tenants_.begin(), tenants_.end()};
}

std::vector<NameCount> RocksStore::Counters(std::string_view prefix, bool suffix_is_name_id) const {
  std::vector<NameCount> out;
  std::string upper = keys::PrefixEnd(std::string(prefix));
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, meta_));
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid(); it->Next()) {
    int64_t count = CounterAddOperator::Decode(it->value());
    if (count <= 0) continue;
    std::string_view suffix(it->key().data() + prefix.size(), it->key().size() - prefix.size());
    if (!suffix_is_name_id) {
      out.push_back({std::string(suffix), count});
    } else if (suffix.size() == 4) {
      out.push_back({names_.NameOf(keys::ReadId(suffix)), count});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const NameCount& a, const NameCount& b) { return a.name < b.name; });
  return out;
}

std::vector<NameCount> RocksStore::Types(Tenant tenant) const {
  return Counters(keys::CounterPrefix(tenant, 'T'), true);
}
std::vector<NameCount> RocksStore::TypeAttributes(Tenant tenant, std::string_view type) const {
  auto type_id = names_.Find(type);
  if (!type_id) return {};
  std::string prefix = keys::CounterPrefix(tenant, 'P');
  keys::AppendId(prefix, *type_id);
  return Counters(prefix, true);
}
std::vector<NameCount> RocksStore::Attributes(Tenant tenant) const {
  return Counters(keys::CounterPrefix(tenant, 'A'), true);
}
std::vector<NameCount> RocksStore::AttributeTypes(Tenant tenant, std::string_view attr) const {
  auto attr_id = names_.Find(attr);
  if (!attr_id) return {};
  std::string prefix = keys::CounterPrefix(tenant, 'Y');
  keys::AppendId(prefix, *attr_id);
  return Counters(prefix, true);
}
std::vector<NameCount> RocksStore::AttributeKinds(Tenant tenant, std::string_view attr) const {
  auto attr_id = names_.Find(attr);
  if (!attr_id) return {};
  std::string prefix = keys::CounterPrefix(tenant, 'K');
  keys::AppendId(prefix, *attr_id);
  return Counters(prefix, false);
}

Status RocksStore::PutMeta(std::string_view key, std::string_view value) {
  rocksdb::WriteOptions options;
  options.sync = true;
  return FromRocks(
      db_->Put(options, meta_, keys::MetaKey(key), rocksdb::Slice(value.data(), value.size())),
      "write metadata");
}

Status RocksStore::PutMetas(std::span<const std::pair<std::string, std::string>> entries) {
  rocksdb::WriteBatch batch;
  for (const auto& [key, value] : entries) batch.Put(meta_, keys::MetaKey(key), value);
  rocksdb::WriteOptions options;
  options.sync = false;  // see the contract: an fsync here would stall concurrent entity writes
  return FromRocks(db_->Write(options, &batch), "write metadata");
}

Status RocksStore::DeleteMeta(std::string_view key) {
  rocksdb::WriteOptions options;
  options.sync = true;
  return FromRocks(db_->Delete(options, meta_, keys::MetaKey(key)), "delete metadata");
}

std::vector<std::pair<std::string, std::string>> RocksStore::ScanMeta(
    std::string_view prefix) const {
  std::vector<std::pair<std::string, std::string>> out;
  std::string start = keys::MetaKey(prefix);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), meta_));
  for (it->Seek(start); it->Valid() && it->key().starts_with(start); it->Next()) {
    out.emplace_back(it->key().ToString().substr(1), it->value().ToString());
  }
  return out;
}

}  // namespace civitas::store
