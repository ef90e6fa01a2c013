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
void AppendKey(std::string& out, char key) {
  out += '"';
  out += key;
  out += "\":";
}
void AppendInt(std::string& out, int64_t v) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
  out.append(digits, end);
}
void AppendStrings(std::string& out, const std::vector<std::string>& v) {
  out += '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, v[i]);
  }
  out += ']';
}

void AppendAttribute(std::string& out, const Attribute& a) {
  out += '{';
  AppendKey(out, 'n');
  AppendJsonString(out, a.name);
  if (a.kind != AttributeKind::kProperty) {
    out += ',';
    AppendKey(out, 'k');
    AppendInt(out, static_cast<int>(a.kind));
  }
  out += ',';
  AppendKey(out, 'v');
  AppendJsonText(out, a.value);
  if (!a.dataset_id.empty()) {
    out += ',';
    AppendKey(out, 'd');
    AppendJsonString(out, a.dataset_id);
  }
  auto time = [&](char key, const std::optional<Timestamp>& t) {
    if (!t) return;
    out += ',';
    AppendKey(out, key);
    AppendInt(out, Micros(*t));
  };
  time('o', a.observed_at);
  if (!a.unit_code.empty()) {
    out += ',';
    AppendKey(out, 'u');
    AppendJsonString(out, a.unit_code);
  }
  time('c', a.created_at);
  time('m', a.modified_at);
  if (!a.sub_attributes.empty()) {
    out += ',';
    AppendKey(out, 's');
    out += '[';
    for (size_t i = 0; i < a.sub_attributes.size(); ++i) {
      if (i > 0) out += ',';
      AppendAttribute(out, a.sub_attributes[i]);
    }
    out += ']';
  }
  out += '}';
}

bool DecodeAttribute(json::object& in, Attribute& a) {
  const auto* name = in.if_contains("n");
  auto* value = in.if_contains("v");
  if (name == nullptr || !name->is_string() || value == nullptr) return false;
  a.name = name->get_string();
  // The parsed document is discarded after decoding: move the value instead of copying it.
  a.value = std::move(*value);
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
  out += ',';
  AppendKey(out, 't');
  AppendStrings(out, e.types);
  if (!e.scopes.empty()) {
    out += ',';
    AppendKey(out, 's');
    AppendStrings(out, e.scopes);
  }
  if (e.created_at) {
    out += ',';
    AppendKey(out, 'c');
    AppendInt(out, Micros(*e.created_at));
  }
  if (e.modified_at) {
    out += ',';
    AppendKey(out, 'm');
    AppendInt(out, Micros(*e.modified_at));
  }
  out += ',';
  AppendKey(out, 'a');
  out += '[';
  for (size_t i = 0; i < e.attributes.size(); ++i) {
    if (i > 0) out += ',';
    AppendAttribute(out, e.attributes[i]);
  }
  out += "]}";
  return out;
}

Result<Entity> DecodeEntity(std::string_view record) {
  boost::system::error_code ec;
  json::value parsed = json::parse(record, ec);
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
