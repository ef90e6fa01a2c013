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

IndexEntries IndexEntriesOf(std::string_view tenant, const model::Entity& entity) {
  IndexEntries out;
  for (const auto& type : entity.types) {
    out.index_keys.push_back(keys::NameIndex('T', tenant, type, entity.id));
    out.counter_keys.push_back(keys::CounterPrefix(tenant, 'T').append(type));
  }
  for (const auto& attr : entity.attributes) {
    out.index_keys.push_back(keys::NameIndex('A', tenant, attr.name, entity.id));
    out.counter_keys.push_back(keys::CounterPrefix(tenant, 'A').append(attr.name));
    out.counter_keys.push_back(keys::CounterPrefix(tenant, 'K')
                                   .append(attr.name)
                                   .append(1, keys::kSep)
                                   .append(model::AttributeKindName(attr.kind)));
    for (const auto& type : entity.types) {
      out.counter_keys.push_back(
          keys::CounterPrefix(tenant, 'P').append(type).append(1, keys::kSep).append(attr.name));
      out.counter_keys.push_back(
          keys::CounterPrefix(tenant, 'Y').append(attr.name).append(1, keys::kSep).append(type));
    }
    if (attr.kind == model::AttributeKind::kGeoProperty) {
      // Stored geometries were validated on the way in; a failure here means none to index.
      auto geometry = model::Geometry::FromGeoJson(attr.value);
      if (geometry.ok()) {
        for (uint64_t cell : geometry->IndexCells()) {
          out.index_keys.push_back(keys::GeoIndex(tenant, attr.name, cell, entity.id));
        }
      }
    }
  }
  SortUnique(out.index_keys);
  SortUnique(out.counter_keys);
  return out;
}

}  // namespace civitas::store
