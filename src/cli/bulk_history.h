#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/result.h"
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
// order and a page of 500 entity ids at a time (constant memory): JSON Lines {"id", "type" (the
// entity's type, an array when it has several), "attribute", "attributeType" (when not
// Property), "datasetId" (when not default), "observedAt", "value", "unitCode" (when set),
// "modifiedAt" (when the sample has one)}, the format ParseHistoryRecord reads, or CSV with the
// header id,type,attribute,datasetId,observedAt,value,unitCode,modifiedAt (the first type only;
// RFC 4180 quoting; text values unquoted from JSON; modifiedAt empty when none, last so readers
// of the older seven columns still find theirs). Times are ISO 8601 UTC (FormatTimestamp).
// Names compacted with `core`. `progress` gets the number of records written after each
// entity. Errors: the store's.
Status WriteHistory(store::Store& store, const model::Context& core, const HistoryExport& what,
                    FILE* out, const std::function<void(int64_t)>& progress);

// One JSON Lines history record, as history keeps it.
struct HistoryRecord {
  std::string id;
  std::vector<std::string> types;  // expanded
  // modified_at_us is the record's modifiedAt, nullopt without one.
  store::TemporalInstance instance;
  // False when the record names no attributeType (exports before it had none): the instance is
  // then a Property, unless the import learns the attribute's kind elsewhere.
  bool kind_named = true;
};

// Reads one JSON Lines record of WriteHistory's format, names expanded with `core`. The record
// is read as the entity of one attribute instance the API and the entity import would be sent
// (model::ParseEntity, then store::TemporalInstanceOf as the API's temporal writes do): the
// value is of the kind "attributeType" names, Property without one (exports before it had
// none); "observedAt" is required, "modifiedAt" optional; unknown members are ignored.
// kBadRequestData naming the problem: the id, type, datasetId, unitCode and value are checked
// by model::ParseEntity, with the entity import's reasons; the other reasons quote no value.
Result<HistoryRecord> ParseHistoryRecord(std::string_view line, const model::Context& core);

}  // namespace civitas::cli
