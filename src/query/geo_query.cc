#include "civitas/query/geo_query.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <s2/s2cell_id.h>

namespace civitas::query {
namespace {

constexpr std::string_view kCoreLocation = "https://uri.etsi.org/ngsi-ld/location";
// Coverings of the query region: more cells fit the region tighter (fewer false candidates) but
// cost planning time, ranges and ancestors. A near cap with 8 cells covers ~1.5x the cap's area
// in ~20 us of S2RegionCoverer time; arbitrary shapes get a few more cells.
constexpr int kNearMaxCells = 8;
constexpr int kShapeMaxCells = 12;
// Widens near;maxDistance coverings so that float rounding at the rim can never drop a match.
constexpr double kNearSlackMeters = 1.0;

struct RelationName {
  std::string_view name;
  GeoRelation relation;
};
constexpr RelationName kRelations[] = {
    {"near", GeoRelation::kNear},         {"within", GeoRelation::kWithin},
    {"contains", GeoRelation::kContains}, {"intersects", GeoRelation::kIntersects},
    {"disjoint", GeoRelation::kDisjoint}, {"equals", GeoRelation::kEquals},
    {"overlaps", GeoRelation::kOverlaps},
};

struct ParsedGeorel {
  GeoRelation relation = GeoRelation::kIntersects;
  double max_distance_m = -1;
  double min_distance_m = -1;
};

Result<double> ParseDistance(std::string_view name, std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return InvalidRequest("georel: " + std::string(name) + " '" + std::string(text) +
                          "' is not a number");
  }
  if (value < 0) {
    return InvalidRequest("georel: " + std::string(name) + " must not be negative");
  }
  return value;
}

Result<ParsedGeorel> ParseGeorel(std::string_view georel) {
  if (georel.empty()) return InvalidRequest("georel: missing");
  const size_t semi = georel.find(';');
  const std::string_view name = georel.substr(0, semi);
  const RelationName* found = nullptr;
  for (const RelationName& r : kRelations) {
    if (r.name == name) found = &r;
  }
  if (found == nullptr) {
    return InvalidRequest("georel: unknown relation '" + std::string(name) + "'");
  }
  ParsedGeorel out;
  out.relation = found->relation;
  if (out.relation != GeoRelation::kNear) {
    if (semi != std::string_view::npos) {
      return InvalidRequest("georel: " + std::string(name) + " takes no modifier");
    }
    return out;
  }
  if (semi == std::string_view::npos) {
    return InvalidRequest("georel: near needs maxDistance or minDistance");
  }
  const std::string_view modifier = georel.substr(semi + 1);
  const size_t eq = modifier.find("==");
  if (eq == std::string_view::npos) {
    return InvalidRequest(
        "georel: expected near;maxDistance==<metres> or "
        "near;minDistance==<metres>");
  }
  const std::string_view key = modifier.substr(0, eq);
  const std::string_view value = modifier.substr(eq + 2);
  if (key == "maxDistance") {
    CIVITAS_ASSIGN_OR_RETURN(out.max_distance_m, ParseDistance(key, value));
  } else if (key == "minDistance") {
    CIVITAS_ASSIGN_OR_RETURN(out.min_distance_m, ParseDistance(key, value));
  } else {
    return InvalidRequest("georel: unknown near modifier '" + std::string(key) + "'");
  }
  return out;
}

GeoQuery Assemble(const ParsedGeorel& georel, model::Geometry reference, std::string geoproperty) {
  return GeoQuery{georel.relation, georel.max_distance_m, georel.min_distance_m,
                  std::move(reference),
                  geoproperty.empty() ? std::string(kCoreLocation) : std::move(geoproperty)};
}

void SortAndMerge(std::vector<std::pair<uint64_t, uint64_t>>& ranges) {
  std::sort(ranges.begin(), ranges.end());
  size_t n = 0;
  for (const auto& r : ranges) {
    if (n > 0 && r.first <= ranges[n - 1].second) {
      ranges[n - 1].second = std::max(ranges[n - 1].second, r.second);
    } else {
      ranges[n++] = r;
    }
  }
  ranges.resize(n);
}

}  // namespace

Result<GeoQuery> ParseGeoQuery(std::string_view georel, std::string_view geometry_type,
                               std::string_view coordinates, std::string geoproperty) {
  CIVITAS_ASSIGN_OR_RETURN(ParsedGeorel parsed, ParseGeorel(georel));
  if (geometry_type == "GeometryCollection") {
    return BadRequestData("geometry: GeometryCollection is not a query geometry");
  }
  CIVITAS_ASSIGN_OR_RETURN(model::Geometry reference,
                           model::Geometry::FromParams(geometry_type, coordinates));
  return Assemble(parsed, std::move(reference), std::move(geoproperty));
}

Result<GeoQuery> ParseGeoQueryJson(const boost::json::value& geo_q,
                                   const std::function<std::string(std::string_view)>& expand) {
  const boost::json::object* obj = geo_q.if_object();
  if (obj == nullptr) return BadRequestData("geoQ: must be a JSON object");
  auto string_member = [&](std::string_view key) -> const boost::json::string* {
    const boost::json::value* v = obj->if_contains(key);
    return v == nullptr ? nullptr : v->if_string();
  };
  const boost::json::value* georel_value = obj->if_contains("georel");
  if (georel_value == nullptr) return InvalidRequest("georel: missing");
  const boost::json::string* georel = georel_value->if_string();
  if (georel == nullptr) return InvalidRequest("georel: must be a string");
  CIVITAS_ASSIGN_OR_RETURN(ParsedGeorel parsed, ParseGeorel(georel->subview()));

  const boost::json::value* geometry_value = obj->if_contains("geometry");
  if (geometry_value == nullptr) return BadRequestData("geometry: missing");
  const boost::json::string* geometry = string_member("geometry");
  if (geometry == nullptr) return BadRequestData("geometry: must be a string");
  if (*geometry == "GeometryCollection") {
    return BadRequestData("geometry: GeometryCollection is not a query geometry");
  }
  const boost::json::value* coordinates = obj->if_contains("coordinates");
  if (coordinates == nullptr) return BadRequestData("coordinates: missing");

  std::string geoproperty;
  if (const boost::json::value* gp = obj->if_contains("geoproperty")) {
    if (!gp->is_string()) return BadRequestData("geoproperty: must be a string");
    if (!gp->as_string().empty()) geoproperty = expand(gp->as_string().subview());
  }

  if (const boost::json::string* text = coordinates->if_string()) {
    CIVITAS_ASSIGN_OR_RETURN(model::Geometry reference,
                             model::Geometry::FromParams(geometry->subview(), text->subview()));
    return Assemble(parsed, std::move(reference), std::move(geoproperty));
  }
  if (!coordinates->is_array()) {
    return BadRequestData("coordinates: must be an array or a string holding one");
  }
  boost::json::object geojson;
  geojson["type"] = *geometry;
  geojson["coordinates"] = *coordinates;
  Result<model::Geometry> reference = model::Geometry::FromGeoJson(geojson);
  if (!reference.ok()) {
    if (reference.status().message().rfind("type: ", 0) == 0) {
      return BadRequestData("geometry: unknown geometry type '" + std::string(geometry->subview()) +
                            "'");
    }
    return reference.status();
  }
  return Assemble(parsed, std::move(reference).value(), std::move(geoproperty));
}

bool GeoQuery::Matches(const model::Geometry& entity_geometry) const {
  switch (relation) {
    case GeoRelation::kNear:
      if (max_distance_m >= 0) return entity_geometry.DistanceAtMost(reference, max_distance_m);
      if (min_distance_m >= 0) return entity_geometry.DistanceMeters(reference) >= min_distance_m;
      return false;
    case GeoRelation::kWithin:
      return entity_geometry.Within(reference);
    case GeoRelation::kContains:
      return entity_geometry.Contains(reference);
    case GeoRelation::kIntersects:
      return entity_geometry.Intersects(reference);
    case GeoRelation::kDisjoint:
      return !entity_geometry.Intersects(reference);
    case GeoRelation::kEquals:
      return entity_geometry.Equals(reference);
    case GeoRelation::kOverlaps:
      return entity_geometry.Overlaps(reference);
  }
  return false;
}

GeoQuery::IndexPlan GeoQuery::PlanIndexScan() const {
  IndexPlan plan;
  std::vector<uint64_t> cells;
  switch (relation) {
    case GeoRelation::kDisjoint:
      plan.needs_full_scan = true;
      return plan;
    case GeoRelation::kNear:
      if (max_distance_m < 0) {
        plan.needs_full_scan = true;
        return plan;
      }
      cells = reference.QueryCovering(max_distance_m + kNearSlackMeters, kNearMaxCells);
      break;
    case GeoRelation::kWithin:
    case GeoRelation::kContains:
    case GeoRelation::kIntersects:
    case GeoRelation::kEquals:
    case GeoRelation::kOverlaps:
      // Each of these implies that the entity shares a point with the reference, so it has an
      // index cell that is a descendant or an ancestor of some cell covering the reference.
      cells = reference.QueryCovering(0, kShapeMaxCells);
      break;
  }
  plan.ranges.reserve(cells.size() * 16);
  for (uint64_t raw : cells) {
    const S2CellId cell(raw);
    plan.ranges.emplace_back(cell.range_min().id(), cell.range_max().id());
    for (int level = 0; level < cell.level(); ++level) {
      const uint64_t ancestor = cell.parent(level).id();
      plan.ranges.emplace_back(ancestor, ancestor);
    }
  }
  SortAndMerge(plan.ranges);
  return plan;
}

}  // namespace civitas::query
