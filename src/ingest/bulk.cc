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

// Kept system times must be possible ones: none later than now (give or take an hour of clock
// skew between the exporting and the importing machine), no modifiedAt before its createdAt.
// A future write time would, among others, hold the history's modifiedAt bands open.
Status CheckKeptTimes(const std::optional<Timestamp>& created_at,
                      const std::optional<Timestamp>& modified_at, Timestamp latest,
                      std::string_view whose) {
  for (const auto& [member, time] :
       {std::pair{"createdAt", &created_at}, {"modifiedAt", &modified_at}}) {
    if (*time && **time > latest) {
      return BadRequestData(std::string(member) + std::string(whose) + " is in the future");
    }
  }
  if (created_at && modified_at && *modified_at < *created_at) {
    return BadRequestData("modifiedAt" + std::string(whose) + " is before its createdAt");
  }
  return Status::Ok();
}

Status CheckKeptTimes(const std::vector<model::Attribute>& attributes, Timestamp latest) {
  for (const model::Attribute& attribute : attributes) {
    const std::string whose = " of attribute '" + attribute.name + "'";
    CIVITAS_RETURN_IF_ERROR(
        CheckKeptTimes(attribute.created_at, attribute.modified_at, latest, whose));
    CIVITAS_RETURN_IF_ERROR(CheckKeptTimes(attribute.sub_attributes, latest));
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
  // An export's system times are kept: a restore does not move them to the import's time, nor
  // add a history instance at it for each attribute without observedAt.
  CIVITAS_ASSIGN_OR_RETURN(model::Entity entity,
                           model::ParseEntity(*object, *context, model::SystemTimes::kKept));
  CIVITAS_RETURN_IF_ERROR(CheckExpandedNames(entity.attributes));
  const Timestamp latest = Clock::System().Now() + std::chrono::hours(1);
  CIVITAS_RETURN_IF_ERROR(CheckKeptTimes(entity.created_at, entity.modified_at, latest, ""));
  CIVITAS_RETURN_IF_ERROR(CheckKeptTimes(entity.attributes, latest));
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
