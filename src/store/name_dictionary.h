#pragma once

// Type and attribute IRIs as 4-byte ids inside index and counter keys. Internal to store/.
//
// Index keys used to carry whole IRIs (~60 bytes sharing long prefixes), and comparing them
// dominated memtable inserts; a fixed-width id keeps keys short and prefix-free.

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "civitas/core/result.h"

namespace civitas::store {

// Thread-safe. Persisted in the meta column family as 'D' + name → id (4 bytes big-endian).
class NameDictionary {
 public:
  // Loads every entry from `meta`.
  Status Load(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta);

  // The id of a known name.
  std::optional<uint32_t> Find(std::string_view name) const;
  // The name of an id handed out before; "" for an unknown id (a bug, or corruption).
  std::string NameOf(uint32_t id) const;

  // The id of `name`, assigning a new one if needed. Until an entry is known durable every
  // batch that uses it also writes it, so an index key never outlives its dictionary entry
  // whichever batch commits first. Call Committed(batch) after the batch is written.
  uint32_t Intern(std::string_view name, rocksdb::WriteBatch& batch,
                  rocksdb::ColumnFamilyHandle* meta);
  // Marks the entries written by `Intern` into a committed batch as durable.
  void Committed(const std::vector<uint32_t>& ids);

 private:
  // Lets lookups take a string_view without building a std::string.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, uint32_t, NameHash, std::equal_to<>> ids_;  // guarded by mu_
  std::vector<std::string> names_;        // guarded by mu_; index = id
  std::unordered_set<uint32_t> pending_;  // guarded by mu_: not yet known durable
};

}  // namespace civitas::store
