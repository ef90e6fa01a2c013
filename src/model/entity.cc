#include "civitas/model/entity.h"

#include <algorithm>
#include <array>
#include <utility>

namespace civitas::model {
namespace {

constexpr std::array<std::pair<AttributeKind, std::string_view>, 8> kKindNames = {{
    {AttributeKind::kProperty, "Property"},
    {AttributeKind::kRelationship, "Relationship"},
    {AttributeKind::kGeoProperty, "GeoProperty"},
    {AttributeKind::kLanguageProperty, "LanguageProperty"},
    {AttributeKind::kListProperty, "ListProperty"},
    {AttributeKind::kListRelationship, "ListRelationship"},
    {AttributeKind::kVocabProperty, "VocabProperty"},
    {AttributeKind::kJsonProperty, "JsonProperty"},
}};

bool NameDatasetLess(const Attribute& a, const Attribute& b) {
  return std::tie(a.name, a.dataset_id) < std::tie(b.name, b.dataset_id);
}

}  // namespace

std::string_view AttributeKindName(AttributeKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "Property";
}

std::optional<AttributeKind> AttributeKindFromName(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::string_view AttributePayloadMember(AttributeKind kind) {
  switch (kind) {
    case AttributeKind::kRelationship:
      return "object";
    case AttributeKind::kLanguageProperty:
      return "languageMap";
    case AttributeKind::kListProperty:
      return "valueList";
    case AttributeKind::kListRelationship:
      return "objectList";
    case AttributeKind::kVocabProperty:
      return "vocab";
    case AttributeKind::kJsonProperty:
      return "json";
    case AttributeKind::kProperty:
    case AttributeKind::kGeoProperty:
      break;
  }
  return "value";
}

const Attribute* Attribute::FindSub(std::string_view sub_name) const {
  for (const auto& sub : sub_attributes) {
    if (sub.name == sub_name) return &sub;
  }
  return nullptr;
}

const Attribute* Entity::Find(std::string_view name, std::string_view dataset_id) const {
  auto it = std::lower_bound(attributes.begin(), attributes.end(), std::pair(name, dataset_id),
                             [](const Attribute& a, const std::pair<std::string_view, std::string_view>& key) {
                               return std::pair<std::string_view, std::string_view>(a.name, a.dataset_id) < key;
                             });
  if (it != attributes.end() && it->name == name && it->dataset_id == dataset_id) return &*it;
  return nullptr;
}

Attribute* Entity::Find(std::string_view name, std::string_view dataset_id) {
  return const_cast<Attribute*>(std::as_const(*this).Find(name, dataset_id));
}

bool Entity::Has(std::string_view name) const {
  auto it = std::lower_bound(attributes.begin(), attributes.end(), name,
                             [](const Attribute& a, std::string_view n) { return a.name < n; });
  return it != attributes.end() && it->name == name;
}

void Entity::SortAttributes() {
  // Most lists come in order already (a history catalog's series, a sorted record's attributes):
  // nothing to move then.
  const auto out_of_order = std::adjacent_find(
      attributes.begin(), attributes.end(),
      [](const Attribute& a, const Attribute& b) { return !NameDatasetLess(a, b); });
  if (out_of_order == attributes.end()) return;
  std::stable_sort(attributes.begin(), attributes.end(), NameDatasetLess);
  // Of equal keys keep the last (the later write).
  std::vector<Attribute> unique;
  unique.reserve(attributes.size());
  for (size_t i = 0; i < attributes.size(); ++i) {
    if (i + 1 < attributes.size() && attributes[i].name == attributes[i + 1].name &&
        attributes[i].dataset_id == attributes[i + 1].dataset_id) {
      continue;
    }
    unique.push_back(std::move(attributes[i]));
  }
  attributes = std::move(unique);
}

}  // namespace civitas::model
