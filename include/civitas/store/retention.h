#pragma once

#include <chrono>
#include <string>

namespace civitas::store {

// How long the temporal history of the entities of one type is kept (docs/formats/
// temporal-store.md, "Retention"). The temporal column family's compaction enforces it: an hour
// whose raw samples expired is rolled up to its summary (count, sum, sumsq, min, max: what
// hourly or coarser aggregation needs) while the rollup lasts, and removed after.
struct RetentionRule {
  // Expanded type IRI; "" for the entities none of whose types has a rule of its own.
  std::string type{};
  // An hour keeps its raw samples until it ended this long ago. Must be positive.
  std::chrono::seconds raw{0};
  // Then its summary is kept until it ended this long ago; zero: no rollup. Else above `raw`.
  std::chrono::seconds hourly{0};
  // False: history records no modifiedAt for this type's instances (timeproperty=modifiedAt
  // finds nothing), which saves about a third of the history of a regular sensor series.
  bool keep_modified_at = true;
};

}  // namespace civitas::store
