#include "civitas/ingest/csv_mapping.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

#include "civitas/core/time.h"
#include "civitas/model/entity_json.h"

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

int ColumnOf(const std::vector<std::string>& header, const std::string& name) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

Result<double> Number(const std::string& text, const std::string& column) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return BadRequestData("column '" + column + "': not a number");
  }
  return value;
}

}  // namespace

Result<CsvMapping> ParseCsvMapping(std::string_view json_text) {
  boost::system::error_code ec;
  json::value value = json::parse(json_text, ec);
  if (ec) return BadRequestData("mapping: not valid JSON: " + ec.message());
  const json::object* o = value.if_object();
  if (o == nullptr) return BadRequestData("mapping: must be a JSON object");
  CsvMapping m;
  CIVITAS_ASSIGN_OR_RETURN(m.type, OptionalString(*o, "type", "mapping: "));
  CIVITAS_ASSIGN_OR_RETURN(m.id_column, OptionalString(*o, "id", "mapping: "));
  if (m.type.empty() || m.id_column.empty()) {
    return BadRequestData("mapping: \"type\" and \"id\" (the id column) are required");
  }
  CIVITAS_ASSIGN_OR_RETURN(m.id_prefix, OptionalString(*o, "idPrefix", "mapping: "));
  if (m.id_prefix.empty()) m.id_prefix = "urn:ngsi-ld:" + m.type + ":";
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
    CsvAttribute a;
    CIVITAS_ASSIGN_OR_RETURN(a.name, OptionalString(spec.get_object(), "name", where));
    if (a.name.empty()) a.name = std::string(column);
    CIVITAS_RETURN_IF_ERROR(model::ValidateAttributeName(a.name));
    CIVITAS_ASSIGN_OR_RETURN(a.unit_code, OptionalString(spec.get_object(), "unitCode", where));
    CIVITAS_ASSIGN_OR_RETURN(std::string type, OptionalString(spec.get_object(), "type", where));
    if (type == "text") {
      a.type = CsvValueType::kText;
    } else if (type == "boolean") {
      a.type = CsvValueType::kBoolean;
    } else if (!type.empty() && type != "number") {
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

Status CheckCsvHeader(const CsvMapping& m, const std::vector<std::string>& header) {
  std::vector<const std::string*> needed = {&m.id_column};
  for (const std::string* c : {&m.observed_at, &m.longitude, &m.latitude}) {
    if (!c->empty()) needed.push_back(c);
  }
  for (const auto& [column, attribute] : m.attributes) needed.push_back(&column);
  for (const std::string* column : needed) {
    if (ColumnOf(header, *column) < 0) {
      return BadRequestData("the header has no column '" + *column + "' named by the mapping");
    }
  }
  return Status::Ok();
}

Result<model::Entity> CsvRowToEntity(const CsvMapping& m, const std::vector<std::string>& header,
                                     const std::vector<std::string>& row,
                                     const model::Context& core) {
  if (row.size() != header.size()) {
    return BadRequestData("the row has " + std::to_string(row.size()) + " fields, the header " +
                          std::to_string(header.size()));
  }
  auto cell = [&](const std::string& column) -> const std::string& {
    return row[static_cast<size_t>(ColumnOf(header, column))];
  };
  const std::string& local_id = cell(m.id_column);
  if (local_id.empty()) return BadRequestData("column '" + m.id_column + "': empty id");
  json::object entity{{"id", m.id_prefix + local_id}, {"type", m.type}};
  std::string observed;
  if (!m.observed_at.empty()) {
    auto t = ParseTimestamp(cell(m.observed_at));
    if (!t.ok()) return BadRequestData("column '" + m.observed_at + "': not an ISO 8601 instant");
    observed = FormatTimestamp(*t);
  }
  if (!m.longitude.empty()) {
    CIVITAS_ASSIGN_OR_RETURN(double lon, Number(cell(m.longitude), m.longitude));
    CIVITAS_ASSIGN_OR_RETURN(double lat, Number(cell(m.latitude), m.latitude));
    entity["location"] = json::object{
        {"type", "GeoProperty"},
        {"value", json::object{{"type", "Point"}, {"coordinates", json::array{lon, lat}}}}};
  }
  for (const auto& [column, a] : m.attributes) {
    const std::string& text = cell(column);
    if (text.empty()) continue;
    json::object attr{{"type", "Property"}};
    switch (a.type) {
      case CsvValueType::kNumber: {
        CIVITAS_ASSIGN_OR_RETURN(double number, Number(text, column));
        attr["value"] = number;
        break;
      }
      case CsvValueType::kBoolean:
        if (text != "true" && text != "false") {
          return BadRequestData("column '" + column + "': not true or false");
        }
        attr["value"] = text == "true";
        break;
      case CsvValueType::kText:
        attr["value"] = text;
        break;
    }
    if (!a.unit_code.empty()) attr["unitCode"] = a.unit_code;
    if (!observed.empty()) attr["observedAt"] = observed;
    entity[a.name] = std::move(attr);
  }
  return model::ParseEntity(entity, core);
}

}  // namespace civitas::ingest
