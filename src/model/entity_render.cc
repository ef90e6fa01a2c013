// Entities as JSON text, written member by member from the model: a page of entities is not
// copied into a DOM first (building, serialising and destroying it was over a third of a
// GET /entities). The DOM form, for callers that edit it, is parsed from that text.

#include <boost/json.hpp>

#include "civitas/model/entity_json.h"
#include "civitas/model/json_text.h"

namespace civitas::model {
namespace json = boost::json;
namespace {

void AppendAttribute(std::string& out, const Attribute& attr, const Context& context,
                     const RenderOptions& options);

// A VocabProperty's IRIs, compacted (what is neither a string nor an array becomes []).
void AppendVocab(std::string& out, const json::value& vocab, const Context& context) {
  if (vocab.is_string()) return AppendJsonString(out, context.CompactIri(vocab.get_string()));
  out.push_back('[');
  if (const auto* arr = vocab.if_array()) {
    for (size_t i = 0; i < arr->size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendVocab(out, (*arr)[i], context);
    }
  }
  out.push_back(']');
}

void AppendPayload(std::string& out, const Attribute& attr, const Context& context) {
  if (attr.kind == AttributeKind::kVocabProperty) return AppendVocab(out, attr.value, context);
  AppendJsonText(out, attr.value);
}

// keyValues of a LanguageProperty: the text in the requested language, else the whole map.
const json::value& LanguageValue(const Attribute& attr, const std::string& lang) {
  const auto* map = attr.value.if_object();
  if (map == nullptr || lang.empty() || lang == "*") return attr.value;
  if (const auto* text = map->if_contains(lang)) return *text;
  if (const auto* fallback = map->if_contains("@none")) return *fallback;
  if (!map->empty()) return map->begin()->value();
  return attr.value;
}

bool HasMetadata(const Attribute& attr, const RenderOptions& options) {
  return attr.observed_at || !attr.unit_code.empty() || !attr.dataset_id.empty() ||
         !attr.sub_attributes.empty() || options.sys_attrs;
}

void AppendTimestampMember(std::string& out, std::string_view name, Timestamp t) {
  AppendJsonStringMember(out, name, FormatTimestamp(t));
}

void AppendFull(std::string& out, const Attribute& attr, const Context& context,
                const RenderOptions& options, bool with_type) {
  out.push_back('{');
  if (attr.kind == AttributeKind::kLanguageProperty && !options.lang.empty() &&
      options.lang != "*") {
    // With lang, a LanguageProperty is rendered as a Property holding the chosen text.
    if (with_type) AppendJsonStringMember(out, "type", "Property");
    AppendJsonKey(out, "value");
    AppendJsonText(out, LanguageValue(attr, options.lang));
    AppendJsonStringMember(out, "lang", options.lang);
  } else {
    if (with_type) AppendJsonStringMember(out, "type", AttributeKindName(attr.kind));
    AppendJsonKey(out, AttributePayloadMember(attr.kind));
    AppendPayload(out, attr, context);
  }
  if (attr.observed_at) AppendTimestampMember(out, "observedAt", *attr.observed_at);
  if (!attr.unit_code.empty()) AppendJsonStringMember(out, "unitCode", attr.unit_code);
  if (!attr.dataset_id.empty()) AppendJsonStringMember(out, "datasetId", attr.dataset_id);
  if (options.sys_attrs) {
    if (attr.created_at) AppendTimestampMember(out, "createdAt", *attr.created_at);
    if (attr.modified_at) AppendTimestampMember(out, "modifiedAt", *attr.modified_at);
  }
  for (const auto& sub : attr.sub_attributes) {
    AppendJsonKey(out, context.CompactIri(sub.name));
    AppendAttribute(out, sub, context, options);
  }
  out.push_back('}');
}

void AppendAttribute(std::string& out, const Attribute& attr, const Context& context,
                     const RenderOptions& options) {
  switch (options.representation) {
    case Representation::kKeyValues:
      if (attr.kind == AttributeKind::kLanguageProperty) {
        return AppendJsonText(out, LanguageValue(attr, options.lang));
      }
      return AppendPayload(out, attr, context);
    case Representation::kConcise:
      // A Property or GeoProperty with nothing but its value is written as the value itself.
      if ((attr.kind == AttributeKind::kProperty || attr.kind == AttributeKind::kGeoProperty) &&
          !HasMetadata(attr, options) && !attr.value.is_object()) {
        return AppendJsonText(out, attr.value);
      }
      if (attr.kind == AttributeKind::kGeoProperty && !HasMetadata(attr, options)) {
        return AppendJsonText(out, attr.value);
      }
      return AppendFull(out, attr, context, options, /*with_type=*/false);
    case Representation::kNormalized:
      break;
  }
  AppendFull(out, attr, context, options, /*with_type=*/true);
}

void AppendStrings(std::string& out, std::string_view name, const std::vector<std::string>& items,
                   const Context* compact_with) {
  AppendJsonKey(out, name);
  auto append = [&](const std::string& s) {
    AppendJsonString(out, compact_with != nullptr ? compact_with->CompactIri(s) : s);
  };
  if (items.size() == 1) return append(items.front());
  out.push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    append(items[i]);
  }
  out.push_back(']');
}

}  // namespace

void AppendTypeMember(std::string& out, const std::vector<std::string>& types,
                      const Context& context) {
  AppendStrings(out, "type", types, &context);
}

void AppendEntityJson(std::string& out, const Entity& entity, const Context& context,
                      const RenderOptions& options, std::string_view last_member) {
  out.push_back('{');
  AppendJsonStringMember(out, "id", entity.id);
  AppendTypeMember(out, entity.types, context);
  if (!entity.scopes.empty()) AppendStrings(out, "scope", entity.scopes, nullptr);
  if (options.sys_attrs) {
    if (entity.created_at) AppendTimestampMember(out, "createdAt", *entity.created_at);
    if (entity.modified_at) AppendTimestampMember(out, "modifiedAt", *entity.modified_at);
  }
  // Attributes are sorted by name, so the instances of one attribute are adjacent.
  for (size_t i = 0; i < entity.attributes.size();) {
    size_t end = i + 1;
    while (end < entity.attributes.size() &&
           entity.attributes[end].name == entity.attributes[i].name) {
      ++end;
    }
    const std::string& name = entity.attributes[i].name;
    if (options.attrs.empty() || options.attrs.count(name) > 0) {
      AppendJsonKey(out, context.CompactIri(name));
      if (end - i > 1) out.push_back('[');
      for (size_t k = i; k < end; ++k) {
        if (k > i) out.push_back(',');
        AppendAttribute(out, entity.attributes[k], context, options);
      }
      if (end - i > 1) out.push_back(']');
    }
    i = end;
  }
  if (!last_member.empty()) {
    out.push_back(',');
    out.append(last_member);
  }
  out.push_back('}');
}

json::object RenderEntity(const Entity& entity, const Context& context,
                          const RenderOptions& options) {
  std::string text;
  AppendEntityJson(text, entity, context, options);
  return json::parse(text).as_object();
}

}  // namespace civitas::model
