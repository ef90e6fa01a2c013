#include "civitas/model/entity_codec.h"

#include <simdjson.h>

#include <boost/json.hpp>
#include <charconv>

#include "civitas/model/json_text.h"

namespace civitas::model {
namespace json = boost::json;
namespace {

int64_t Micros(Timestamp t) { return t.time_since_epoch().count(); }
Timestamp FromMicros(int64_t v) { return Timestamp{std::chrono::microseconds{v}}; }

// The record is written straight to text (no DOM): encoding was a tenth of an ingest write.
// `key` is the record's first member; AppendField for the others.
void AppendKey(std::string& out, char key) {
  out += '"';
  out += key;
  out += "\":";
}
void AppendField(std::string& out, char key) {
  out += ',';
  AppendKey(out, key);
}
void AppendInt(std::string& out, int64_t v) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
  out.append(digits, end);
}
void AppendTime(std::string& out, char key, const std::optional<Timestamp>& t) {
  if (!t) return;
  AppendField(out, key);
  AppendInt(out, Micros(*t));
}
void AppendStrings(std::string& out, const std::vector<std::string>& v) {
  out += '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, v[i]);
  }
  out += ']';
}

void AppendAttribute(std::string& out, const Attribute& a);
void AppendAttributes(std::string& out, const std::vector<Attribute>& attributes) {
  out += '[';
  for (size_t i = 0; i < attributes.size(); ++i) {
    if (i > 0) out += ',';
    AppendAttribute(out, attributes[i]);
  }
  out += ']';
}

void AppendAttribute(std::string& out, const Attribute& a) {
  out += '{';
  AppendKey(out, 'n');
  AppendJsonString(out, a.name);
  if (a.kind != AttributeKind::kProperty) {
    AppendField(out, 'k');
    AppendInt(out, static_cast<int>(a.kind));
  }
  AppendField(out, 'v');
  AppendJsonText(out, a.value);
  if (!a.dataset_id.empty()) {
    AppendField(out, 'd');
    AppendJsonString(out, a.dataset_id);
  }
  AppendTime(out, 'o', a.observed_at);
  if (!a.unit_code.empty()) {
    AppendField(out, 'u');
    AppendJsonString(out, a.unit_code);
  }
  AppendTime(out, 'c', a.created_at);
  AppendTime(out, 'm', a.modified_at);
  if (!a.sub_attributes.empty()) {
    AppendField(out, 's');
    AppendAttributes(out, a.sub_attributes);
  }
  out += '}';
}

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

std::string EncodeEntity(const Entity& e) {
  std::string out;
  out.reserve(256);
  out += '{';
  AppendKey(out, 'i');
  AppendJsonString(out, e.id);
  AppendField(out, 't');
  AppendStrings(out, e.types);
  if (!e.scopes.empty()) {
    AppendField(out, 's');
    AppendStrings(out, e.scopes);
  }
  AppendTime(out, 'c', e.created_at);
  AppendTime(out, 'm', e.modified_at);
  AppendField(out, 'a');
  AppendAttributes(out, e.attributes);
  out += '}';
  return out;
}

Result<Entity> DecodeEntity(std::string_view record) {
  // simdjson: reads decode every entity they return, and boost::json's parse was over half of
  // that. One parser per thread keeps its buffers warm; the record is copied into its padding.
  thread_local simdjson::dom::parser parser;
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

}  // namespace civitas::model
