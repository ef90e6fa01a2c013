#pragma once

#include <span>
#include <string>
#include <string_view>

#include "civitas/core/result.h"
#include "civitas/model/entity.h"

namespace civitas::model {

// The stored form of an entity (docs/formats/entity-record.md): a binary record, every value
// kept exactly (doubles by their bits). Encode never fails. Decode also reads the JSON records
// written before the binary one, and returns kInternal when the bytes are neither (storage
// corruption). `only`, when not empty, keeps just the attributes of those (expanded) names: the
// others' values are read past undecoded, so damage inside them goes unnoticed (a reader that
// renders a few attributes of many entities). Thread-safe.
std::string EncodeEntity(const Entity& entity);
Result<Entity> DecodeEntity(std::string_view record, std::span<const std::string> only = {});
// What DecodeEntity(EncodeEntity(entity), only) returns, copied from a decoded entity.
Entity ProjectEntity(const Entity& entity, std::span<const std::string> only);

}  // namespace civitas::model
