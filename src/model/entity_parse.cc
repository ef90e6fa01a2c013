#include <algorithm>
#include <array>

#include <boost/json.hpp>

#include "civitas/model/entity_json.h"
#include "civitas/model/geometry.h"

namespace civitas::model {
namespace json = boost::json;
namespace {

constexpr std::array<std::string_view, 7> kGeoJsonTypes = {
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
    "GeometryCollection"};

// Members of an attribute object that are not sub-attributes.
constexpr std::array<std::string_view, 18> kAttributeKeywords = {
    "type",      "@type",      "value",   "object",  "languageMap", "valueList", "objectList",
    "vocab",     "json",       "observedAt", "unitCode", "datasetId", "createdAt",
    "modifiedAt", "@context",  "instanceId", "deletedAt", "lang"};

bool IsGeoJsonGeometry(const json::value& v) {
  const auto* obj = v.if_object();
  if (obj == nullptr) return false;
  const auto* type = obj->if_contains("type");
  if (type == nullptr || !type->is_string()) return false;
  std::string_view name = type->get_string();
  bool known = std::find(kGeoJsonTypes.begin(), kGeoJsonTypes.end(), name) != kGeoJsonTypes.end();
  return known && (obj->contains("coordinates") || obj->contains("geometries"));
}

bool IsKeyword(std::string_view key) {
  return std::find(kAttributeKeywords.begin(), kAttributeKeywords.end(), key) !=
         kAttributeKeywords.end();
}

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

constexpr std::string_view kCorePrefix = "https://uri.etsi.org/ngsi-ld/";

// Core terms whose IRI no attribute may take: a name that expands to one
// ("ngsi-ld:observedAt") would render as that term, which is read back as the member.
// Reserved at both levels (ValidateAttributeName refuses the terms themselves):
constexpr std::array<std::string_view, 6> kReservedTerms = {
    "createdAt", "modifiedAt", "deletedAt", "observedAt", "unitCode", "datasetId"};
// The entity's own member besides those:
constexpr std::array<std::string_view, 1> kEntityTerms = {"scope"};
// An attribute's own members besides those (its payload and instance members):
constexpr std::array<std::string_view, 9> kAttributeTerms = {
    "hasValue", "hasObject", "hasLanguageMap", "hasValueList", "hasObjectList",
    "hasVocab", "hasJSON",   "instanceId",     "lang"};

template <size_t N>
bool IsCoreIriIn(std::string_view iri, const std::array<std::string_view, N>& terms) {
  if (!iri.starts_with(kCorePrefix)) return false;
  iri.remove_prefix(kCorePrefix.size());
  return std::find(terms.begin(), terms.end(), iri) != terms.end();
}

// An expanded attribute name (of an entity, or of an attribute: `sub_attribute`) must be
// neither a JSON-LD keyword nor the IRI of a member read at its level.
Status ValidateExpandedName(std::string_view name, bool sub_attribute) {
  const bool member = IsCoreIriIn(name, kReservedTerms) ||
                      (sub_attribute ? IsCoreIriIn(name, kAttributeTerms)
                                     : IsCoreIriIn(name, kEntityTerms));
  if (name.starts_with('@') || member) {
    return BadRequestData("attribute name " + Quoted(name) +
                          " is reserved by NGSI-LD (a member of the core context)");
  }
  return Status::Ok();
}

Status AttributeError(std::string_view name, std::string_view what) {
  return BadRequestData("attribute " + Quoted(name) + ": " + std::string(what));
}

// The attribute kind from an explicit "type" member, which may be the core term or its IRI.
std::optional<AttributeKind> KindFromTypeMember(std::string_view type) {
  if (type.starts_with(kCorePrefix)) type.remove_prefix(kCorePrefix.size());
  if (type.starts_with("ngsi-ld:")) type.remove_prefix(8);
  return AttributeKindFromName(type);
}

std::optional<AttributeKind> InferKind(const json::object& obj) {
  if (obj.contains("value")) return AttributeKind::kProperty;
  if (obj.contains("object")) return AttributeKind::kRelationship;
  if (obj.contains("languageMap")) return AttributeKind::kLanguageProperty;
  if (obj.contains("valueList")) return AttributeKind::kListProperty;
  if (obj.contains("objectList")) return AttributeKind::kListRelationship;
  if (obj.contains("vocab")) return AttributeKind::kVocabProperty;
  if (obj.contains("json")) return AttributeKind::kJsonProperty;
  return std::nullopt;
}

Status ValidateObjectIri(std::string_view name, const json::value& object) {
  if (object.is_string()) {
    if (!IsUri(object.get_string())) {
      return AttributeError(name, "relationship object " + Quoted(object.get_string()) +
                                      " is not a URI");
    }
    return Status::Ok();
  }
  if (const auto* arr = object.if_array(); arr != nullptr && !arr->empty()) {
    for (const auto& item : *arr) {
      const json::value* iri = &item;
      if (const auto* obj = item.if_object()) iri = obj->if_contains("object");
      if (iri == nullptr || !iri->is_string() || !IsUri(iri->get_string())) {
        return AttributeError(name, "every relationship object must be a URI");
      }
    }
    return Status::Ok();
  }
  return AttributeError(name, "relationship object must be a URI or a non-empty array of URIs");
}

Status ValidatePayload(const Attribute& attr, const Context& context, json::value& payload) {
  const std::string& name = attr.name;
  switch (attr.kind) {
    case AttributeKind::kProperty:
      if (payload.is_null()) return AttributeError(name, "a Property needs a non-null value");
      return Status::Ok();
    case AttributeKind::kRelationship:
      return ValidateObjectIri(name, payload);
    case AttributeKind::kListRelationship:
      if (!payload.is_array()) return AttributeError(name, "objectList must be an array");
      return ValidateObjectIri(name, payload);
    case AttributeKind::kGeoProperty: {
      auto geometry = Geometry::FromGeoJson(payload);
      if (!geometry.ok()) return AttributeError(name, geometry.status().message());
      return Status::Ok();
    }
    case AttributeKind::kLanguageProperty: {
      const auto* map = payload.if_object();
      if (map == nullptr || map->empty()) {
        return AttributeError(name, "languageMap must be a non-empty object of language tags");
      }
      for (const auto& [tag, text] : *map) {
        if (tag.empty() || !(text.is_string() || text.is_array())) {
          return AttributeError(name, "languageMap entries must map a language tag to a string");
        }
      }
      return Status::Ok();
    }
    case AttributeKind::kListProperty:
      if (!payload.is_array()) return AttributeError(name, "valueList must be an array");
      return Status::Ok();
    case AttributeKind::kVocabProperty: {
      // vocab values are terms: store them expanded so they compact under any context.
      auto expand = [&](json::value& term) -> Status {
        if (!term.is_string()) return AttributeError(name, "vocab entries must be strings");
        term = json::string(context.ExpandTerm(term.get_string()));
        return Status::Ok();
      };
      if (auto* arr = payload.if_array()) {
        for (auto& term : *arr) CIVITAS_RETURN_IF_ERROR(expand(term));
        return Status::Ok();
      }
      return expand(payload);
    }
    case AttributeKind::kJsonProperty:
      return Status::Ok();
  }
  return Status::Ok();
}

Result<Attribute> ParseInstance(const std::string& name, const json::value& input,
                                const Context& context, SystemTimes times, int depth);

Status ParseSubAttributes(const json::object& obj, const Context& context, SystemTimes times,
                          int depth, Attribute& attr) {
  for (const auto& [key, member] : obj) {
    if (IsKeyword(key)) continue;
    CIVITAS_RETURN_IF_ERROR(ValidateAttributeName(key));
    std::string sub_name = context.ExpandTerm(key);
    CIVITAS_RETURN_IF_ERROR(ValidateExpandedName(sub_name, /*sub_attribute=*/true));
    CIVITAS_ASSIGN_OR_RETURN(Attribute sub,
                             ParseInstance(sub_name, member, context, times, depth + 1));
    attr.sub_attributes.push_back(std::move(sub));
  }
  std::sort(attr.sub_attributes.begin(), attr.sub_attributes.end(),
            [](const Attribute& a, const Attribute& b) { return a.name < b.name; });
  // Two members naming one sub-attribute ("location" and "ngsi-ld:location") would render as
  // one key twice.
  const auto twice = std::adjacent_find(
      attr.sub_attributes.begin(), attr.sub_attributes.end(),
      [](const Attribute& a, const Attribute& b) { return a.name == b.name; });
  if (twice != attr.sub_attributes.end()) {
    return AttributeError(attr.name, "sub-attribute " + Quoted(twice->name) + " is given twice");
  }
  return Status::Ok();
}

// createdAt / modifiedAt of `obj` (the entity's when `name` is empty, else its attribute
// `name`'s), as kept system times.
Status ReadSystemTimes(const json::object& obj, const std::string& name,
                       std::optional<Timestamp>& created_at,
                       std::optional<Timestamp>& modified_at) {
  for (auto [member, time] : {std::pair{"createdAt", &created_at}, {"modifiedAt", &modified_at}}) {
    const json::value* at = obj.if_contains(member);
    if (at == nullptr) continue;
    auto fail = [&](std::string message) {
      return name.empty() ? BadRequestData(std::move(message))
                          : AttributeError(name, std::move(message));
    };
    if (!at->is_string()) return fail(std::string(member) + " must be a date-time string");
    auto t = ParseTimestamp(at->get_string());
    if (!t.ok()) return fail(std::string(member) + ": " + t.status().message());
    *time = *t;
  }
  return Status::Ok();
}

Result<Attribute> ParseInstance(const std::string& name, const json::value& input,
                                const Context& context, SystemTimes times, int depth) {
  constexpr int kMaxDepth = 16;
  if (depth > kMaxDepth) return AttributeError(name, "sub-attributes nested too deeply");
  Attribute attr;
  attr.name = name;
  const auto* obj = input.if_object();
  // Concise forms: a bare value or a bare geometry.
  if (obj == nullptr || IsGeoJsonGeometry(input)) {
    attr.kind = IsGeoJsonGeometry(input) ? AttributeKind::kGeoProperty : AttributeKind::kProperty;
    attr.value = input;
    CIVITAS_RETURN_IF_ERROR(ValidatePayload(attr, context, attr.value));
    return attr;
  }
  std::optional<AttributeKind> kind;
  const json::value* type = obj->if_contains("type");
  if (type == nullptr) type = obj->if_contains("@type");  // the keyword "type" aliases
  if (type != nullptr) {
    if (!type->is_string()) return AttributeError(name, "\"type\" must be a string");
    kind = KindFromTypeMember(type->get_string());
    if (!kind) {
      return AttributeError(name, "unknown attribute type " + Quoted(type->get_string()) +
                                      " (Property, Relationship, GeoProperty, LanguageProperty, "
                                      "ListProperty, ListRelationship, VocabProperty, "
                                      "JsonProperty)");
    }
  } else {
    kind = InferKind(*obj);
  }
  if (!kind) {
    // A JSON object with none of the NGSI-LD members is a concise Property value.
    attr.kind = AttributeKind::kProperty;
    attr.value = input;
    return attr;
  }
  attr.kind = *kind;
  const auto* payload = obj->if_contains(AttributePayloadMember(attr.kind));
  if (payload == nullptr) {
    return AttributeError(name, "a " + std::string(AttributeKindName(attr.kind)) + " needs \"" +
                                    std::string(AttributePayloadMember(attr.kind)) + "\"");
  }
  attr.value = *payload;
  CIVITAS_RETURN_IF_ERROR(ValidatePayload(attr, context, attr.value));
  if (const auto* observed = obj->if_contains("observedAt")) {
    if (!observed->is_string()) return AttributeError(name, "observedAt must be a date-time string");
    auto t = ParseTimestamp(observed->get_string());
    if (!t.ok()) return AttributeError(name, "observedAt: " + t.status().message());
    attr.observed_at = *t;
  }
  if (const auto* unit = obj->if_contains("unitCode")) {
    if (!unit->is_string() || unit->get_string().empty()) {
      return AttributeError(name, "unitCode must be a non-empty string");
    }
    attr.unit_code = unit->get_string();
  }
  if (const auto* dataset = obj->if_contains("datasetId")) {
    if (!dataset->is_string() || !IsUri(dataset->get_string())) {
      return AttributeError(name, "datasetId must be a URI");
    }
    attr.dataset_id = dataset->get_string();
  }
  if (times == SystemTimes::kKept) {
    CIVITAS_RETURN_IF_ERROR(ReadSystemTimes(*obj, name, attr.created_at, attr.modified_at));
  }
  CIVITAS_RETURN_IF_ERROR(ParseSubAttributes(*obj, context, times, depth, attr));
  return attr;
}

// Appends an attribute's instances to `out`, unsorted: the caller sorts and checks datasetIds
// once for all its attributes.
Status AppendInstances(const std::string& expanded_name, const json::value& json,
                       const Context& context, SystemTimes times, std::vector<Attribute>& out) {
  CIVITAS_RETURN_IF_ERROR(ValidateExpandedName(expanded_name, /*sub_attribute=*/false));
  if (const auto* arr = json.if_array();
      arr != nullptr && !arr->empty() && std::all_of(arr->begin(), arr->end(), [](const auto& v) {
        return v.is_object() && !IsGeoJsonGeometry(v) &&
               (v.as_object().contains("type") || InferKind(v.as_object()).has_value());
      })) {
    // An array of attribute objects is a multi-attribute (one instance per datasetId).
    for (const auto& item : *arr) {
      CIVITAS_ASSIGN_OR_RETURN(Attribute a, ParseInstance(expanded_name, item, context, times, 0));
      out.push_back(std::move(a));
    }
    return Status::Ok();
  }
  CIVITAS_ASSIGN_OR_RETURN(Attribute a, ParseInstance(expanded_name, json, context, times, 0));
  out.push_back(std::move(a));
  return Status::Ok();
}

Status AppendAttributes(const json::object& body, const Context& context, bool allow_id_and_type,
                        SystemTimes times, std::vector<Attribute>& out) {
  for (const auto& [key, member] : body) {
    if (key == "@context") continue;
    if (key == "id" || key == "@id" || key == "type" || key == "@type" || key == "scope") {
      if (allow_id_and_type) continue;
      return BadRequestData("\"" + std::string(key) + "\" is not allowed in an attribute fragment");
    }
    if (key == "createdAt" || key == "modifiedAt" || key == "deletedAt") continue;
    CIVITAS_RETURN_IF_ERROR(ValidateAttributeName(key));
    CIVITAS_RETURN_IF_ERROR(AppendInstances(context.ExpandTerm(key), member, context, times, out));
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ParseStringOrArray(const json::value& v, std::string_view what) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.emplace_back(v.get_string());
  } else if (const auto* arr = v.if_array(); arr != nullptr && !arr->empty()) {
    for (const auto& item : *arr) {
      if (!item.is_string()) return BadRequestData(std::string(what) + " entries must be strings");
      out.emplace_back(item.get_string());
    }
  } else {
    return BadRequestData(std::string(what) + " must be a string or a non-empty array of strings");
  }
  for (const auto& s : out) {
    if (s.empty()) return BadRequestData(std::string(what) + " must not be empty");
  }
  return out;
}

void SortUnique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

Status CheckUniqueDatasets(const std::vector<Attribute>& attrs) {
  for (size_t i = 1; i < attrs.size(); ++i) {
    if (attrs[i].name == attrs[i - 1].name && attrs[i].dataset_id == attrs[i - 1].dataset_id) {
      return AttributeError(attrs[i].name, "two instances share the datasetId " +
                                               Quoted(attrs[i].dataset_id.empty()
                                                          ? "(default)"
                                                          : attrs[i].dataset_id));
    }
  }
  return Status::Ok();
}

// Not stable: two instances with one name and datasetId are refused (CheckUniqueDatasets).
void SortByNameAndDataset(std::vector<Attribute>& attrs) {
  auto less = [](const Attribute& a, const Attribute& b) {
    return std::tie(a.name, a.dataset_id) < std::tie(b.name, b.dataset_id);
  };
  if (!std::is_sorted(attrs.begin(), attrs.end(), less)) std::sort(attrs.begin(), attrs.end(), less);
}

}  // namespace

bool IsUri(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(text[0])) return false;
  for (size_t i = 1; i < colon; ++i) {
    char c = text[i];
    if (!(alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) return false;
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '<' || c == '>' || c == '"' || c == '{' ||
        c == '}' || c == '|' || c == '\\' || c == '^' || c == '`') {
      return false;
    }
  }
  return true;
}

Status ValidateAttributeName(std::string_view name) {
  if (name.empty()) return BadRequestData("attribute names must not be empty");
  if (name.front() == '@') {
    return BadRequestData("attribute name " + Quoted(name) + " is a JSON-LD keyword");
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '<' || c == '>' || c == '"' || c == '\'' ||
        c == '=' || c == ';' || c == '(' || c == ')' || c == ' ' || c == '[' || c == ']') {
      return BadRequestData("attribute name " + Quoted(name) +
                            " contains a forbidden character");
    }
  }
  if (name == "createdAt" || name == "modifiedAt" || name == "observedAt" ||
      name == "unitCode" || name == "datasetId") {
    return BadRequestData("attribute name " + Quoted(name) + " is reserved by NGSI-LD");
  }
  return Status::Ok();
}

Result<std::vector<Attribute>> ParseAttribute(std::string expanded_name, const json::value& json,
                                              const Context& context) {
  std::vector<Attribute> out;
  CIVITAS_RETURN_IF_ERROR(
      AppendInstances(expanded_name, json, context, SystemTimes::kIgnored, out));
  SortByNameAndDataset(out);
  CIVITAS_RETURN_IF_ERROR(CheckUniqueDatasets(out));
  return out;
}

Result<std::vector<Attribute>> ParseAttributes(const json::object& body, const Context& context,
                                               bool allow_id_and_type) {
  std::vector<Attribute> out;
  CIVITAS_RETURN_IF_ERROR(
      AppendAttributes(body, context, allow_id_and_type, SystemTimes::kIgnored, out));
  SortByNameAndDataset(out);
  CIVITAS_RETURN_IF_ERROR(CheckUniqueDatasets(out));
  return out;
}

Result<Entity> ParseEntity(const json::object& body, const Context& context, SystemTimes times) {
  Entity entity;
  const json::value* id = body.if_contains("id");
  if (id == nullptr) id = body.if_contains("@id");
  if (id == nullptr) return BadRequestData("the entity has no \"id\"");
  if (!id->is_string() || !IsUri(id->get_string())) {
    return BadRequestData("entity id must be a URI, e.g. urn:ngsi-ld:Type:local-id");
  }
  entity.id = id->get_string();
  const json::value* type = body.if_contains("type");
  if (type == nullptr) type = body.if_contains("@type");
  if (type == nullptr) return BadRequestData("entity " + Quoted(entity.id) + " has no \"type\"");
  CIVITAS_ASSIGN_OR_RETURN(auto types, ParseStringOrArray(*type, "entity type"));
  for (const auto& t : types) entity.types.push_back(context.ExpandTerm(t));
  SortUnique(entity.types);
  if (const auto* scope = body.if_contains("scope")) {
    CIVITAS_ASSIGN_OR_RETURN(entity.scopes, ParseStringOrArray(*scope, "scope"));
    SortUnique(entity.scopes);
  }
  if (times == SystemTimes::kKept) {
    CIVITAS_RETURN_IF_ERROR(ReadSystemTimes(body, "", entity.created_at, entity.modified_at));
  }
  entity.attributes.reserve(body.size());
  CIVITAS_RETURN_IF_ERROR(
      AppendAttributes(body, context, /*allow_id_and_type=*/true, times, entity.attributes));
  SortByNameAndDataset(entity.attributes);
  CIVITAS_RETURN_IF_ERROR(CheckUniqueDatasets(entity.attributes));
  return entity;
}

}  // namespace civitas::model
