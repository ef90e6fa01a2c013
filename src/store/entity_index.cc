#include "entity_index.h"

#include <algorithm>

#include "civitas/model/geometry.h"
#include "keys.h"

namespace civitas::store {
namespace {

void SortUnique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

IndexEntries IndexEntriesOf(std::string_view tenant, const model::Entity& entity,
                            const NameIdOf& name_id) {
  IndexEntries out;
  std::vector<uint32_t> type_ids;
  for (const auto& type : entity.types) {
    uint32_t type_id = name_id(type);
    type_ids.push_back(type_id);
    out.index_keys.push_back(keys::NameIndex('T', tenant, type_id, entity.id));
    auto& counter = out.counter_keys.emplace_back(keys::CounterPrefix(tenant, 'T'));
    keys::AppendId(counter, type_id);
  }
  for (const auto& attr : entity.attributes) {
    uint32_t attr_id = name_id(attr.name);
    out.index_keys.push_back(keys::NameIndex('A', tenant, attr_id, entity.id));
    keys::AppendId(out.counter_keys.emplace_back(keys::CounterPrefix(tenant, 'A')), attr_id);
    auto& kind = out.counter_keys.emplace_back(keys::CounterPrefix(tenant, 'K'));
    keys::AppendId(kind, attr_id);
    kind.append(model::AttributeKindName(attr.kind));
    for (uint32_t type_id : type_ids) {
      auto& per_type = out.counter_keys.emplace_back(keys::CounterPrefix(tenant, 'P'));
      keys::AppendId(per_type, type_id);
      keys::AppendId(per_type, attr_id);
      auto& per_attr = out.counter_keys.emplace_back(keys::CounterPrefix(tenant, 'Y'));
      keys::AppendId(per_attr, attr_id);
      keys::AppendId(per_attr, type_id);
    }
    if (attr.kind == model::AttributeKind::kGeoProperty) {
      // Stored geometries were validated on the way in; a failure here means none to index.
      auto geometry = model::Geometry::FromGeoJson(attr.value);
      if (geometry.ok()) {
        for (uint64_t cell : geometry->IndexCells()) {
          out.index_keys.push_back(keys::GeoIndex(tenant, attr_id, cell, entity.id));
        }
      }
    }
  }
  SortUnique(out.index_keys);
  SortUnique(out.counter_keys);
  return out;
}

bool SameIndexEntries(const model::Entity& a, const model::Entity& b) {
  if (a.types != b.types || a.attributes.size() != b.attributes.size()) return false;
  for (size_t i = 0; i < a.attributes.size(); ++i) {
    const model::Attribute& x = a.attributes[i];
    const model::Attribute& y = b.attributes[i];
    if (x.name != y.name || x.kind != y.kind) return false;
    if (x.kind == model::AttributeKind::kGeoProperty && x.value != y.value) return false;
  }
  return true;
}

}  // namespace civitas::store
