#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/core/time.h"
#include "civitas/model/entity.h"
#include "civitas/store/retention.h"
#include "civitas/store/temporal_store.h"

namespace civitas::store {

// The tenant a request works in; "" is the default tenant. Validated by the API
// (letters, digits, '_', '-', at most 64 bytes).
using Tenant = std::string_view;

struct StoreOptions {
  std::string data_dir;
  size_t block_cache_bytes = 256u << 20;
  // How long history is kept, per entity type (at most one rule per type, one default rule with
  // type ""); empty: forever. Open fails with kInvalidRequest on invalid rules.
  std::vector<RetentionRule> retention{};
  // "Now" for retention; the system clock when null. Must outlive the store.
  const Clock* clock = nullptr;
  // The temporal head log is kept below about this many bytes: older heads are folded into
  // their chunks (docs/formats/temporal-store.md, "The head log").
  uint64_t head_log_budget_bytes = 32u << 20;
  // Decoded entities kept for writes and reads of recently met entities (rounded down to a
  // multiple of 64, at least 64). Each costs its decoded size, ~2 KB for a sensor's.
  size_t entity_cache_entries = 64u << 10;
};

// Writes made inside Store::Mutate. Reads through it see the latest committed state of the ids
// the mutation has locked (and its own pending writes).
class Mutation {
 public:
  virtual ~Mutation() = default;
  // The current entity (nullptr: none), valid while the mutation runs. Only ids passed to
  // Mutate may be read.
  virtual Result<const model::Entity*> Find(std::string_view id) = 0;
  // A copy of the current entity, to change and Put; kNotFound when there is none.
  Result<model::Entity> Get(std::string_view id) {
    CIVITAS_ASSIGN_OR_RETURN(const model::Entity* entity, Find(id));
    if (entity == nullptr) return NotFound("entity '" + std::string(id) + "' not found");
    return *entity;
  }
  // Creates or replaces the entity (indexes follow).
  virtual void Put(model::Entity entity) = 0;
  // Removes the entity and its index entries; no-op when absent.
  virtual void Delete(std::string_view id) = 0;

  // Temporal history (temporal_store.h). Put records the history of every changed attribute
  // instance by itself (TemporalWriter::AddChanges); these add or remove history explicitly, e.g.
  // for the /temporal endpoints. The id need not exist as an entity but must be locked. Adds
  // instances to the entity's history (same series and timestamp: replaces) and records `types` as
  // the entity's types in history.
  virtual void AddHistory(std::string_view id, std::vector<std::string> types,
                          std::vector<TemporalInstance> instances) = 0;
  // Removes the history of the entity (attr empty), of one attribute (dataset_id null: every
  // datasetId) or of one series. Applied before any AddHistory of the same mutation.
  virtual void DeleteHistory(std::string_view id, std::string_view attr = {},
                             const std::string* dataset_id = nullptr) = 0;
  // Removes the instance at `timestamp_us` of one series (no-op when absent). An AddHistory of
  // the same series and timestamp in the same mutation wins.
  virtual void DeleteHistoryInstance(std::string_view id, std::string_view attr,
                                     std::string_view dataset_id, int64_t timestamp_us) = 0;
};

// A read-only view of one tenant. Scans and MultiGet share one RocksDB snapshot, pinned by the
// first of them, so a query sees one consistent state; a Get issued before any of them reads the
// latest state without pinning. Not thread-safe; one per request. Scans call `visit` in
// ascending id order (geo scans excepted) until it returns false.
class ReadView {
 public:
  virtual ~ReadView() = default;
  virtual Result<model::Entity> Get(std::string_view id) = 0;
  // Entities for the ids, in the same order; nullopt for ids that do not exist. `only`, when not
  // empty, keeps just those attributes (model::DecodeEntity).
  virtual Result<std::vector<std::optional<model::Entity>>> MultiGet(
      std::span<const std::string> ids, std::span<const std::string> only) = 0;

  using IdVisitor = std::function<bool(std::string_view id)>;
  // Ids of all entities, starting at the first id >= `from`.
  virtual Status ScanAll(std::string_view from, const IdVisitor& visit) = 0;
  // Ids of entities having this (expanded) type.
  virtual Status ScanType(std::string_view type, std::string_view from, const IdVisitor& visit) = 0;
  // Ids of entities having at least one instance of this (expanded) attribute.
  virtual Status ScanAttribute(std::string_view attr, std::string_view from,
                               const IdVisitor& visit) = 0;
  // Ids of entities whose GeoProperty `geoproperty` has an index cell in one of the inclusive
  // ranges of S2 cell ids; an id may repeat. Fastest with the ranges ascending
  // (GeoQuery::IndexPlan), correct in any order.
  virtual Status ScanGeo(std::string_view geoproperty,
                         std::span<const std::pair<uint64_t, uint64_t>> ranges,
                         const IdVisitor& visit) = 0;
};

// One entity written by a committed mutation: its state before and after the write.
// Shared with the store's cache of committed entities: never changed.
struct EntityChange {
  std::shared_ptr<const model::Entity> before;  // null: the entity was created
  std::shared_ptr<const model::Entity> after;   // null: the entity was deleted
};

// The change feed: told about every committed Mutate (HTTP writes, batches, MQTT ingest alike),
// e.g. to match subscriptions. Implementations must be thread-safe.
class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  // Called on the writing thread right after the mutation's WriteBatch is applied (visible, not
  // yet fsync'ed) and while its ids are still locked, so the changes of one entity arrive in
  // commit order. `changes` lists every entity the mutation Put or Deleted (history-only writes
  // are not reported). Must not block or call back into the store: move out what it keeps and
  // return (the store frees the rest once the ids are unlocked).
  virtual void OnCommitted(Tenant tenant, std::vector<EntityChange>& changes) = 0;
};

// Counts kept for the discovery endpoints (/types, /attributes).
struct NameCount {
  std::string name;  // expanded IRI, or attribute kind name for AttributeKinds
  int64_t count = 0;
};

// What RocksDB reports of the store, for /metrics.
struct StoreStats {
  struct Family {
    std::string name;  // the column family
    uint64_t sst_bytes = 0;
    uint64_t memtable_bytes = 0;
    uint64_t pending_compaction_bytes = 0;  // estimated bytes compaction still has to rewrite
    uint64_t estimated_keys = 0;
  };
  std::vector<Family> families;
  uint64_t running_compactions = 0;
  uint64_t running_flushes = 0;
  uint64_t block_cache_bytes = 0;
  uint64_t background_errors = 0;  // since open; a write error stops the store's writes
  bool writes_stopped = false;     // writes wait for compaction to catch up
};

// The durable store of NGSI-LD entities of every tenant, on RocksDB (docs/formats/store.md).
// Thread-safe. Writes to one entity are serialised (striped locks), so concurrent
// read-modify-write requests never lose an update.
class Store {
 public:
  virtual ~Store() = default;

  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);

  // Runs `body` with exclusive access to `ids` (locked in a global order, so no deadlock), then
  // writes everything it Put or Deleted in one atomic WriteBatch. If `body` returns an error
  // nothing is written. The write is applied (visible) but not yet durable on return: call
  // WhenDurable / SyncDurable before acknowledging. Creates the tenant on first write.
  virtual Status Mutate(Tenant tenant, std::span<const std::string> ids,
                        const std::function<Status(Mutation&)>& body) = 0;

  // Calls `done` (on the store's sync thread) once every write applied before this call is
  // fsync'ed in the WAL; concurrent callers share one fsync (group commit). `done` gets kIoError
  // when the sync failed. Must not block.
  virtual void WhenDurable(std::function<void(Status)> done) = 0;
  // Blocking form of WhenDurable.
  virtual Status SyncDurable() = 0;

  virtual std::unique_ptr<ReadView> Read(Tenant tenant) const = 0;
  // The tenant's attribute history (empty for a tenant that has none).
  virtual std::unique_ptr<TemporalReader> ReadTemporal(Tenant tenant) const = 0;
  virtual bool TenantExists(Tenant tenant) const = 0;
  virtual std::vector<std::string> Tenants() const = 0;

  // Entity types with their entity counts, sorted by name.
  virtual std::vector<NameCount> Types(Tenant tenant) const = 0;
  // Attributes found on entities of a type, with counts.
  virtual std::vector<NameCount> TypeAttributes(Tenant tenant, std::string_view type) const = 0;
  // Attribute names with the number of entities having them.
  virtual std::vector<NameCount> Attributes(Tenant tenant) const = 0;
  // Types of entities that have the attribute; attribute kinds ("Property", ...) in use.
  virtual std::vector<NameCount> AttributeTypes(Tenant tenant, std::string_view attr) const = 0;
  virtual std::vector<NameCount> AttributeKinds(Tenant tenant, std::string_view attr) const = 0;

  // Compacts every column family now: overwritten and deleted data is dropped and every
  // retention rule has taken effect on return. (Compaction does both anyway as it goes, and
  // recompacts history files at least twice a day.) Blocks for as long as it takes; writes go
  // on meanwhile. kIoError on failure.
  virtual Status Compact() = 0;

  virtual StoreStats Stats() const = 0;

  // Installs the change feed (null removes it). Set once at start-up before writes begin; the
  // listener must outlive the store or be removed first.
  virtual void SetChangeListener(ChangeListener* listener) = 0;

  // Small named blobs of server metadata (hosted contexts, subscriptions). Durable on return.
  virtual Status PutMeta(std::string_view key, std::string_view value) = 0;
  // Several PutMeta in one atomic write, visible on return but, unlike PutMeta, not fsync'ed:
  // durable once a later WhenDurable / SyncDurable completes (for frequently rewritten,
  // loss-tolerant metadata such as delivery counters).
  virtual Status PutMetas(std::span<const std::pair<std::string, std::string>> entries) = 0;
  virtual Status DeleteMeta(std::string_view key) = 0;
  virtual std::vector<std::pair<std::string, std::string>> ScanMeta(
      std::string_view prefix) const = 0;
};

}  // namespace civitas::store
