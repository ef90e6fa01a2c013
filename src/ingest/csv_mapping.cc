#include "civitas/ingest/csv_mapping.h"

#include <boost/json.hpp>

namespace civitas::ingest {
namespace {

namespace json = boost::json;

Result<std::string> OptionalString(const json::object& o, std::string_view key,
                                   std::string_view where) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::string();
  if (!v->is_string() || v->get_string().empty()) {
    return BadRequestData(std::string(where) + "\"" + std::string(key) +
                          "\" must be a non-empty string");
  }
  return std::string(v->get_string());
}

}  // namespace

Result<IngestMappingConfig> ParseCsvMapping(std::string_view json_text) {
  boost::system::error_code ec;
  json::value value = json::parse(json_text, ec);
  if (ec) return BadRequestData("mapping: not valid JSON: " + ec.message());
  const json::object* o = value.if_object();
  if (o == nullptr) return BadRequestData("mapping: must be a JSON object");
  IngestMappingConfig m;
  m.keep_unmapped = false;
  CIVITAS_ASSIGN_OR_RETURN(m.type, OptionalString(*o, "type", "mapping: "));
  CIVITAS_ASSIGN_OR_RETURN(std::string id, OptionalString(*o, "id", "mapping: "));
  if (m.type.empty() || id.empty()) {
    return BadRequestData("mapping: \"type\" and \"id\" (the id column) are required");
  }
  m.measurement = m.type;
  m.id = {id};
  CIVITAS_ASSIGN_OR_RETURN(m.id_prefix, OptionalString(*o, "idPrefix", "mapping: "));
  CIVITAS_ASSIGN_OR_RETURN(m.observed_at, OptionalString(*o, "observedAt", "mapping: "));
  CIVITAS_ASSIGN_OR_RETURN(m.longitude, OptionalString(*o, "longitude", "mapping: "));
  CIVITAS_ASSIGN_OR_RETURN(m.latitude, OptionalString(*o, "latitude", "mapping: "));
  if (m.longitude.empty() != m.latitude.empty()) {
    return BadRequestData("mapping: \"longitude\" and \"latitude\" go together");
  }
  const json::value* attributes = o->if_contains("attributes");
  if (attributes == nullptr || !attributes->is_object() || attributes->get_object().empty()) {
    return BadRequestData("mapping: \"attributes\" must be an object of at least one column");
  }
  for (const auto& [column, spec] : attributes->get_object()) {
    std::string where = "mapping: attributes." + std::string(column) + ": ";
    if (!spec.is_object()) return BadRequestData(where + "must be an object");
    IngestAttributeConfig a;
    CIVITAS_ASSIGN_OR_RETURN(a.name, OptionalString(spec.get_object(), "name", where));
    CIVITAS_ASSIGN_OR_RETURN(a.unit_code, OptionalString(spec.get_object(), "unitCode", where));
    CIVITAS_ASSIGN_OR_RETURN(a.type, OptionalString(spec.get_object(), "type", where));
    if (a.type.empty()) a.type = "number";
    if (a.type != "number" && a.type != "text" && a.type != "boolean") {
      return BadRequestData(where + "\"type\" must be number, text or boolean");
    }
    m.attributes.emplace(std::string(column), std::move(a));
  }
  return m;
}

Result<std::vector<std::string>> ParseCsvRecord(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string> fields(1);
  size_t i = 0;
  while (i <= line.size()) {
    std::string& field = fields.back();
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) {
          return BadRequestData("field " + std::to_string(fields.size()) + ": unterminated quote");
        }
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      if (i < line.size() && line[i] != ',') {
        return BadRequestData("field " + std::to_string(fields.size()) +
                              ": text after the closing quote");
      }
    } else {
      while (i < line.size() && line[i] != ',') field += line[i++];
    }
    if (i >= line.size()) break;
    ++i;  // the comma
    fields.emplace_back();
  }
  return fields;
}

}  // namespace civitas::ingest
