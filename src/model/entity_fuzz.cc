// Fuzzes the NGSI-LD entity parser: any bytes either fail cleanly or yield an entity whose
// stored record and rendering round-trip.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json.hpp>

#include "civitas/core/check.h"
#include "civitas/model/context.h"
#include "civitas/model/entity_codec.h"
#include "civitas/model/entity_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto contexts = civitas::model::OpenContextStore("");
  CIVITAS_CHECK(contexts.ok());
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = 64;
  auto json = boost::json::parse(
      std::string_view(reinterpret_cast<const char*>(data), size), ec, {}, options);
  if (ec || !json.is_object()) return 0;
  auto context = (*contexts)->Core();
  if (const auto* inline_context = json.as_object().if_contains("@context")) {
    auto resolved = (*contexts)->Resolve(*inline_context);
    if (!resolved.ok()) return 0;
    context = *resolved;
  }
  auto entity = civitas::model::ParseEntity(json.as_object(), *context);
  if (!entity.ok()) {
    CIVITAS_CHECK(!entity.status().message().empty());
    return 0;
  }
  entity->SortAttributes();
  auto decoded = civitas::model::DecodeEntity(civitas::model::EncodeEntity(*entity));
  CIVITAS_CHECK(decoded.ok());
  CIVITAS_CHECK(decoded->id == entity->id);
  CIVITAS_CHECK(decoded->attributes.size() == entity->attributes.size());
  for (auto representation : {civitas::model::Representation::kNormalized,
                              civitas::model::Representation::kKeyValues,
                              civitas::model::Representation::kConcise}) {
    civitas::model::RenderOptions render;
    render.representation = representation;
    auto rendered = civitas::model::RenderEntity(*decoded, *context, render);
    CIVITAS_CHECK(rendered.contains("id"));
  }
  // The normalized rendering parses back into the same attributes.
  auto normalized = civitas::model::RenderEntity(*decoded, *context, {});
  auto reparsed = civitas::model::ParseEntity(normalized, *context);
  CIVITAS_CHECK(reparsed.ok());
  CIVITAS_CHECK(reparsed->attributes.size() == decoded->attributes.size());
  return 0;
}
