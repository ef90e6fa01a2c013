#include "civitas/model/entity_ops.h"

#include <algorithm>

namespace civitas::model {
namespace {

constexpr std::string_view kNull = "urn:ngsi-ld:null";

void StampAttribute(Attribute& attr, std::optional<Timestamp> created, Timestamp now) {
  attr.created_at = created ? created : now;
  attr.modified_at = now;
  for (auto& sub : attr.sub_attributes) StampAttribute(sub, std::nullopt, now);
}

void StampMissingAttribute(Attribute& attr, Timestamp now) {
  if (!attr.created_at) attr.created_at = now;
  if (!attr.modified_at) attr.modified_at = now;
  for (auto& sub : attr.sub_attributes) StampMissingAttribute(sub, now);
}

bool IsNullValue(const Attribute& attr) {
  return attr.value.is_string() && attr.value.get_string() == kNull;
}

// Merges `patch` into `target`: payload and meta members replace, sub-attributes merge by name.
void MergeInto(Attribute& target, Attribute patch, Timestamp now) {
  target.kind = patch.kind;
  target.value = std::move(patch.value);
  if (patch.observed_at) target.observed_at = patch.observed_at;
  if (!patch.unit_code.empty()) target.unit_code = std::move(patch.unit_code);
  for (auto& sub : patch.sub_attributes) {
    auto it = std::find_if(target.sub_attributes.begin(), target.sub_attributes.end(),
                           [&](const Attribute& s) { return s.name == sub.name; });
    if (it == target.sub_attributes.end()) {
      StampAttribute(sub, std::nullopt, now);
      target.sub_attributes.push_back(std::move(sub));
    } else if (IsNullValue(sub)) {
      target.sub_attributes.erase(it);
    } else {
      MergeInto(*it, std::move(sub), now);
    }
  }
  std::sort(target.sub_attributes.begin(), target.sub_attributes.end(),
            [](const Attribute& a, const Attribute& b) { return a.name < b.name; });
  target.modified_at = now;
}

}  // namespace

void StampNew(Entity& entity, Timestamp now) {
  entity.created_at = now;
  entity.modified_at = now;
  for (auto& attr : entity.attributes) StampAttribute(attr, std::nullopt, now);
}

void StampMissing(Entity& entity, Timestamp now) {
  if (!entity.created_at) entity.created_at = now;
  if (!entity.modified_at) entity.modified_at = now;
  for (auto& attr : entity.attributes) StampMissingAttribute(attr, now);
}

void StampReplacement(const Entity& current, Entity& replacement, Timestamp now) {
  StampNew(replacement, now);
  replacement.created_at = current.created_at;
}

bool WriteAttributes(Entity& entity, std::vector<Attribute> attrs, AttributeWriteMode mode,
                     Timestamp now, std::vector<NotUpdated>& not_updated) {
  bool changed = false;
  for (auto& attr : attrs) {
    Attribute* existing = entity.Find(attr.name, attr.dataset_id);
    switch (mode) {
      case AttributeWriteMode::kAppendKeep:
        if (existing != nullptr) {
          not_updated.push_back({attr.name, "attribute exists and noOverwrite was requested"});
          continue;
        }
        break;
      case AttributeWriteMode::kUpdateExisting:
        if (existing == nullptr) {
          not_updated.push_back({attr.name, "attribute does not exist on the entity"});
          continue;
        }
        break;
      case AttributeWriteMode::kMerge:
        if (IsNullValue(attr)) {
          if (existing != nullptr) {
            DeleteAttribute(entity, attr.name, attr.dataset_id, false, now);
            changed = true;
          }
          continue;
        }
        if (existing != nullptr) {
          MergeInto(*existing, std::move(attr), now);
          changed = true;
          continue;
        }
        break;
      case AttributeWriteMode::kAppendOverwrite:
        break;
    }
    if (existing != nullptr) {
      StampAttribute(attr, existing->created_at, now);
      *existing = std::move(attr);
    } else {
      StampAttribute(attr, std::nullopt, now);
      entity.attributes.push_back(std::move(attr));
      entity.SortAttributes();
    }
    changed = true;
  }
  if (changed) entity.modified_at = now;
  return changed;
}

bool PatchAttribute(Entity& entity, const Attribute& patch, Timestamp now) {
  Attribute* existing = entity.Find(patch.name, patch.dataset_id);
  if (existing == nullptr) return false;
  MergeInto(*existing, patch, now);
  entity.modified_at = now;
  return true;
}

bool DeleteAttribute(Entity& entity, std::string_view name, std::string_view dataset_id, bool all,
                     Timestamp now) {
  auto before = entity.attributes.size();
  std::erase_if(entity.attributes, [&](const Attribute& a) {
    return a.name == name && (all || a.dataset_id == dataset_id);
  });
  bool removed = entity.attributes.size() != before;
  if (removed) entity.modified_at = now;
  return removed;
}

}  // namespace civitas::model
