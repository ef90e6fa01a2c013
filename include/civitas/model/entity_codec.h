#pragma once

#include <string>
#include <string_view>

#include "civitas/core/result.h"
#include "civitas/model/entity.h"

namespace civitas::model {

// The stored form of an entity (docs/formats/entity-record.md): compact JSON with one-letter
// keys and times as integer microseconds. Encode never fails; Decode returns kInternal when the
// bytes are not a record written by EncodeEntity (storage corruption).
std::string EncodeEntity(const Entity& entity);
Result<Entity> DecodeEntity(std::string_view record);

}  // namespace civitas::model
