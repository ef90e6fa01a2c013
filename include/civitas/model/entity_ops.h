#pragma once

#include <string>
#include <vector>

#include "civitas/model/entity.h"

namespace civitas::model {

// The NGSI-LD update semantics (ETSI GS CIM 009 §5.6), as pure functions on the expanded model.
// `now` stamps createdAt/modifiedAt. Attributes passed in are sorted by (name, datasetId).

// A new entity: createdAt = modifiedAt = now on the entity and every attribute.
void StampNew(Entity& entity, Timestamp now);

// An imported entity: `now` where the entity, an attribute or a sub-attribute has no createdAt
// or modifiedAt; the times an exported record carried are kept.
void StampMissing(Entity& entity, Timestamp now);

// Replace (PUT /entities/{id}): `replacement` keeps `current`'s createdAt.
void StampReplacement(const Entity& current, Entity& replacement, Timestamp now);

struct NotUpdated {
  std::string name;    // expanded attribute name
  std::string reason;
};

enum class AttributeWriteMode {
  kAppendOverwrite,  // POST /attrs: add, replacing existing instances
  kAppendKeep,       // POST /attrs?options=noOverwrite: add only new instances
  kUpdateExisting,   // PATCH /attrs: replace existing instances only
  kMerge,            // PATCH /entities/{id}: add or merge into existing, sub-attributes kept
};

// Applies `attrs` to `entity` according to `mode`; names that were not applied go to the
// result. A Property whose value is the string "urn:ngsi-ld:null" deletes that instance under
// kMerge. Returns true when the entity changed.
bool WriteAttributes(Entity& entity, std::vector<Attribute> attrs, AttributeWriteMode mode,
                     Timestamp now, std::vector<NotUpdated>& not_updated);

// Partial update of one instance (PATCH /attrs/{attrId}): members present in `patch` replace
// those of the existing instance; sub-attributes merge. false when no such instance.
bool PatchAttribute(Entity& entity, const Attribute& patch, Timestamp now);

// Removes an attribute: the instance with `dataset_id`, or every instance when `all`.
// false when nothing matched.
bool DeleteAttribute(Entity& entity, std::string_view name, std::string_view dataset_id, bool all,
                     Timestamp now);

}  // namespace civitas::model
