#pragma once

// Internal representation of model::Geometry; only src/model includes this file.

#include <memory>
#include <string_view>
#include <vector>

#include <s2/mutable_s2shape_index.h>
#include <s2/s2point.h>
#include <s2/s2polygon.h>
#include <s2/s2polyline.h>

#include "civitas/model/geometry.h"

namespace civitas::model {

// Mean Earth radius (IUGG), the one NGSI-LD distances are measured with.
inline constexpr double kEarthRadiusMeters = 6371008.8;

// Exact equality. S2Point's own operator== is a non-const member, which C++20 (clang's
// -Wambiguous-reversed-operator) finds ambiguous against its reversed form.
inline bool SamePoint(const S2Point& a, const S2Point& b) {
  return a.x() == b.x() && a.y() == b.y() && a.z() == b.z();
}

// Every component is valid S2 (checked while parsing); the index holds all of them.
// A lone Point keeps only `point` and no index: entity locations are mostly points,
// and skipping the index keeps them small and the near-query path allocation-free.
struct Geometry::Impl {
  // 0 points, 1 lines, 2 polygons: the highest dimension of any component.
  int dimension = 0;
  bool single_point = false;
  S2Point point;  // valid when single_point

  std::vector<S2Point> points;
  std::vector<std::unique_ptr<S2Polyline>> polylines;
  // One S2Polygon per GeoJSON Polygon while parsing; Finish() merges them into `polygon`.
  std::vector<std::unique_ptr<S2Polygon>> polygon_parts;
  std::unique_ptr<S2Polygon> polygon;          // union of every polygon part; null when none
  std::unique_ptr<MutableS2ShapeIndex> index;  // null when single_point

  // Merges the polygon parts, adds every component to `index` and builds it, so later const
  // queries never mutate it. kBadRequestData when the parts cannot be merged.
  Status Finish();
};

// Parses a GeoJSON geometry object into `impl` (without building the index).
// `depth` counts GeometryCollection nesting. kBadRequestData on any invalid input.
Status ParseGeoJsonInto(const boost::json::value& geojson, int depth, Geometry::Impl& impl);

}  // namespace civitas::model
