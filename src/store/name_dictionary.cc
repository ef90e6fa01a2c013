#include "name_dictionary.h"

#include <memory>

#include "keys.h"

namespace civitas::store {
namespace {

std::string EncodeId(uint32_t id) {
  std::string out;
  keys::AppendId(out, id);
  return out;
}

}  // namespace

Status NameDictionary::Load(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta) {
  std::unique_lock lock(mu_);
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), meta));
  for (it->Seek("D"); it->Valid() && it->key().starts_with("D"); it->Next()) {
    if (it->value().size() != 4) return Internal("corrupt name dictionary entry");
    uint32_t id = keys::ReadId(std::string_view(it->value().data(), 4));
    std::string name = it->key().ToString().substr(1);
    if (names_.size() <= id) names_.resize(id + 1);
    names_[id] = name;
    ids_.emplace(std::move(name), id);
  }
  if (!it->status().ok()) return IoError("load name dictionary: " + it->status().ToString());
  return Status::Ok();
}

std::optional<uint32_t> NameDictionary::Find(std::string_view name) const {
  std::shared_lock lock(mu_);
  auto it = ids_.find(name);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::string NameDictionary::NameOf(uint32_t id) const {
  std::shared_lock lock(mu_);
  return id < names_.size() ? names_[id] : std::string();
}

uint32_t NameDictionary::Intern(std::string_view name, rocksdb::WriteBatch& batch,
                                rocksdb::ColumnFamilyHandle* meta) {
  {
    std::shared_lock lock(mu_);
    auto it = ids_.find(name);
    if (it != ids_.end() && pending_.count(it->second) == 0) return it->second;
  }
  std::unique_lock lock(mu_);
  auto [it, inserted] = ids_.emplace(std::string(name), static_cast<uint32_t>(names_.size()));
  if (inserted) {
    names_.emplace_back(name);
    pending_.insert(it->second);
  }
  if (pending_.count(it->second) > 0) {
    batch.Put(meta, std::string("D").append(name), EncodeId(it->second));
  }
  return it->second;
}

void NameDictionary::Committed(const std::vector<uint32_t>& ids) {
  std::unique_lock lock(mu_);
  for (uint32_t id : ids) pending_.erase(id);
}

}  // namespace civitas::store
