// The JSON entity records written before 2026-12-06 (docs/formats/entity-record.md, "JSON
// records"), read with simdjson; and JSON text values of binary records.
#include "src/model/entity_record_json.h"

#include <simdjson.h>

#include <boost/json.hpp>

namespace civitas::model::internal {
namespace json = boost::json;
namespace {

// One parser per thread keeps its buffers warm; the input is copied into its padding.
simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

Timestamp FromMicros(int64_t v) { return Timestamp{std::chrono::microseconds{v}}; }

// A stored value, copied into the entity's own storage.
json::value ValueOf(simdjson::dom::element in) {
  using Type = simdjson::dom::element_type;
  switch (in.type()) {
    case Type::OBJECT: {
      const simdjson::dom::object members = in.get_object().value_unsafe();
      json::object out;
      out.reserve(members.size());
      for (const auto member : members) out.emplace(member.key, ValueOf(member.value));
      return out;
    }
    case Type::ARRAY: {
      const simdjson::dom::array items = in.get_array().value_unsafe();
      json::array out;
      out.reserve(items.size());
      for (const auto item : items) out.push_back(ValueOf(item));
      return out;
    }
    case Type::STRING:
      return json::string(in.get_string().value_unsafe());
    case Type::INT64:
      return in.get_int64().value_unsafe();
    case Type::UINT64:
      return in.get_uint64().value_unsafe();
    case Type::DOUBLE:
      return in.get_double().value_unsafe();
    case Type::BOOL:
      return in.get_bool().value_unsafe();
    case Type::NULL_VALUE:
      break;
  }
  return nullptr;
}

// Optional members: absent or of another type leaves `out` as it is.
void ReadString(simdjson::dom::element in, std::string& out) {
  std::string_view s;
  if (in.get(s) == simdjson::SUCCESS) out = s;
}
void ReadTime(simdjson::dom::element in, std::optional<Timestamp>& out) {
  int64_t micros = 0;
  if (in.get(micros) == simdjson::SUCCESS) out = FromMicros(micros);
}
void ReadStrings(simdjson::dom::element in, std::vector<std::string>& out) {
  simdjson::dom::array items;
  if (in.get(items) != simdjson::SUCCESS) return;
  for (const auto item : items) {
    std::string_view s;
    if (item.get(s) == simdjson::SUCCESS) out.emplace_back(s);
  }
}

bool DecodeAttributes(simdjson::dom::element in, std::vector<Attribute>& out);

// The record's keys are single letters (EncodeEntity); members are read in one pass.
bool DecodeAttribute(simdjson::dom::object in, Attribute& a) {
  bool named = false, valued = false;
  for (const auto member : in) {
    if (member.key.size() != 1) continue;
    const simdjson::dom::element v = member.value;
    switch (member.key[0]) {
      case 'n': {
        std::string_view name;
        if (v.get(name) != simdjson::SUCCESS) return false;
        a.name = name;
        named = true;
        break;
      }
      case 'v':
        a.value = ValueOf(v);
        valued = true;
        break;
      case 'k': {
        int64_t kind = 0;
        if (v.get(kind) != simdjson::SUCCESS || kind < 0 ||
            kind > static_cast<int>(AttributeKind::kJsonProperty)) {
          return false;
        }
        a.kind = static_cast<AttributeKind>(kind);
        break;
      }
      case 'd':
        ReadString(v, a.dataset_id);
        break;
      case 'o':
        ReadTime(v, a.observed_at);
        break;
      case 'u':
        ReadString(v, a.unit_code);
        break;
      case 'c':
        ReadTime(v, a.created_at);
        break;
      case 'm':
        ReadTime(v, a.modified_at);
        break;
      case 's':
        if (!DecodeAttributes(v, a.sub_attributes)) return false;
        break;
      default:
        break;
    }
  }
  return named && valued;
}

// An array of attribute objects.
bool DecodeAttributes(simdjson::dom::element in, std::vector<Attribute>& out) {
  simdjson::dom::array items;
  if (in.get(items) != simdjson::SUCCESS) return false;
  out.reserve(items.size());
  for (const auto item : items) {
    simdjson::dom::object fields;
    if (item.get(fields) != simdjson::SUCCESS) return false;
    Attribute decoded;
    if (!DecodeAttribute(fields, decoded)) return false;
    out.push_back(std::move(decoded));
  }
  return true;
}

}  // namespace

bool ParseJsonValue(std::string_view text, json::value& out) {
  simdjson::dom::element in;
  if (ThreadParser().parse(text.data(), text.size()).get(in) != simdjson::SUCCESS) return false;
  out = ValueOf(in);
  return true;
}

Result<Entity> DecodeJsonEntityRecord(std::string_view record) {
  simdjson::dom::parser& parser = ThreadParser();
  auto corrupt = [] { return Internal("stored entity record is corrupt"); };
  simdjson::dom::object in;
  if (parser.parse(record.data(), record.size()).get(in) != simdjson::SUCCESS) return corrupt();
  Entity e;
  bool has_id = false, has_types = false, has_attributes = false;
  for (const auto member : in) {
    if (member.key.size() != 1) continue;
    const simdjson::dom::element v = member.value;
    switch (member.key[0]) {
      case 'i': {
        std::string_view id;
        if (v.get(id) != simdjson::SUCCESS) return corrupt();
        e.id = id;
        has_id = true;
        break;
      }
      case 't': {
        simdjson::dom::array types;
        if (v.get(types) != simdjson::SUCCESS) return corrupt();
        for (const auto t : types) {
          std::string_view type;
          if (t.get(type) != simdjson::SUCCESS) return corrupt();
          e.types.emplace_back(type);
        }
        has_types = true;
        break;
      }
      case 's':
        ReadStrings(v, e.scopes);
        break;
      case 'c':
        ReadTime(v, e.created_at);
        break;
      case 'm':
        ReadTime(v, e.modified_at);
        break;
      case 'a':
        if (!DecodeAttributes(v, e.attributes)) return corrupt();
        has_attributes = true;
        break;
      default:
        break;
    }
  }
  if (!has_id || !has_types || !has_attributes) return corrupt();
  return e;
}

}  // namespace civitas::model::internal
