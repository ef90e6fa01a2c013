#pragma once

// CSV import: one entity per row, through a small column mapping (docs/formats/bulk.md).
// Pure: no I/O. Errors name columns and positions, never cell contents.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/model/context.h"
#include "civitas/model/entity.h"

namespace civitas::ingest {

enum class CsvValueType { kNumber, kText, kBoolean };

struct CsvAttribute {
  std::string name;       // NGSI-LD attribute name (short, expanded with the core context)
  std::string unit_code;  // "" for none
  CsvValueType type = CsvValueType::kNumber;
};

struct CsvMapping {
  std::string type;                                // entity type
  std::string id_column;                           // the column holding the entity's local id
  std::string id_prefix;                           // prepended to it; default "urn:ngsi-ld:<type>:"
  std::string observed_at;                         // column of ISO 8601 instants; "" = none
  std::string longitude, latitude;                 // columns of a Point location; both or neither
  std::map<std::string, CsvAttribute> attributes;  // by column
};

// The mapping file: {"type", "id", "idPrefix"?, "observedAt"?, "longitude"?, "latitude"?,
// "attributes": {"<column>": {"name"?, "unitCode"?, "type"?: "number"|"text"|"boolean"}}}.
// kBadRequestData saying what is wrong.
Result<CsvMapping> ParseCsvMapping(std::string_view json_text);

// The fields of one CSV record on one line (RFC 4180 quoting: "a ""b""" → a "b"; a trailing
// '\r' is dropped). Quoted fields cannot hold line breaks here. kBadRequestData for an
// unterminated quote or text after a closing quote.
Result<std::vector<std::string>> ParseCsvRecord(std::string_view line);

// Checks that every column the mapping names is in `header`. kBadRequestData naming the first
// missing one.
Status CheckCsvHeader(const CsvMapping& mapping, const std::vector<std::string>& header);

// The entity of one row (header checked with CheckCsvHeader). Empty cells leave their attribute
// out; the id cell must not be empty. kBadRequestData naming the column for a wrong field
// count, a value that does not convert, or an invalid id or time.
Result<model::Entity> CsvRowToEntity(const CsvMapping& mapping,
                                     const std::vector<std::string>& header,
                                     const std::vector<std::string>& row,
                                     const model::Context& core);

}  // namespace civitas::ingest
