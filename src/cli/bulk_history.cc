#include "bulk_history.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>

#include "civitas/model/entity_json.h"
#include "civitas/model/json_text.h"

namespace civitas::cli {
namespace {

namespace json = boost::json;

constexpr size_t kPage = 500;

// RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled.
std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A text sample holds the JSON text of its value.
json::value ValueOfText(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  return ec ? json::value(json::string(text)) : value;
}

}  // namespace

Status WriteHistory(store::Store& store, const model::Context& core, const HistoryExport& what,
                    FILE* out, const std::function<void(int64_t)>& progress) {
  auto reader = store.ReadTemporal(what.tenant);
  const bool csv = what.csv;
  if (csv) std::fputs("id,type,attribute,datasetId,observedAt,value,unitCode,modifiedAt\n", out);
  int64_t written = 0;
  std::string after;
  for (;;) {
    std::vector<store::TemporalEntity> entities;
    CIVITAS_RETURN_IF_ERROR(reader->ScanEntities(after, [&](store::TemporalEntity entity) {
      entities.push_back(std::move(entity));
      return entities.size() < kPage;
    }));
    for (const store::TemporalEntity& entity : entities) {
      const std::string& id = entity.id;
      if (!what.type.empty() &&
          std::find(entity.types.begin(), entity.types.end(), what.type) == entity.types.end()) {
        continue;
      }
      std::string type = entity.types.empty() ? "" : core.CompactIri(entity.types.front());
      // Every type, so a restore gives the entity all of them (JSON Lines only: CSV keeps one
      // column).
      json::value types(type);
      if (entity.types.size() > 1) {
        json::array all;
        for (const std::string& t : entity.types) all.emplace_back(core.CompactIri(t));
        types = std::move(all);
      }
      for (const store::TemporalSeries& series : entity.series) {
        const std::string attr = core.CompactIri(series.attr);
        Status status =
            reader->Samples(id, series, what.from_us, what.to_us, [&](const store::Sample& sample) {
              std::string at = FormatTimestampUs(sample.timestamp_us);
              std::string modified = sample.modified_at_us == store::kNoModifiedAt
                                         ? ""
                                         : FormatTimestampUs(sample.modified_at_us);
              json::value value = sample.kind == store::SampleKind::kNumber
                                      ? json::value(sample.number)
                                      : ValueOfText(sample.text);
              std::string line;
              if (csv) {
                std::string shown =
                    value.is_string() ? std::string(value.as_string()) : model::ToJsonText(value);
                line = CsvField(id) + "," + CsvField(type) + "," + CsvField(attr) + "," +
                       CsvField(series.dataset_id) + "," + at + "," + CsvField(shown) + "," +
                       CsvField(series.unit_code) + "," + modified + "\n";
              } else {
                json::object record{{"id", id}, {"type", types}, {"attribute", attr}};
                // Property, the kind of most history, is left out as datasetId and unitCode
                // are when default: a reader must take its absence as Property anyway (exports
                // before it had none).
                if (series.kind != model::AttributeKind::kProperty)
                  record["attributeType"] = model::AttributeKindName(series.kind);
                if (!series.dataset_id.empty()) record["datasetId"] = series.dataset_id;
                record["observedAt"] = at;
                record["value"] = std::move(value);
                if (!series.unit_code.empty()) record["unitCode"] = series.unit_code;
                if (!modified.empty()) record["modifiedAt"] = modified;
                line = model::ToJsonText(record) + "\n";
              }
              std::fputs(line.c_str(), out);
              ++written;
              return true;
            });
        CIVITAS_RETURN_IF_ERROR(status);
      }
      progress(written);
    }
    if (entities.size() < kPage) break;
    after = entities.back().id;
  }
  return Status::Ok();
}

Result<HistoryRecord> ParseHistoryRecord(std::string_view line, const model::Context& core) {
  boost::system::error_code ec;
  json::value parsed = json::parse(line, ec);
  if (ec) return BadRequestData("not valid JSON: " + ec.message());
  const json::object* record = parsed.if_object();
  if (record == nullptr) return BadRequestData("a history record must be a JSON object");
  const json::value* attribute = record->if_contains("attribute");
  const std::string_view name = attribute != nullptr && attribute->is_string()
                                    ? std::string_view(attribute->get_string())
                                    : std::string_view();
  // The entity's own members would be read as those, not as an attribute.
  if (name.empty() || name == "id" || name == "type" || name == "scope" || name.starts_with('@')) {
    return BadRequestData("attribute must name an attribute");
  }
  model::AttributeKind kind = model::AttributeKind::kProperty;
  if (const json::value* type = record->if_contains("attributeType")) {
    auto named =
        type->is_string() ? model::AttributeKindFromName(type->get_string()) : std::nullopt;
    if (!named) {
      return BadRequestData(
          "attributeType must be Property, Relationship, GeoProperty, LanguageProperty, "
          "ListProperty, ListRelationship, VocabProperty or JsonProperty");
    }
    kind = *named;
  }
  const json::value* value = record->if_contains("value");
  if (value == nullptr) return BadRequestData("the record has no value");
  // The times are parsed here rather than by ParseEntity, whose reasons quote them.
  auto time = [&](std::string_view member) -> Result<std::optional<Timestamp>> {
    const json::value* at = record->if_contains(member);
    if (at == nullptr) return std::optional<Timestamp>();
    if (at->is_string()) {
      if (auto t = ParseTimestamp(at->get_string()); t.ok()) return std::optional<Timestamp>(*t);
    }
    return BadRequestData(std::string(member) + " must be an ISO 8601 date-time");
  };
  CIVITAS_ASSIGN_OR_RETURN(std::optional<Timestamp> observed_at, time("observedAt"));
  if (!observed_at) return BadRequestData("the record has no observedAt");
  CIVITAS_ASSIGN_OR_RETURN(std::optional<Timestamp> modified_at, time("modifiedAt"));

  // The record as the one-attribute entity the API (and the entity import) would be sent, so it
  // is checked and kept as they keep it.
  json::object instance{{"type", model::AttributeKindName(kind)},
                        {model::AttributePayloadMember(kind), *value}};
  for (std::string_view member : {"datasetId", "unitCode"}) {
    if (const json::value* v = record->if_contains(member)) instance[member] = *v;
  }
  json::object entity;
  for (std::string_view member : {"id", "type"}) {
    if (const json::value* v = record->if_contains(member)) entity[member] = *v;
  }
  entity[name] = std::move(instance);
  CIVITAS_ASSIGN_OR_RETURN(model::Entity parsed_entity, model::ParseEntity(entity, core));
  // ParseEntity skips system members (createdAt, ...).
  if (parsed_entity.attributes.size() != 1)
    return BadRequestData("attribute must name an attribute");
  model::Attribute& parsed_attribute = parsed_entity.attributes.front();
  parsed_attribute.observed_at = observed_at;
  parsed_attribute.modified_at = modified_at;
  HistoryRecord out{std::move(parsed_entity.id), std::move(parsed_entity.types),
                    *store::TemporalInstanceOf(parsed_attribute),  // it has an observedAt
                    record->contains("attributeType")};
  return out;
}

}  // namespace civitas::cli
