#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "civitas/core/result.h"

namespace civitas::model {

// A GeoJSON geometry (RFC 7946: Point, MultiPoint, LineString, MultiLineString, Polygon,
// MultiPolygon, GeometryCollection) validated and converted to S2 on the unit sphere.
// Coordinates are [longitude, latitude(, altitude ignored)] in WGS 84 degrees.
// Immutable; cheap to move. Thread-compatible.
class Geometry {
 public:
  // kBadRequestData with a precise message for anything that is not a valid GeoJSON geometry
  // (wrong type name, wrong nesting, |lat| > 90, |lon| > 180, open or too-short rings, ...).
  static Result<Geometry> FromGeoJson(const boost::json::value& geojson);
  // From the query parameters `geometry=Point` and `coordinates=[8.68,49.41]`.
  static Result<Geometry> FromParams(std::string_view geometry_type, std::string_view coordinates);

  Geometry(Geometry&&) noexcept;
  Geometry& operator=(Geometry&&) noexcept;
  ~Geometry();

  // S2 cell ids (S2CellId::id()) whose union covers the geometry; what the geo index stores.
  // A Point yields its leaf cell; other shapes a covering of at most 16 cells.
  std::vector<uint64_t> IndexCells() const;

  // Topological predicates of the NGSI-LD georel (ETSI GS CIM 009 §4.10, DE-9IM semantics).
  bool Intersects(const Geometry& other) const;
  bool Within(const Geometry& other) const;    // this lies inside other
  bool Contains(const Geometry& other) const;  // other lies inside this
  bool Equals(const Geometry& other) const;
  bool Overlaps(const Geometry& other) const;
  // Shortest great-circle distance in metres between the two shapes (0 when they intersect).
  double DistanceMeters(const Geometry& other) const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Geometry(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace civitas::model
