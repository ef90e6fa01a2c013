// Fuzzes the stored entity record decoder with arbitrary bytes (storage corruption): a record
// decodes to an entity or to kInternal, never a crash; what decodes re-encodes to a record that
// decodes to the same encoding, and decodes projected onto its first attribute to the entity
// without the others.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/check.h"
#include "civitas/model/entity_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto decoded =
      civitas::model::DecodeEntity(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!decoded.ok()) {
    CIVITAS_CHECK(decoded.status().code() == civitas::StatusCode::kInternal);
    return 0;
  }
  const std::string record = civitas::model::EncodeEntity(*decoded);
  auto again = civitas::model::DecodeEntity(record);
  CIVITAS_CHECK(again.ok());
  CIVITAS_CHECK(civitas::model::EncodeEntity(*again) == record);
  if (decoded->attributes.empty()) return 0;
  const std::vector<std::string> only = {decoded->attributes.front().name};
  auto projected = civitas::model::DecodeEntity(
      std::string_view(reinterpret_cast<const char*>(data), size), only);
  CIVITAS_CHECK(projected.ok());
  std::erase_if(decoded->attributes, [&](const auto& a) { return a.name != only.front(); });
  CIVITAS_CHECK(civitas::model::EncodeEntity(*projected) ==
                civitas::model::EncodeEntity(*decoded));
  return 0;
}
