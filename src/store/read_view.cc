#include "read_view.h"

#include "civitas/model/entity_codec.h"
#include "keys.h"
#include "rocks_store.h"

namespace civitas::store {
namespace {

class RocksReadView final : public ReadView {
 public:
  RocksReadView(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* entities,
                rocksdb::ColumnFamilyHandle* index, const NameDictionary& names, EntityCache& cache,
                Tenant tenant)
      : db_(db),
        entities_(entities),
        index_(index),
        names_(names),
        cache_(cache),
        tenant_(tenant) {}
  ~RocksReadView() override {
    if (snapshot_ != nullptr) db_.ReleaseSnapshot(snapshot_);
  }

  Result<model::Entity> Get(std::string_view id) override {
    // A lone point read is consistent by itself; the snapshot (a DB-mutex round trip) is taken
    // only once a second read or a scan needs the two to agree.
    const std::string key = keys::Entity(tenant_, id);
    if (std::optional<CommittedEntity> cached = Cached(key)) {
      if (!cached->entity) return NotFound("entity '" + std::string(id) + "' not found");
      return *cached->entity;
    }
    const uint64_t evictions = snapshot_ != nullptr ? snapshot_evictions_ : cache_.Evictions();
    std::string record;
    auto s = db_.Get(options_, entities_, key, &record);
    if (s.IsNotFound()) return NotFound("entity '" + std::string(id) + "' not found");
    CIVITAS_RETURN_IF_ERROR(FromRocks(s, "read entity"));
    const uint64_t read_at =
        snapshot_ != nullptr ? snapshot_->GetSequenceNumber() : db_.GetLatestSequenceNumber();
    return DecodeAndFill(key, record, {}, read_at, evictions);
  }

  Result<std::vector<std::optional<model::Entity>>> MultiGet(
      std::span<const std::string> ids, std::span<const std::string> only) override {
    PinSnapshot();
    std::vector<std::optional<model::Entity>> out(ids.size());
    std::vector<std::string> missed_keys;  // not in the cache: read from the snapshot
    std::vector<size_t> missed;
    for (size_t i = 0; i < ids.size(); ++i) {
      std::string key = keys::Entity(tenant_, ids[i]);
      if (std::optional<CommittedEntity> cached = Cached(key)) {
        if (cached->entity) out[i] = model::ProjectEntity(*cached->entity, only);
      } else {
        missed_keys.push_back(std::move(key));
        missed.push_back(i);
      }
    }
    if (missed.empty()) return out;
    std::vector<rocksdb::Slice> key_slices(missed_keys.begin(), missed_keys.end());
    std::vector<rocksdb::PinnableSlice> values(missed.size());
    std::vector<rocksdb::Status> statuses(missed.size());
    db_.MultiGet(options_, entities_, key_slices.size(), key_slices.data(), values.data(),
                 statuses.data());
    for (size_t m = 0; m < missed.size(); ++m) {
      if (statuses[m].IsNotFound()) continue;
      CIVITAS_RETURN_IF_ERROR(FromRocks(statuses[m], "read entity"));
      CIVITAS_ASSIGN_OR_RETURN(
          out[missed[m]],
          DecodeAndFill(missed_keys[m], std::string_view(values[m].data(), values[m].size()), only,
                        snapshot_->GetSequenceNumber(), snapshot_evictions_));
    }
    return out;
  }

  Status ScanAll(std::string_view from, const IdVisitor& visit) override {
    return ScanPrefix(entities_, keys::EntityPrefix(tenant_), from, visit);
  }
  Status ScanType(std::string_view type, std::string_view from, const IdVisitor& visit) override {
    auto type_id = names_.Find(type);
    if (!type_id) return Status::Ok();  // a name never written has no entities
    return ScanPrefix(index_, keys::NamePrefix('T', tenant_, *type_id), from, visit);
  }
  Status ScanAttribute(std::string_view attr, std::string_view from,
                       const IdVisitor& visit) override {
    auto attr_id = names_.Find(attr);
    if (!attr_id) return Status::Ok();
    return ScanPrefix(index_, keys::NamePrefix('A', tenant_, *attr_id), from, visit);
  }

  Status ScanGeo(std::string_view geoproperty,
                 std::span<const std::pair<uint64_t, uint64_t>> ranges,
                 const IdVisitor& visit) override {
    auto geo_id = names_.Find(geoproperty);
    if (!geo_id) return Status::Ok();
    PinSnapshot();
    const std::string prefix = keys::NamePrefix('G', tenant_, *geo_id);
    std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(options_, index_));
    auto cell_of = [&](const rocksdb::Slice& key) {
      return keys::ReadBigEndian(std::string_view(key.data() + prefix.size(), 8));
    };
    auto id_of = [&](const rocksdb::Slice& key) {
      return std::string_view(key.data() + prefix.size() + 8, key.size() - prefix.size() - 8);
    };
    // A city's index is sparse beside a plan's dozens of ranges (most of them one ancestor
    // cell): after a Seek to a start no lower than the last, an iterator already at or past the
    // next start (or run out) would land where it is, so the Seek is skipped.
    std::string start = prefix;
    bool sought = false;
    uint64_t last_first = 0;
    for (const auto& [first, last] : ranges) {
      start.resize(prefix.size());
      keys::AppendBigEndian(start, first);
      if (!sought || first < last_first || (it->Valid() && it->key().compare(start) < 0)) {
        it->Seek(start);
        sought = true;
      }
      last_first = first;
      for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
        if (cell_of(it->key()) > last) break;
        if (!visit(id_of(it->key()))) return Status::Ok();
      }
      CIVITAS_RETURN_IF_ERROR(FromRocks(it->status(), "scan geo index"));
    }
    return Status::Ok();
  }

 private:
  // The cache's entry for `key` when it is the version this view reads: with a snapshot, only
  // an entry written at or before it; without, any entry (it is the latest committed).
  std::optional<CommittedEntity> Cached(std::string_view key) const {
    std::optional<CommittedEntity> cached = cache_.Get(key);
    if (cached && (cached->writing || (snapshot_ != nullptr &&
                                       cached->visible_from > snapshot_->GetSequenceNumber()))) {
      return std::nullopt;
    }
    return cached;
  }

  // The entity in `record`, read for `key` at sequence number `read_at` after the cache's
  // Evictions() returned `evictions`, projected to `only`. Where the cache has room, it is
  // decoded whole and filled in, so that the next reads of it take it from there; a projection
  // that cannot be decoded whole still reads past the damage outside it.
  Result<model::Entity> DecodeAndFill(std::string_view key, std::string_view record,
                                      std::span<const std::string> only, uint64_t read_at,
                                      uint64_t evictions) {
    if (cache_.Accepts(key)) {
      if (Result<model::Entity> whole = model::DecodeEntity(record); whole.ok()) {
        auto entity = std::make_shared<const model::Entity>(std::move(*whole));
        model::Entity projected = model::ProjectEntity(*entity, only);
        cache_.SetIfAbsent(key, {std::move(entity), read_at}, evictions);
        return projected;
      }
    }
    return model::DecodeEntity(record, only);
  }

  void PinSnapshot() {
    if (snapshot_ == nullptr) {
      snapshot_evictions_ = cache_.Evictions();  // before the snapshot: SetIfAbsent
      snapshot_ = db_.GetSnapshot();
      options_.snapshot = snapshot_;
    }
  }

  Status ScanPrefix(rocksdb::ColumnFamilyHandle* cf, const std::string& prefix,
                    std::string_view from, const IdVisitor& visit) {
    PinSnapshot();
    std::string upper = keys::PrefixEnd(prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions options = options_;
    options.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(options, cf));
    std::string start = prefix;
    start.append(from);
    for (it->Seek(start); it->Valid(); it->Next()) {
      rocksdb::Slice key = it->key();
      if (!visit(std::string_view(key.data() + prefix.size(), key.size() - prefix.size()))) break;
    }
    return FromRocks(it->status(), "scan");
  }

  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle* entities_;
  rocksdb::ColumnFamilyHandle* index_;
  const NameDictionary& names_;
  EntityCache& cache_;
  std::string tenant_;
  const rocksdb::Snapshot* snapshot_ = nullptr;
  uint64_t snapshot_evictions_ = 0;  // the cache's Evictions() just before the snapshot
  rocksdb::ReadOptions options_;
};

}  // namespace

std::unique_ptr<ReadView> MakeReadView(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* entities,
                                       rocksdb::ColumnFamilyHandle* index,
                                       const NameDictionary& names, EntityCache& cache,
                                       Tenant tenant) {
  return std::make_unique<RocksReadView>(db, entities, index, names, cache, tenant);
}

}  // namespace civitas::store
