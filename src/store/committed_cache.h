#pragma once

// What a write last committed under a key, so that the next write of it neither reads nor
// decodes it again: the entities (RocksStore, whose reads use them too) and the temporal
// catalogs (TemporalWriter). Internal to store/.

#include <absl/base/thread_annotations.h>
#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "civitas/model/entity.h"
#include "civitas/store/temporal_store.h"
#include "src/store/absl_view.h"

namespace civitas::store {

// Whether a full shard keeps the entry when it starts over (see CommittedEntity).
template <typename Value>
bool KeptWhenFull(const Value&) {
  return false;
}

// A bounded map from key to the value committed under it. Thread-safe. The cache only saves
// work, never decides: a missing entry sends the writer to the database.
//
// Entries are set only after the write that produced them committed, under the written ids'
// locks (so never concurrently for one key), and every other change of a key erases its entry
// (history deletions erase the catalogs under the deleted prefix: docs/formats/temporal-store.md,
// "Write cache"). Readers may fill in keys that have no entry (SetIfAbsent).
template <typename Value>
class CommittedCache {
 public:
  static constexpr size_t kShards = 64;

  // At most about kShards * shard_capacity entries.
  explicit CommittedCache(size_t shard_capacity) : shard_capacity_(shard_capacity) {}

  std::optional<Value> Get(std::string_view key) const {
    Shard& shard = ShardOf(key);
    absl::MutexLock lock(&shard.mu);
    auto it = shard.values.find(AbslView(key));
    if (it == shard.values.end()) return std::nullopt;
    return it->second;
  }
  void Set(std::string_view key, Value value) {
    Shard& shard = ShardOf(key);
    absl::MutexLock lock(&shard.mu);
    if (auto it = shard.values.find(AbslView(key)); it != shard.values.end()) {
      it->second = std::move(value);  // the usual case: no key copied
      return;
    }
    // A full shard starts over: cheaper than an eviction order, and rare at city scale.
    if (shard.values.size() >= shard_capacity_) {
      // Release: a reader whose Evictions() sees this also sees the write it evicts.
      evictions_.fetch_add(1, std::memory_order_release);
      absl::erase_if(shard.values, [](const auto& entry) { return !KeptWhenFull(entry.second); });
    }
    shard.values.emplace(std::string(key), std::move(value));
  }
  // Drops the entry of `key`, as an eviction (so no reader's fill in flight brings back what
  // it held before).
  void Evict(std::string_view key) {
    Shard& shard = ShardOf(key);
    absl::MutexLock lock(&shard.mu);
    evictions_.fetch_add(1, std::memory_order_release);
    shard.values.erase(AbslView(key));
  }
  // For a reader's fill: take it before reading the database (before pinning a snapshot).
  uint64_t Evictions() const { return evictions_.load(std::memory_order_acquire); }
  // Whether SetIfAbsent would set `key` now.
  bool Accepts(std::string_view key) const {
    Shard& shard = ShardOf(key);
    absl::MutexLock lock(&shard.mu);
    return shard.values.size() < shard_capacity_ && !shard.values.contains(AbslView(key));
  }
  // A reader's fill: sets `value`, read from the database after Evictions() returned
  // `evictions`, unless `key` has an entry, its shard is full or an entry was evicted since.
  // So it neither replaces nor evicts what a writer set, nor brings back what a write
  // replaced (a write after the read left an entry, and it is still there). Returns whether it
  // set it.
  bool SetIfAbsent(std::string_view key, Value value, uint64_t evictions) {
    Shard& shard = ShardOf(key);
    absl::MutexLock lock(&shard.mu);
    if (shard.values.size() >= shard_capacity_ ||
        evictions_.load(std::memory_order_relaxed) != evictions) {
      return false;
    }
    return shard.values.try_emplace(std::string(key), std::move(value)).second;
  }
  // Drops every entry whose key starts with `prefix`. Visits every entry: history deletions
  // are rare next to the lookups, which a hash map makes one hash and one compare.
  void ErasePrefix(std::string_view prefix) {
    for (Shard& shard : shards_) {
      absl::MutexLock lock(&shard.mu);
      evictions_.fetch_add(1, std::memory_order_release);
      absl::erase_if(shard.values, [&](const auto& entry) {
        return std::string_view(entry.first).starts_with(prefix);
      });
    }
  }

 private:
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, Value> values ABSL_GUARDED_BY(mu);
  };
  Shard& ShardOf(std::string_view key) const {
    return shards_[std::hash<std::string_view>{}(key) % kShards];
  }

  const size_t shard_capacity_;
  mutable std::array<Shard, kShards> shards_;
  std::atomic<uint64_t> evictions_{0};  // drops by full shards, Evict and ErasePrefix
};

// An entity as a committed write left it, or a write's mark. A write marks its entities
// before it writes them and sets them after; a reader fills in an entity it read only where
// there is no entry (SetIfAbsent), and a full shard keeps the marks. So an entry that is not a
// mark is the latest committed version of its entity. A reader on a snapshot uses it only
// when `visible_from` <= the snapshot's sequence number (the snapshot may predate it).
struct CommittedEntity {
  std::shared_ptr<const model::Entity> entity;  // null: no entity (deleted)
  uint64_t visible_from = 0;  // a RocksDB sequence number at or after the entity's write
  bool writing = false;       // the mark: a write is on its way, the entry holds nothing
};
inline bool KeptWhenFull(const CommittedEntity& entry) { return entry.writing; }
using EntityCache = CommittedCache<CommittedEntity>;

// The temporal writer's caches, one per store.
struct TemporalWriteCache {
  // Entity catalog keys → the catalog last committed there, decoded (null: none).
  CommittedCache<std::shared_ptr<const TemporalEntity>> catalogs{8192};
};

}  // namespace civitas::store
