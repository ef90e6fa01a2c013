#include "civitas/model/entity_codec.h"

#include <boost/json.hpp>

#include "civitas/model/json_text.h"

namespace civitas::model {
namespace json = boost::json;
namespace {

int64_t Micros(Timestamp t) { return t.time_since_epoch().count(); }
Timestamp FromMicros(int64_t v) { return Timestamp{std::chrono::microseconds{v}}; }

json::object EncodeAttribute(const Attribute& a) {
  json::object out;
  out["n"] = a.name;
  if (a.kind != AttributeKind::kProperty) out["k"] = static_cast<int>(a.kind);
  out["v"] = a.value;
  if (!a.dataset_id.empty()) out["d"] = a.dataset_id;
  if (a.observed_at) out["o"] = Micros(*a.observed_at);
  if (!a.unit_code.empty()) out["u"] = a.unit_code;
  if (a.created_at) out["c"] = Micros(*a.created_at);
  if (a.modified_at) out["m"] = Micros(*a.modified_at);
  if (!a.sub_attributes.empty()) {
    json::array subs;
    for (const auto& s : a.sub_attributes) subs.push_back(EncodeAttribute(s));
    out["s"] = std::move(subs);
  }
  return out;
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
  if (const auto* o = in.if_contains("o"); o && o->is_int64()) a.observed_at = FromMicros(o->get_int64());
  if (const auto* u = in.if_contains("u"); u && u->is_string()) a.unit_code = u->get_string();
  if (const auto* c = in.if_contains("c"); c && c->is_int64()) a.created_at = FromMicros(c->get_int64());
  if (const auto* m = in.if_contains("m"); m && m->is_int64()) a.modified_at = FromMicros(m->get_int64());
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

json::array Strings(const std::vector<std::string>& v) {
  json::array out;
  for (const auto& s : v) out.emplace_back(s);
  return out;
}

}  // namespace

std::string EncodeEntity(const Entity& e) {
  json::object out;
  out["i"] = e.id;
  out["t"] = Strings(e.types);
  if (!e.scopes.empty()) out["s"] = Strings(e.scopes);
  if (e.created_at) out["c"] = Micros(*e.created_at);
  if (e.modified_at) out["m"] = Micros(*e.modified_at);
  json::array attrs;
  for (const auto& a : e.attributes) attrs.push_back(EncodeAttribute(a));
  out["a"] = std::move(attrs);
  return ToJsonText(out);
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
  if (const auto* c = in.if_contains("c"); c && c->is_int64()) e.created_at = FromMicros(c->get_int64());
  if (const auto* m = in.if_contains("m"); m && m->is_int64()) e.modified_at = FromMicros(m->get_int64());
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
