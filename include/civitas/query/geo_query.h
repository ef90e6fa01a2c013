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
// Immutable after parsing; Matches and PlanIndexScan may be called from several threads at once.
struct GeoQuery {
  GeoRelation relation = GeoRelation::kIntersects;
  // For kNear: exactly one of these is set (metres).
  double max_distance_m = -1;
  double min_distance_m = -1;
  model::Geometry reference;
  std::string geoproperty;  // expanded IRI; "https://uri.etsi.org/ngsi-ld/location" by default

  // True when an entity geometry satisfies the relation against `reference` (boundaries closed):
  //   near;maxDistance: DistanceMeters(entity, reference) <= max_distance_m (0 inside polygons)
  //   near;minDistance: DistanceMeters(entity, reference) >= min_distance_m
  //   within: entity lies inside reference;  contains: reference lies inside entity
  //   intersects: they share a point;  disjoint: they do not;  equals: the same point set
  //   overlaps: same dimension, interiors intersect, neither contains the other
  // Point entity vs Point reference with maxDistance does not allocate.
  bool Matches(const model::Geometry& entity_geometry) const;

  // Ranges [first, last] of S2 cell ids (inclusive) to scan in the geo index, such that every
  // matching geometry has an index cell in one of them. Empty `ranges` with `needs_full_scan`
  // true means the index cannot narrow this relation (disjoint, near;minDistance).
  // Built from an S2RegionCoverer covering of the reference (buffered by maxDistance for near):
  // each covering cell contributes [range_min, range_max] (the index cells inside it) and, as
  // one-cell ranges, its ancestors at levels 0..level-1 (the index cells containing it). Sorted
  // and merged, so that the index is read in one ascending sweep.
  // Cost: ~16 us of CPU for a Point near query (S2RegionCoverer dominates): see GeoQueryCache.
  struct IndexPlan {
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    bool needs_full_scan = false;
  };
  IndexPlan PlanIndexScan() const;
};

// Parses georel ("near;maxDistance==1000", "within", ...), geometry, coordinates (the JSON
// array text, already URL-decoded). geoproperty is already expanded by the caller (empty means
// location). kInvalidRequest for georel syntax ("georel: unknown relation 'nearby'",
// "georel: near needs maxDistance or minDistance", "georel: maxDistance 'x' is not a number",
// "georel: minDistance must not be negative"); kBadRequestData for a missing, unknown or
// invalid geometry or coordinates ("coordinates: latitude 95 out of range [-90, 90]").
// GeometryCollection is not a query geometry.
Result<GeoQuery> ParseGeoQuery(std::string_view georel, std::string_view geometry_type,
                               std::string_view coordinates, std::string geoproperty);
// The same from the JSON geoQ object of POST /entityOperations/query and subscriptions
// ({"georel":..., "geometry":..., "coordinates": [...] or "...", "geoproperty":...});
// `expand` turns the geoproperty term into an IRI. Errors as ParseGeoQuery, plus
// "geoQ: must be a JSON object" and wrong member types.
Result<GeoQuery> ParseGeoQueryJson(const boost::json::value& geo_q,
                                   const std::function<std::string(std::string_view)>& expand);

}  // namespace civitas::query
