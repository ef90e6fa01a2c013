#pragma once

// Which index entries and discovery counters an entity contributes. Internal to store/.

#include <string>
#include <vector>

#include "civitas/model/entity.h"

namespace civitas::store {

struct IndexEntries {
  std::vector<std::string> index_keys;    // index CF keys, sorted, unique
  std::vector<std::string> counter_keys;  // meta CF counter keys, sorted, unique
};

IndexEntries IndexEntriesOf(std::string_view tenant, const model::Entity& entity);

}  // namespace civitas::store
