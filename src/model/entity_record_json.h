#pragma once

#include <boost/json/value.hpp>
#include <string_view>

#include "civitas/core/result.h"
#include "civitas/model/entity.h"

// Internal to src/model: the JSON side of the entity record codec.
namespace civitas::model::internal {

// Decodes a JSON entity record (what EncodeEntity wrote before 2026-12-06; such records start
// with '{'). kInternal when the bytes are not one.
Result<Entity> DecodeJsonEntityRecord(std::string_view record);

// Parses JSON text (as AppendJsonText writes it) into `out`, held in the default memory
// resource. False, `out` unchanged, when the text is not JSON.
bool ParseJsonValue(std::string_view text, boost::json::value& out);

}  // namespace civitas::model::internal
