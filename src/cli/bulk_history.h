#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>

#include "civitas/core/status.h"
#include "civitas/model/context.h"
#include "civitas/store/store.h"

namespace civitas::cli {

struct HistoryExport {
  std::string tenant;
  std::string type;                                       // expanded IRI; empty = every entity
  int64_t from_us = std::numeric_limits<int64_t>::min();  // [from, to) on observedAt
  int64_t to_us = std::numeric_limits<int64_t>::max();
  bool csv = false;  // else JSON Lines
};

// Writes the attribute history of the tenant to `out`, one record per instance, entities in id
// order and a page of 500 entity ids at a time (constant memory): JSON Lines {"id", "type",
// "attribute", "datasetId" (when not default), "observedAt", "value", "unitCode" (when set),
// "modifiedAt" (when the sample has one)} or CSV with the header
// id,type,attribute,datasetId,observedAt,value,unitCode,modifiedAt (RFC 4180 quoting; text values
// unquoted from JSON; modifiedAt empty when none, last so readers of the older seven columns
// still find theirs). Times are ISO 8601 UTC (FormatTimestamp). Names compacted with `core`.
// `progress` gets the number of records written after each entity. Errors: the store's.
Status WriteHistory(store::Store& store, const model::Context& core, const HistoryExport& what,
                    FILE* out, const std::function<void(int64_t)>& progress);

}  // namespace civitas::cli
