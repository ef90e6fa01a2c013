#pragma once

// Bulk import and export of NGSI-LD entities (docs/formats/bulk.md): parsing of import records
// and rendering of export records. Pure: no I/O; the `civitas import` / `civitas export`
// commands read and write the files and the store.

#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/model/context.h"
#include "civitas/model/entity.h"

namespace civitas::ingest {

// One entity read from an import file, or why it was rejected.
struct ImportRecord {
  int64_t position = 0;  // 1-based line (JSON Lines) or array element (JSON)
  Result<model::Entity> entity = Internal("unset");
};

// One entity in JSON: an object with "id" and "type", normalized or concise. Its "@context"
// member (URL, object or array; JSON-LD files such as the Smart Data Models examples carry one)
// is resolved through `contexts`, from the bundled and hosted contexts only; without one the
// core context applies. The createdAt / modifiedAt members of the entity and its attributes
// are kept (an export's; the API ignores them). kBadRequestData naming the problem (never the
// data's values) for invalid JSON or entities, kLdContextNotAvailable for an unknown context URL.
Result<model::Entity> ParseImportEntity(std::string_view json_text, model::ContextStore& contexts);

// A whole JSON document: one entity object, or an array of them (each checked on its own).
// A document that is not JSON, or neither an object nor an array, gives one rejected record.
std::vector<ImportRecord> ParseImportDocument(std::string_view json_text,
                                              model::ContextStore& contexts);

// True when a JSON Lines line holds nothing to import (empty or only whitespace).
bool IsBlankLine(std::string_view line);

// The export record of an entity: normalized NGSI-LD, names compacted with `context`, plus an
// "@context" member naming `context_url`, and the system times, on one line (no newline).
// ParseImportEntity reads it back to the same entity.
std::string EntityJsonLine(const model::Entity& entity, const model::Context& context,
                           std::string_view context_url);

// A GeoJSON Feature: geometry from the `location` GeoProperty (null without one), the entity in
// keyValues form as properties, "id" as the feature id. One line.
std::string EntityGeoJsonFeature(const model::Entity& entity, const model::Context& context);

}  // namespace civitas::ingest
