#pragma once

// How line protocol points and CSV rows become NGSI-LD entities: the `ingest:` mappings of
// civitas.yaml (or a `civitas import --mapping` file) compiled against their @context
// (docs/formats/line-protocol.md, "Mapping"). Immutable once compiled; share it across threads.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/config.h"
#include "civitas/core/result.h"
#include "civitas/model/context.h"

namespace civitas::ingest {

// How a CSV cell is read (line protocol fields keep their own types; tags are text).
enum class CsvValueType { kAuto, kNumber, kText, kBoolean };

struct MappedAttribute {
  std::string name;       // expanded IRI
  std::string unit_code;  // "" for none
  CsvValueType type = CsvValueType::kAuto;
};

// The mapping of one measurement, names expanded.
struct EntityMapping {
  std::string measurement;  // as declared; "*" for the catch-all; "" for the built-in default
  std::string type;         // expanded IRI; "" = the measurement's name, expanded
  std::string id_prefix;    // "" = "urn:ngsi-ld:<type as written, or the measurement>:"
  std::string type_term;    // the type as written ("" when it is the measurement)
  // Tags (CSV: columns) whose values, joined by ':', make the local id. Empty: the tag `id`
  // when present, else every tag in key order (CSV: the column `id`).
  std::vector<std::string> id_keys;
  std::string observed_at;          // CSV column; "" = none
  std::string longitude, latitude;  // tag, field or column names; both or neither
  std::map<std::string, MappedAttribute, std::less<>> attributes;  // by source name
  bool keep_unmapped = true;
};

class IngestMappings {
 public:
  // Compiles `config` (its context already resolved into `context`). kInvalidRequest naming
  // the mapping ("<origin>[i].<key>") for a type or attribute name NGSI-LD does not accept, an
  // id prefix that does not make URIs, or a measurement mapped twice.
  static Result<std::shared_ptr<const IngestMappings>> Compile(
      const IngestConfig& config, std::shared_ptr<const model::Context> context,
      std::string_view origin = "civitas.yaml: ingest.mappings");

  // The mapping of `measurement`: its own, else the "*" mapping, else the built-in default
  // (type = the measurement, default id rule, everything kept).
  const EntityMapping& Find(std::string_view measurement) const;
  const model::Context& context() const { return *context_; }

 private:
  IngestMappings() = default;
  std::shared_ptr<const model::Context> context_;
  std::map<std::string, EntityMapping, std::less<>> by_measurement_;
  EntityMapping fallback_;
};

// The type IRI and id prefix `mapping` gives entities of `measurement`. kBadRequestData when
// the measurement (used as the type) is not a valid type name or makes no URI prefix; the
// message does not quote it.
struct EntityTarget {
  std::string type;       // expanded IRI
  std::string id_prefix;  // the local id is appended to it
};
Result<EntityTarget> TargetOf(const EntityMapping& mapping, std::string_view measurement,
                              const model::Context& context);

// Appends `value` to an entity id: bytes a URI may not hold (controls, space, <>"{}|\^`) and
// '%' are percent-encoded, so any tag value or cell gives a valid id, one per value.
void AppendIdPart(std::string& id, std::string_view value);

// The expanded IRI of an attribute name as written, or kBadRequestData when NGSI-LD does not
// accept it as a plain attribute (forbidden characters, JSON-LD keywords, id/type/scope and the
// GeoProperties location, observationSpace and operationSpace). `what` names it in the message
// ("field 3", "column 'note'"); the name itself is never quoted.
Result<std::string> AttributeIriOf(std::string_view name, const model::Context& context,
                                   std::string_view what);

}  // namespace civitas::ingest
