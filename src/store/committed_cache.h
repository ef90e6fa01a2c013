#pragma once

// What a write last committed under a key, so that the next write of it neither reads nor
// decodes it again: the entities (RocksStore) and the temporal catalogs (TemporalWriter).
// Internal to store/.

#include <absl/base/thread_annotations.h>
#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "civitas/model/entity.h"
#include "civitas/store/temporal_store.h"
#include "src/store/absl_view.h"

namespace civitas::store {

// A bounded map from key to the value committed under it. Thread-safe. The cache only saves
// work, never decides: a missing entry sends the writer to the database.
//
// Entries are set only after the write that produced them committed, under the written ids'
// locks (so never concurrently for one key), and every other change of a key erases its entry
// (history deletions erase the catalogs under the deleted prefix: docs/formats/temporal-store.md,
// "Write cache").
template <typename Value>
class CommittedCache {
 public:
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
    // A full shard starts over: cheaper than an eviction order, and rare at city scale.
    if (shard.values.size() >= shard_capacity_ && !shard.values.contains(AbslView(key))) {
      shard.values.clear();
    }
    shard.values.insert_or_assign(std::string(key), std::move(value));
  }
  // Drops every entry whose key starts with `prefix`. Visits every entry: history deletions
  // are rare next to the lookups, which a hash map makes one hash and one compare.
  void ErasePrefix(std::string_view prefix) {
    for (Shard& shard : shards_) {
      absl::MutexLock lock(&shard.mu);
      absl::erase_if(shard.values, [&](const auto& entry) {
        return std::string_view(entry.first).starts_with(prefix);
      });
    }
  }

 private:
  static constexpr size_t kShards = 64;
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, Value> values ABSL_GUARDED_BY(mu);
  };
  Shard& ShardOf(std::string_view key) const {
    return shards_[std::hash<std::string_view>{}(key) % kShards];
  }

  const size_t shard_capacity_;
  mutable std::array<Shard, kShards> shards_;
};

using EntityCache = CommittedCache<std::shared_ptr<const model::Entity>>;

// The temporal writer's caches, one per store.
struct TemporalWriteCache {
  // Entity catalog keys → the catalog last committed there, decoded (null: none).
  CommittedCache<std::shared_ptr<const TemporalEntity>> catalogs{8192};
};

}  // namespace civitas::store
