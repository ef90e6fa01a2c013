#pragma once

// CSV import: one entity observation per row through an ingest mapping (ingest_mapping.h,
// observations.h; docs/formats/bulk.md). Pure: no I/O. Errors name columns and positions,
// never cell contents.

#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/config.h"
#include "civitas/core/result.h"

namespace civitas::ingest {

// The `civitas import --mapping` file: {"type", "id", "idPrefix"?, "observedAt"?, "longitude"?,
// "latitude"?, "attributes": {"<column>": {"name"?, "unitCode"?, "type"?: "number"|"text"|
// "boolean"}}}, as a mapping whose measurement is its type, whose attributes are numbers unless
// typed, and which drops the columns it does not name. kBadRequestData saying what is wrong.
Result<IngestMappingConfig> ParseCsvMapping(std::string_view json_text);

// The fields of one CSV record on one line (RFC 4180 quoting: "a ""b""" → a "b"; a trailing
// '\r' is dropped). Quoted fields cannot hold line breaks here. kBadRequestData for an
// unterminated quote or text after a closing quote.
Result<std::vector<std::string>> ParseCsvRecord(std::string_view line);

}  // namespace civitas::ingest
