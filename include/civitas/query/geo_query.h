#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/model/geometry.h"

namespace civitas::query {

enum class GeoRelation { kNear, kWithin, kContains, kIntersects, kDisjoint, kEquals, kOverlaps };

// A parsed NGSI-LD geo-query: georel + geometry + coordinates (+ geoproperty).
struct GeoQuery {
  GeoRelation relation = GeoRelation::kIntersects;
  // For kNear: exactly one of these is set (metres).
  double max_distance_m = -1;
  double min_distance_m = -1;
  model::Geometry reference;
  std::string geoproperty;  // expanded IRI; defaults to the core "location" property

  // True when an entity geometry satisfies the relation against `reference`.
  bool Matches(const model::Geometry& entity_geometry) const;

  // Ranges [first, last] of S2 cell ids (inclusive) to scan in the geo index, plus the exact
  // ancestor cells to look up, such that every matching geometry has an index cell in a range or
  // in the ancestor list. Empty `ranges` and `ancestors` with `needs_full_scan` true means the
  // index cannot narrow this relation (disjoint, near;minDistance).
  struct IndexPlan {
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    std::vector<uint64_t> ancestors;
    bool needs_full_scan = false;
  };
  IndexPlan PlanIndexScan() const;
};

// Parses georel ("near;maxDistance==1000", "within", ...), geometry, coordinates. geoproperty is
// already expanded by the caller (empty means location). kBadRequestData / kInvalidRequest with
// what was wrong: unknown relation, near without a distance, distance not a number, ...
Result<GeoQuery> ParseGeoQuery(std::string_view georel, std::string_view geometry_type,
                               std::string_view coordinates, std::string geoproperty);
// The same from the JSON geoQ object of POST /entityOperations/query and subscriptions
// ({"georel":..., "geometry":..., "coordinates": [...] or "...", "geoproperty":...});
// `expand` turns the geoproperty term into an IRI.
Result<GeoQuery> ParseGeoQueryJson(const boost::json::value& geo_q,
                                   const std::function<std::string(std::string_view)>& expand);

}  // namespace civitas::query
