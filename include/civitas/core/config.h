#pragma once

// The server's configuration file, civitas.yaml (docs/formats/civitas-yaml.md). Parsing only:
// the file says what the operator wants; the subsystems it configures check the rest.

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/result.h"

namespace civitas {

// How long the temporal history of a type is kept (store/retention.h is what enforces it).
struct RetentionConfigRule {
  std::string type;  // as written: a term of RetentionConfig::context or an IRI; "*" = default
  std::chrono::seconds raw{0};
  std::chrono::seconds hourly{0};  // 0: no hourly rollup
  bool modified_at = true;         // false: history keeps no modifiedAt for this type
};

struct RetentionConfig {
  // The @context the type names expand with (URLs); empty: the NGSI-LD core context.
  std::vector<std::string> context;
  std::vector<RetentionConfigRule> rules;
};

// How an attribute is written from a line protocol field or tag, or a CSV column.
struct IngestAttributeConfig {
  std::string name{};       // the attribute's name (a term); "" = the field's, tag's or column's own
  std::string unit_code{};  // UN/CEFACT code; "" = none
  // How a CSV cell is read: "auto" (a number, true/false, else text), "number", "text" or
  // "boolean". Line protocol fields keep their own types and tags are text.
  std::string type = "auto";
};

// How line protocol points of one measurement, or the rows of a CSV load that names it, become
// NGSI-LD entities (ingest/ingest_mapping.h compiles it; docs/formats/line-protocol.md).
struct IngestMappingConfig {
  std::string measurement{};  // the measurement, or "*" for every measurement not declared
  std::string type{};       // the entity type (a term); "" = the measurement
  // The tags (CSV: columns) whose values, joined by ':', make the entity's local id; empty = the
  // tag `id` when present, else every tag in key order (CSV: the column `id`).
  std::vector<std::string> id{};
  std::string id_prefix{};  // "" = "urn:ngsi-ld:<type>:"
  std::string observed_at{};  // CSV: the column of ISO 8601 instants; "" = none
  // A tag, field or column pair giving a `location` Point; both or neither.
  std::string longitude{}, latitude{};
  std::map<std::string, IngestAttributeConfig> attributes{};  // by field, tag or column name
  bool keep_unmapped = true;  // fields, tags and columns not named: kept under their own name
};

struct IngestConfig {
  // The @context the type and attribute names expand with (URLs); empty: the core context.
  std::vector<std::string> context{};
  std::vector<IngestMappingConfig> mappings{};  // at most one per measurement
};

struct ServerConfig {
  RetentionConfig retention;
  IngestConfig ingest;
};

// Parses the YAML text of civitas.yaml. Unknown keys are errors (a typo must not silently keep
// data forever). kInvalidRequest with the key path and what is wrong.
Result<ServerConfig> ParseServerConfig(std::string_view yaml);

// "90s", "15m", "36h", "30d", "2w", "10y" (365 days): a positive whole number and one unit.
// kInvalidRequest otherwise.
Result<std::chrono::seconds> ParseRetentionPeriod(std::string_view text);

}  // namespace civitas
