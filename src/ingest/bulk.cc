#include "civitas/ingest/bulk.h"

#include <boost/json.hpp>

#include "civitas/model/entity_json.h"
#include "civitas/model/json_text.h"

namespace civitas::ingest {
namespace {

namespace json = boost::json;

// An inline @context can expand a term to an IRI the API would refuse as a name; such an
// entity could be stored but not exported and imported back, nor queried with q.
Status CheckExpandedNames(const std::vector<model::Attribute>& attributes) {
  for (const model::Attribute& attribute : attributes) {
    if (Status valid = model::ValidateAttributeName(attribute.name); !valid.ok()) {
      return BadRequestData("the @context expands an attribute name to an unusable IRI: " +
                            std::string(valid.message()));
    }
    CIVITAS_RETURN_IF_ERROR(CheckExpandedNames(attribute.sub_attributes));
  }
  return Status::Ok();
}

// The createdAt / modifiedAt a record carries (a civitas export has them), or none.
Status ReadSystemTimes(const json::object& object, std::optional<Timestamp>& created_at,
                       std::optional<Timestamp>& modified_at) {
  for (auto [member, time] : {std::pair{"createdAt", &created_at}, {"modifiedAt", &modified_at}}) {
    const json::value* at = object.if_contains(member);
    if (at == nullptr) continue;
    const std::string problem = std::string(member) + " must be an ISO 8601 date-time";
    if (!at->is_string()) return BadRequestData(problem);
    Result<Timestamp> parsed = ParseTimestamp(at->get_string());
    if (!parsed.ok()) return BadRequestData(problem);
    *time = *parsed;
  }
  return Status::Ok();
}

Status ReadAttributeTimes(const json::object& instance, const model::Context& context,
                          model::Attribute& attribute) {
  CIVITAS_RETURN_IF_ERROR(ReadSystemTimes(instance, attribute.created_at, attribute.modified_at));
  for (model::Attribute& sub : attribute.sub_attributes) {
    const json::value* member = instance.if_contains(context.CompactIri(sub.name));
    if (member == nullptr || !member->is_object()) continue;
    CIVITAS_RETURN_IF_ERROR(ReadAttributeTimes(member->get_object(), context, sub));
  }
  return Status::Ok();
}

// ParseEntity leaves the system times out (the API stamps its own); a restore keeps those of
// the export, so that an attribute without observedAt keeps the time of its last change, and
// its history gains no instance at the time of the import.
Status ReadEntityTimes(const json::object& object, const model::Context& context,
                       model::Entity& entity) {
  CIVITAS_RETURN_IF_ERROR(ReadSystemTimes(object, entity.created_at, entity.modified_at));
  for (model::Attribute& attribute : entity.attributes) {
    const json::value* member = object.if_contains(context.CompactIri(attribute.name));
    if (member == nullptr) member = object.if_contains(attribute.name);
    if (member == nullptr) continue;
    // One instance, or an array of them told apart by datasetId.
    const json::object* instance = member->if_object();
    if (const json::array* instances = member->if_array()) {
      for (const json::value& item : *instances) {
        const json::object* candidate = item.if_object();
        const json::value* dataset = candidate ? candidate->if_contains("datasetId") : nullptr;
        const std::string_view id =
            dataset && dataset->is_string() ? std::string_view(dataset->get_string()) : "";
        if (candidate != nullptr && id == attribute.dataset_id) instance = candidate;
      }
    }
    if (instance != nullptr) {
      CIVITAS_RETURN_IF_ERROR(ReadAttributeTimes(*instance, context, attribute));
    }
  }
  return Status::Ok();
}

Result<model::Entity> EntityFromValue(json::value& value, model::ContextStore& contexts) {
  json::object* object = value.if_object();
  if (object == nullptr) return BadRequestData("an entity must be a JSON object");
  std::shared_ptr<const model::Context> context = contexts.Core();
  if (const json::value* ld = object->if_contains("@context")) {
    CIVITAS_ASSIGN_OR_RETURN(context, contexts.Resolve(*ld));
    object->erase("@context");
  }
  CIVITAS_ASSIGN_OR_RETURN(model::Entity entity, model::ParseEntity(*object, *context));
  CIVITAS_RETURN_IF_ERROR(CheckExpandedNames(entity.attributes));
  CIVITAS_RETURN_IF_ERROR(ReadEntityTimes(*object, *context, entity));
  return entity;
}

Result<json::value> ParseJson(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) return BadRequestData("not valid JSON: " + ec.message());
  return value;
}

}  // namespace

Result<model::Entity> ParseImportEntity(std::string_view json_text, model::ContextStore& contexts) {
  CIVITAS_ASSIGN_OR_RETURN(json::value value, ParseJson(json_text));
  return EntityFromValue(value, contexts);
}

std::vector<ImportRecord> ParseImportDocument(std::string_view json_text,
                                              model::ContextStore& contexts) {
  std::vector<ImportRecord> records;
  auto value = ParseJson(json_text);
  if (!value.ok()) {
    records.push_back({1, value.status()});
    return records;
  }
  if (json::array* array = value->if_array()) {
    int64_t position = 0;
    for (json::value& element : *array)
      records.push_back({++position, EntityFromValue(element, contexts)});
    return records;
  }
  if (value->is_object()) {
    records.push_back({1, EntityFromValue(*value, contexts)});
    return records;
  }
  records.push_back({1, BadRequestData("a JSON document must hold an entity or an array of them")});
  return records;
}

bool IsBlankLine(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::string EntityJsonLine(const model::Entity& entity, const model::Context& context,
                           std::string_view context_url) {
  std::string context_member = "\"@context\":";
  model::AppendJsonString(context_member, context_url);
  std::string line;
  model::RenderOptions options;
  options.sys_attrs = true;  // a restore keeps them
  model::AppendEntityJson(line, entity, context, options, context_member);
  return line;
}

std::string EntityGeoJsonFeature(const model::Entity& entity, const model::Context& context) {
  json::object feature{{"type", "Feature"}, {"id", entity.id}};
  const model::Attribute* geo = entity.Find(model::iri::kLocation);
  feature["geometry"] = geo != nullptr && geo->kind == model::AttributeKind::kGeoProperty
                            ? geo->value
                            : json::value(nullptr);
  model::RenderOptions key_values;
  key_values.representation = model::Representation::kKeyValues;
  json::object properties = model::RenderEntity(entity, context, key_values);
  properties.erase("location");
  feature["properties"] = std::move(properties);
  return model::ToJsonText(feature);
}

}  // namespace civitas::ingest
