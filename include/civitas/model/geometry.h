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
//
// Normalisation: repeated consecutive positions are dropped; a linear ring always bounds the
// smaller of its two areas, whatever its orientation (much real data is clockwise); the parts of
// a MultiPolygon (or the polygons of a GeometryCollection) are merged into one polygon, unioned
// if they overlap. Edges are geodesics (great-circle arcs), not straight lines in lon/lat.
//
// Predicates treat boundaries as part of a shape (closed model): a point on a polygon's edge or
// vertex intersects it and lies within it. Distances use a spherical Earth of mean radius
// 6371008.8 m.
//
// Immutable; cheap to move. Const methods may be called from several threads at once.
class Geometry {
 public:
  // kBadRequestData with a precise message for anything that is not a valid GeoJSON geometry:
  //   "type: unknown geometry type 'Circle'", "coordinates: latitude 95 out of range [-90, 90]",
  //   "coordinates: a linear ring must be closed (first and last positions equal)",
  //   "coordinates: invalid linear ring: Edge 0 crosses edge 2", empty coordinate arrays, holes
  //   outside their exterior ring, GeometryCollections nested more than 8 deep, ...
  // Never aborts, whatever the input.
  static Result<Geometry> FromGeoJson(const boost::json::value& geojson);
  // From the query parameters `geometry=Point` and `coordinates=[8.68,49.41]` (already
  // URL-decoded JSON text). Every type but GeometryCollection. kBadRequestData as above, plus
  // "geometry: missing", "coordinates: not valid JSON".
  static Result<Geometry> FromParams(std::string_view geometry_type, std::string_view coordinates);

  Geometry(Geometry&&) noexcept;
  Geometry& operator=(Geometry&&) noexcept;
  ~Geometry();

  // S2 cell ids (S2CellId::id()) whose union covers the geometry; what the geo index stores.
  // A Point (or a MultiPoint of one position) yields its leaf cell (level 30); other shapes an
  // S2RegionCoverer covering of at most 16 cells of level <= 20.
  std::vector<uint64_t> IndexCells() const;

  // S2 cell ids, at most `max_cells` (>= 1), whose union covers every point within
  // `buffer_meters` of the geometry (0: the geometry itself; a Point then yields its leaf cell).
  // For query planning; ~ a few microseconds for a Point.
  std::vector<uint64_t> QueryCovering(double buffer_meters, int max_cells) const;

  // Topological predicates of the NGSI-LD georel (ETSI GS CIM 009 §4.10), closed boundaries:
  bool Intersects(const Geometry& other) const;  // the shapes share at least one point
  bool Within(const Geometry& other) const;      // every point of this lies in other
  bool Contains(const Geometry& other) const;    // every point of other lies in this
  bool Equals(const Geometry& other) const;      // the same point set (orientation, start vertex
                                                 // and vertex repetition do not matter)
  // Same dimension (0 points, 1 lines, 2 areas; a collection counts as its highest), interiors
  // intersect, and neither contains the other. A single Point never overlaps. For lines,
  // interiors crossing at one point counts (DE-9IM would want a shared segment).
  bool Overlaps(const Geometry& other) const;
  // Shortest great-circle distance in metres between the two shapes (0 when they intersect,
  // including when one lies inside a polygon of the other).
  double DistanceMeters(const Geometry& other) const;
  // DistanceMeters(other) <= meters, usually much faster; no heap allocation when both are
  // Points. False for a negative or NaN `meters`.
  bool DistanceAtMost(const Geometry& other, double meters) const;

  // The S2 representation; defined in src/model/geometry_impl.h for the model subsystem only.
  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Geometry(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace civitas::model
