#pragma once

// Snapshot-based ReadView over RocksDB. Internal to store/.

#include <rocksdb/db.h>

#include <memory>

#include "civitas/store/store.h"
#include "committed_cache.h"
#include "name_dictionary.h"

namespace civitas::store {

// Entities are taken from `cache` when it holds their current version (committed_cache.h).
std::unique_ptr<ReadView> MakeReadView(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* entities,
                                       rocksdb::ColumnFamilyHandle* index,
                                       const NameDictionary& names, EntityCache& cache,
                                       Tenant tenant);

}  // namespace civitas::store
