#pragma once

// Snapshot-based ReadView over RocksDB. Internal to store/.

#include <rocksdb/db.h>

#include <memory>

#include "civitas/store/store.h"
#include "name_dictionary.h"

namespace civitas::store {

std::unique_ptr<ReadView> MakeReadView(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* entities,
                                       rocksdb::ColumnFamilyHandle* index,
                                       const NameDictionary& names, Tenant tenant);

}  // namespace civitas::store
