#include <boost/json.hpp>

#include "civitas/model/entity_json.h"

namespace civitas::model {
namespace json = boost::json;
namespace {

json::value CompactVocab(const json::value& vocab, const Context& context) {
  if (vocab.is_string()) return json::string(context.CompactIri(vocab.get_string()));
  json::array out;
  if (const auto* arr = vocab.if_array()) {
    for (const auto& v : *arr) out.push_back(CompactVocab(v, context));
  }
  return out;
}

json::value PayloadFor(const Attribute& attr, const Context& context) {
  if (attr.kind == AttributeKind::kVocabProperty) return CompactVocab(attr.value, context);
  return attr.value;
}

// keyValues of a LanguageProperty: the text in the requested language, else the whole map.
json::value LanguageValue(const Attribute& attr, const std::string& lang) {
  const auto* map = attr.value.if_object();
  if (map == nullptr || lang.empty() || lang == "*") return attr.value;
  if (const auto* text = map->if_contains(lang)) return *text;
  if (const auto* fallback = map->if_contains("@none")) return *fallback;
  if (!map->empty()) return map->begin()->value();
  return attr.value;
}

json::value KeyValue(const Attribute& attr, const Context& context, const RenderOptions& options) {
  if (attr.kind == AttributeKind::kLanguageProperty) return LanguageValue(attr, options.lang);
  return PayloadFor(attr, context);
}

bool HasMetadata(const Attribute& attr, const RenderOptions& options) {
  return attr.observed_at || !attr.unit_code.empty() || !attr.dataset_id.empty() ||
         !attr.sub_attributes.empty() || options.sys_attrs;
}

json::object RenderFull(const Attribute& attr, const Context& context,
                        const RenderOptions& options, bool with_type) {
  json::object out;
  if (with_type) out["type"] = AttributeKindName(attr.kind);
  if (attr.kind == AttributeKind::kLanguageProperty && !options.lang.empty() &&
      options.lang != "*") {
    // With lang, a LanguageProperty is rendered as a Property holding the chosen text.
    if (with_type) out["type"] = "Property";
    out["value"] = LanguageValue(attr, options.lang);
    out["lang"] = options.lang;
  } else {
    out[AttributePayloadMember(attr.kind)] = PayloadFor(attr, context);
  }
  if (attr.observed_at) out["observedAt"] = FormatTimestamp(*attr.observed_at);
  if (!attr.unit_code.empty()) out["unitCode"] = attr.unit_code;
  if (!attr.dataset_id.empty()) out["datasetId"] = attr.dataset_id;
  if (options.sys_attrs) {
    if (attr.created_at) out["createdAt"] = FormatTimestamp(*attr.created_at);
    if (attr.modified_at) out["modifiedAt"] = FormatTimestamp(*attr.modified_at);
  }
  for (const auto& sub : attr.sub_attributes) {
    out[context.CompactIri(sub.name)] = RenderAttribute(sub, context, options);
  }
  return out;
}

}  // namespace

json::value RenderAttribute(const Attribute& attr, const Context& context,
                            const RenderOptions& options) {
  switch (options.representation) {
    case Representation::kKeyValues:
      return KeyValue(attr, context, options);
    case Representation::kConcise:
      // A Property or GeoProperty with nothing but its value is written as the value itself.
      if ((attr.kind == AttributeKind::kProperty || attr.kind == AttributeKind::kGeoProperty) &&
          !HasMetadata(attr, options) && !attr.value.is_object()) {
        return attr.value;
      }
      if (attr.kind == AttributeKind::kGeoProperty && !HasMetadata(attr, options)) {
        return attr.value;
      }
      return RenderFull(attr, context, options, /*with_type=*/false);
    case Representation::kNormalized:
      break;
  }
  return RenderFull(attr, context, options, /*with_type=*/true);
}

json::object RenderEntity(const Entity& entity, const Context& context,
                          const RenderOptions& options) {
  json::object out;
  out.reserve(entity.attributes.size() + 4);
  out["id"] = entity.id;
  if (entity.types.size() == 1) {
    out["type"] = context.CompactIri(entity.types.front());
  } else {
    json::array types;
    for (const auto& t : entity.types) types.emplace_back(context.CompactIri(t));
    out["type"] = std::move(types);
  }
  if (!entity.scopes.empty()) {
    if (entity.scopes.size() == 1) {
      out["scope"] = entity.scopes.front();
    } else {
      json::array scopes;
      for (const auto& s : entity.scopes) scopes.emplace_back(s);
      out["scope"] = std::move(scopes);
    }
  }
  if (options.sys_attrs) {
    if (entity.created_at) out["createdAt"] = FormatTimestamp(*entity.created_at);
    if (entity.modified_at) out["modifiedAt"] = FormatTimestamp(*entity.modified_at);
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
      std::string key = context.CompactIri(name);
      if (end - i == 1) {
        out[key] = RenderAttribute(entity.attributes[i], context, options);
      } else {
        json::array instances;
        for (size_t k = i; k < end; ++k) {
          instances.push_back(RenderAttribute(entity.attributes[k], context, options));
        }
        out[key] = std::move(instances);
      }
    }
    i = end;
  }
  return out;
}

}  // namespace civitas::model
