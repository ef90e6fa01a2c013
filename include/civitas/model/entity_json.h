#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "civitas/core/result.h"
#include "civitas/model/context.h"
#include "civitas/model/entity.h"

namespace civitas::model {

// Parsing of NGSI-LD request bodies into the expanded model. Accepts the normalized and the
// concise representations (ETSI GS CIM 009 §4.5.2/§4.5.3): an attribute without "type" is
// inferred from its members ("value" → Property, "object" → Relationship, "languageMap",
// "valueList", "objectList", "vocab", "json"), a bare GeoJSON geometry is a GeoProperty and any
// other bare value a Property. Every name is expanded with `context`. System attributes in the
// input (createdAt, modifiedAt) are ignored, unless kept (below). Errors are kBadRequestData
// naming the attribute.

// Whether the createdAt / modifiedAt members of the input are read: the API stamps its own
// (ignored); an import of an export keeps them (kept: on the entity, every instance and
// sub-attribute, each an ISO 8601 date-time).
enum class SystemTimes { kIgnored, kKept };

// A whole entity (create, upsert, replace): "id" (a URI) and "type" are required.
Result<Entity> ParseEntity(const boost::json::object& body, const Context& context,
                           SystemTimes times = SystemTimes::kIgnored);

// An entity fragment (append, update, merge): attributes only; "id"/"type" are allowed and
// ignored when `allow_id_and_type`, rejected otherwise. The result is sorted by (name, datasetId).
Result<std::vector<Attribute>> ParseAttributes(const boost::json::object& body,
                                               const Context& context, bool allow_id_and_type);

// One attribute (or an array of instances of it) under an already expanded name.
Result<std::vector<Attribute>> ParseAttribute(std::string expanded_name,
                                              const boost::json::value& json,
                                              const Context& context);

// True for an absolute IRI / URI with a scheme, as NGSI-LD requires for entity ids.
bool IsUri(std::string_view text);
// Attribute names may not contain characters that break the API's URLs and q expressions.
Status ValidateAttributeName(std::string_view name);

enum class Representation { kNormalized, kKeyValues, kConcise };

struct RenderOptions {
  Representation representation = Representation::kNormalized;
  bool sys_attrs = false;            // createdAt / modifiedAt on entity and attributes
  std::set<std::string> attrs;       // expanded names to include; empty = all
  std::string lang;                  // LanguageProperty: pick this language ("*" = all)
};

// The entity as a JSON object, names compacted with `context`. No @context member: the caller
// adds it (body for application/ld+json, Link header for application/json).
boost::json::object RenderEntity(const Entity& entity, const Context& context,
                                 const RenderOptions& options);
// The same as text appended to `out`; `last_member` (`"name":value` text, e.g. the @context
// member) is written as the object's last member when not empty.
void AppendEntityJson(std::string& out, const Entity& entity, const Context& context,
                      const RenderOptions& options, std::string_view last_member = {});
// Appends the member `"type":` with `types` compacted: one as a string, others as an array.
void AppendTypeMember(std::string& out, const std::vector<std::string>& types,
                      const Context& context);

}  // namespace civitas::model
