#include "civitas/model/entity_codec.h"

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

bool DecodeAttribute(json::object& in, Attribute& a) {
  const auto* name = in.if_contains("n");
  auto* value = in.if_contains("v");
  if (name == nullptr || !name->is_string() || value == nullptr) return false;
  a.name = name->get_string();
  a.value = *value;  // into the entity's own storage (the document's is a scratch arena)
  if (const auto* k = in.if_contains("k")) {
    if (!k->is_int64() || k->get_int64() < 0 ||
        k->get_int64() > static_cast<int>(AttributeKind::kJsonProperty)) {
      return false;
    }
    a.kind = static_cast<AttributeKind>(k->get_int64());
  }
  if (const auto* d = in.if_contains("d"); d && d->is_string()) a.dataset_id = d->get_string();
  if (const auto* o = in.if_contains("o"); o && o->is_int64())
    a.observed_at = FromMicros(o->get_int64());
  if (const auto* u = in.if_contains("u"); u && u->is_string()) a.unit_code = u->get_string();
  if (const auto* c = in.if_contains("c"); c && c->is_int64())
    a.created_at = FromMicros(c->get_int64());
  if (const auto* m = in.if_contains("m"); m && m->is_int64())
    a.modified_at = FromMicros(m->get_int64());
  if (auto* s = in.if_contains("s")) {
    if (!s->is_array()) return false;
    for (auto& sub : s->get_array()) {
      if (!sub.is_object()) return false;
      Attribute decoded;
      if (!DecodeAttribute(sub.get_object(), decoded)) return false;
      a.sub_attributes.push_back(std::move(decoded));
    }
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
  // The document is scratch: parsed into a stack arena, its parts copied into the entity. One
  // allocation per node and its free were half of decoding (reads decode every entity they
  // return).
  unsigned char scratch[4096];
  json::monotonic_resource arena(scratch, sizeof scratch);
  boost::system::error_code ec;
  json::value parsed = json::parse(record, ec, &arena);
  auto corrupt = [&] { return Internal("stored entity record is corrupt"); };
  if (ec || !parsed.is_object()) return corrupt();
  auto& in = parsed.get_object();
  Entity e;
  const auto* id = in.if_contains("i");
  const auto* types = in.if_contains("t");
  auto* attrs = in.if_contains("a");
  if (!id || !id->is_string() || !types || !types->is_array() || !attrs || !attrs->is_array()) {
    return corrupt();
  }
  e.id = id->get_string();
  for (const auto& t : types->get_array()) {
    if (!t.is_string()) return corrupt();
    e.types.emplace_back(t.get_string());
  }
  if (const auto* s = in.if_contains("s"); s && s->is_array()) {
    for (const auto& v : s->get_array()) {
      if (v.is_string()) e.scopes.emplace_back(v.get_string());
    }
  }
  if (const auto* c = in.if_contains("c"); c && c->is_int64())
    e.created_at = FromMicros(c->get_int64());
  if (const auto* m = in.if_contains("m"); m && m->is_int64())
    e.modified_at = FromMicros(m->get_int64());
  e.attributes.reserve(attrs->get_array().size());
  for (auto& a : attrs->get_array()) {
    if (!a.is_object()) return corrupt();
    Attribute decoded;
    if (!DecodeAttribute(a.get_object(), decoded)) return corrupt();
    e.attributes.push_back(std::move(decoded));
  }
  return e;
}

}  // namespace civitas::model
