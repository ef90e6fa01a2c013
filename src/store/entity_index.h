#pragma once

// Which index entries and discovery counters an entity contributes. Internal to store/.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "civitas/model/entity.h"

namespace civitas::store {

struct IndexEntries {
  std::vector<std::string> index_keys;    // index CF keys, sorted, unique
  std::vector<std::string> counter_keys;  // meta CF counter keys, sorted, unique
};

// `name_id` maps a type or attribute IRI to its dictionary id.
using NameIdOf = std::function<uint32_t(std::string_view name)>;
IndexEntries IndexEntriesOf(std::string_view tenant, const model::Entity& entity,
                            const NameIdOf& name_id);

// True when both entities contribute the same entries: same types, the same attributes (name
// and kind) in the same order, equal geometries. A sufficient check, far cheaper than comparing
// IndexEntriesOf results: most updates change values only.
bool SameIndexEntries(const model::Entity& a, const model::Entity& b);

}  // namespace civitas::store
