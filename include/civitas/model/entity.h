#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "civitas/core/time.h"

namespace civitas::model {

using Json = boost::json::value;

// The NGSI-LD attribute types (ETSI GS CIM 009 §4.5).
enum class AttributeKind {
  kProperty,
  kRelationship,
  kGeoProperty,
  kLanguageProperty,
  kListProperty,
  kListRelationship,
  kVocabProperty,
  kJsonProperty,
};

// Core-context term for a kind ("Property", "Relationship", ...).
std::string_view AttributeKindName(AttributeKind kind);
// Inverse of AttributeKindName; nullopt for anything else.
std::optional<AttributeKind> AttributeKindFromName(std::string_view name);
// The member that carries an instance's payload in the API ("value", "object", "languageMap",
// "valueList", "objectList", "vocab" or "json").
std::string_view AttributePayloadMember(AttributeKind kind);

// One attribute instance. All names are expanded IRIs; compaction happens only when rendering.
struct Attribute {
  std::string name;
  AttributeKind kind = AttributeKind::kProperty;
  // The instance's payload, by kind: Property → "value"; Relationship → "object" (IRI string or
  // array of them); GeoProperty → a GeoJSON geometry object; LanguageProperty → the languageMap
  // object; ListProperty → "valueList" array; ListRelationship → "objectList"; VocabProperty →
  // "vocab" (expanded IRI or array); JsonProperty → "json".
  Json value;
  std::string dataset_id;  // empty for the default instance
  std::optional<Timestamp> observed_at;
  std::string unit_code;   // empty when absent
  std::optional<Timestamp> created_at;
  std::optional<Timestamp> modified_at;
  // Nested properties and relationships, at most one per (name, datasetId); sorted by name.
  std::vector<Attribute> sub_attributes;

  const Attribute* FindSub(std::string_view sub_name) const;
};

// An NGSI-LD entity held in expanded form.
// Invariants: types sorted and unique; attributes sorted by (name, dataset_id) with no duplicate
// pair. Use SortAttributes() after building one by hand.
struct Entity {
  std::string id;
  std::vector<std::string> types;
  std::vector<std::string> scopes;
  std::vector<Attribute> attributes;
  std::optional<Timestamp> created_at;
  std::optional<Timestamp> modified_at;

  // The instance with this name and datasetId, or nullptr.
  const Attribute* Find(std::string_view name, std::string_view dataset_id = "") const;
  Attribute* Find(std::string_view name, std::string_view dataset_id = "");
  // True when at least one instance of the attribute exists.
  bool Has(std::string_view name) const;
  // Restores the ordering invariant; when two instances share (name, datasetId) the later wins.
  void SortAttributes();
};

// Well-known expanded IRIs of the NGSI-LD core vocabulary used across subsystems.
namespace iri {
inline constexpr std::string_view kCore = "https://uri.etsi.org/ngsi-ld/";
inline constexpr std::string_view kDefaultVocab = "https://uri.etsi.org/ngsi-ld/default-context/";
inline constexpr std::string_view kLocation = "https://uri.etsi.org/ngsi-ld/location";
inline constexpr std::string_view kObservationSpace = "https://uri.etsi.org/ngsi-ld/observationSpace";
inline constexpr std::string_view kOperationSpace = "https://uri.etsi.org/ngsi-ld/operationSpace";
inline constexpr std::string_view kName = "https://uri.etsi.org/ngsi-ld/name";
}  // namespace iri

}  // namespace civitas::model
