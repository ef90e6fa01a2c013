#include "civitas/model/geometry.h"

// GCC 12 reports a false -Wmaybe-uninitialized inside absl::InlinedVector when it inlines
// S2ClosestEdgeQuery's priority queue into this file.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <s2/s1angle.h>
#include <s2/s1chord_angle.h>
#include <s2/s2boolean_operation.h>
#include <s2/s2builderutil_s2polygon_layer.h>
#include <s2/s2cap.h>
#include <s2/s2cell_id.h>
#include <s2/s2cell_union.h>
#include <s2/s2closest_edge_query.h>
#include <s2/s2contains_point_query.h>
#include <s2/s2error.h>
#include <s2/s2point_vector_shape.h>
#include <s2/s2region_coverer.h>
#include <s2/s2shape_index_buffered_region.h>
#include <s2/s2shape_index_region.h>

#include "geometry_impl.h"

namespace civitas::model {
namespace {

constexpr int kIndexMaxCells = 16;
constexpr int kIndexMaxLevel = 20;

S1Angle MetersToAngle(double meters) { return S1Angle::Radians(meters / kEarthRadiusMeters); }
double AngleToMeters(S1Angle angle) { return angle.radians() * kEarthRadiusMeters; }

// Boundaries belong to their shape: a point on a polygon's edge or at a line's end intersects it
// and lies within it. Simpler to explain than DE-9IM's open interiors, and what users expect.
S2BooleanOperation::Options ClosedModel() {
  S2BooleanOperation::Options options;
  options.set_polygon_model(S2BooleanOperation::PolygonModel::CLOSED);
  options.set_polyline_model(S2BooleanOperation::PolylineModel::CLOSED);
  return options;
}

// Interiors only: used by Overlaps, where touching boundaries must not count.
S2BooleanOperation::Options OpenModel() {
  S2BooleanOperation::Options options;
  options.set_polygon_model(S2BooleanOperation::PolygonModel::OPEN);
  options.set_polyline_model(S2BooleanOperation::PolylineModel::OPEN);
  return options;
}

bool ContainsPointClosed(const Geometry::Impl& g, const S2Point& p) {
  if (g.single_point) return SamePoint(g.point, p);
  S2ContainsPointQueryOptions options(S2VertexModel::CLOSED);
  return MakeS2ContainsPointQuery(g.index.get(), options).Contains(p);
}

// True when every point of `g` is `p` (g is a point set of that one point).
bool AllPointsAre(const Geometry::Impl& g, const S2Point& p) {
  if (g.single_point) return SamePoint(g.point, p);
  if (g.polygon != nullptr || !g.polylines.empty()) return false;
  return std::all_of(g.points.begin(), g.points.end(),
                     [&](const S2Point& q) { return SamePoint(q, p); });
}

Result<std::unique_ptr<S2Polygon>> Union(const S2Polygon& a, const S2Polygon& b) {
  MutableS2ShapeIndex index_a;
  index_a.Add(std::make_unique<S2Polygon::Shape>(&a));
  MutableS2ShapeIndex index_b;
  index_b.Add(std::make_unique<S2Polygon::Shape>(&b));
  auto out = std::make_unique<S2Polygon>();
  out->set_s2debug_override(S2Debug::DISABLE);
  S2BooleanOperation op(S2BooleanOperation::OpType::UNION,
                        std::make_unique<s2builderutil::S2PolygonLayer>(out.get()));
  S2Error error;
  if (!op.Build(index_a, index_b, &error)) {
    return BadRequestData("coordinates: cannot merge polygons: " + error.text());
  }
  return out;
}

// Disjoint parts (the normal MultiPolygon) are merged cheaply by nesting their loops; parts that
// overlap or share edges (invalid per RFC 7946 but common) are unioned instead.
Result<std::unique_ptr<S2Polygon>> MergeParts(std::vector<std::unique_ptr<S2Polygon>> parts) {
  if (parts.size() == 1) return std::move(parts[0]);
  std::vector<std::unique_ptr<S2Loop>> loops;
  std::vector<const S2Loop*> shells;
  for (const auto& part : parts) {
    for (int i = 0; i < part->num_loops(); ++i) {
      loops.emplace_back(part->loop(i)->Clone());
      if (i == 0) shells.push_back(loops.back().get());
    }
  }
  const size_t num_loops = loops.size();
  auto nested = std::make_unique<S2Polygon>();
  nested->set_s2debug_override(S2Debug::DISABLE);
  nested->InitNested(std::move(loops));
  S2Error error;  // FindValidationError, unlike IsValid, does not log
  if (!nested->FindValidationError(&error) &&
      static_cast<size_t>(nested->num_loops()) == num_loops) {
    // A part inside another part's shell is an overlap: nesting then turns a shell into a hole
    // (or a hole into a shell). Islands in another part's hole keep their roles.
    std::sort(shells.begin(), shells.end());
    bool roles_kept = true;
    for (int i = 0; i < nested->num_loops(); ++i) {
      const bool was_shell = std::binary_search(shells.begin(), shells.end(), nested->loop(i));
      if (was_shell == nested->loop(i)->is_hole()) roles_kept = false;
    }
    if (roles_kept) return nested;
  }
  // Balanced pairwise union keeps the cost near n log k for k parts.
  while (parts.size() > 1) {
    std::vector<std::unique_ptr<S2Polygon>> next;
    for (size_t i = 0; i + 1 < parts.size(); i += 2) {
      CIVITAS_ASSIGN_OR_RETURN(auto merged, Union(*parts[i], *parts[i + 1]));
      next.push_back(std::move(merged));
    }
    if (parts.size() % 2 == 1) next.push_back(std::move(parts.back()));
    parts = std::move(next);
  }
  return std::move(parts[0]);
}

}  // namespace

Status Geometry::Impl::Finish() {
  if (polylines.empty() && polygon_parts.empty() && points.size() == 1) {
    single_point = true;
    point = points[0];
    return Status::Ok();
  }
  if (!polygon_parts.empty()) {
    CIVITAS_ASSIGN_OR_RETURN(polygon, MergeParts(std::move(polygon_parts)));
    polygon_parts.clear();
  }
  index = std::make_unique<MutableS2ShapeIndex>();
  if (!points.empty()) index->Add(std::make_unique<S2PointVectorShape>(points));
  for (const auto& line : polylines) index->Add(std::make_unique<S2Polyline::Shape>(line.get()));
  if (polygon != nullptr && !polygon->is_empty()) {
    index->Add(std::make_unique<S2Polygon::Shape>(polygon.get()));
  }
  index->ForceBuild();
  return Status::Ok();
}

Geometry::Geometry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Geometry::Geometry(Geometry&&) noexcept = default;
Geometry& Geometry::operator=(Geometry&&) noexcept = default;
Geometry::~Geometry() = default;

Result<Geometry> Geometry::FromGeoJson(const boost::json::value& geojson) {
  auto impl = std::make_unique<Impl>();
  CIVITAS_RETURN_IF_ERROR(ParseGeoJsonInto(geojson, 0, *impl));
  CIVITAS_RETURN_IF_ERROR(impl->Finish());
  return Geometry(std::move(impl));
}

Result<Geometry> Geometry::FromParams(std::string_view geometry_type,
                                      std::string_view coordinates) {
  if (geometry_type.empty()) return BadRequestData("geometry: missing");
  if (geometry_type == "GeometryCollection") {
    return BadRequestData("geometry: GeometryCollection cannot be given as coordinates");
  }
  if (coordinates.empty()) return BadRequestData("coordinates: missing");
  boost::system::error_code ec;
  boost::json::value coords;
  try {
    // Depth bounded by the parser's default max_depth, so deep nesting cannot exhaust the stack.
    coords = boost::json::parse(coordinates, ec);
  } catch (const std::exception&) {
    return BadRequestData("coordinates: not valid JSON");
  }
  if (ec) return BadRequestData("coordinates: not valid JSON");
  boost::json::object obj;
  obj["type"] = geometry_type;
  obj["coordinates"] = std::move(coords);
  Result<Geometry> g = FromGeoJson(obj);
  if (!g.ok() && g.status().message().rfind("type: ", 0) == 0) {
    return BadRequestData("geometry: unknown geometry type '" + std::string(geometry_type) + "'");
  }
  return g;
}

std::vector<uint64_t> Geometry::IndexCells() const {
  if (impl_->single_point) return {S2CellId(impl_->point).id()};
  S2RegionCoverer::Options options;
  options.set_max_cells(kIndexMaxCells);
  options.set_max_level(kIndexMaxLevel);
  S2RegionCoverer coverer(options);
  std::vector<S2CellId> covering;
  coverer.GetCovering(MakeS2ShapeIndexRegion(impl_->index.get()), &covering);
  std::vector<uint64_t> out;
  out.reserve(covering.size());
  for (S2CellId id : covering) out.push_back(id.id());
  return out;
}

std::vector<uint64_t> Geometry::QueryCovering(double buffer_meters, int max_cells) const {
  S2RegionCoverer::Options options;
  options.set_max_cells(std::max(max_cells, 1));
  S2RegionCoverer coverer(options);
  std::vector<S2CellId> covering;
  const bool buffered = buffer_meters > 0;
  if (impl_->single_point) {
    if (buffered) {
      coverer.GetCovering(S2Cap(impl_->point, MetersToAngle(buffer_meters)), &covering);
    } else {
      covering.push_back(S2CellId(impl_->point));
    }
  } else if (buffered) {
    S2ShapeIndexBufferedRegion region(impl_->index.get(), MetersToAngle(buffer_meters));
    coverer.GetCovering(region, &covering);
  } else {
    coverer.GetCovering(MakeS2ShapeIndexRegion(impl_->index.get()), &covering);
  }
  std::vector<uint64_t> out;
  out.reserve(covering.size());
  for (S2CellId id : covering) out.push_back(id.id());
  return out;
}

bool Geometry::Intersects(const Geometry& other) const {
  const Impl& a = *impl_;
  const Impl& b = *other.impl_;
  if (a.single_point) return ContainsPointClosed(b, a.point);
  if (b.single_point) return ContainsPointClosed(a, b.point);
  return S2BooleanOperation::Intersects(*a.index, *b.index, ClosedModel());
}

bool Geometry::Within(const Geometry& other) const { return other.Contains(*this); }

bool Geometry::Contains(const Geometry& other) const {
  const Impl& a = *impl_;
  const Impl& b = *other.impl_;
  if (b.single_point) return ContainsPointClosed(a, b.point);
  if (a.single_point) return AllPointsAre(b, a.point);
  return S2BooleanOperation::Contains(*a.index, *b.index, ClosedModel());
}

bool Geometry::Equals(const Geometry& other) const {
  const Impl& a = *impl_;
  const Impl& b = *other.impl_;
  if (a.single_point) return AllPointsAre(b, a.point);
  if (b.single_point) return AllPointsAre(a, b.point);
  return S2BooleanOperation::Equals(*a.index, *b.index, ClosedModel());
}

bool Geometry::Overlaps(const Geometry& other) const {
  const Impl& a = *impl_;
  const Impl& b = *other.impl_;
  // A single point either lies in the other shape (then it is contained) or not at all.
  if (a.dimension != b.dimension || a.single_point || b.single_point) return false;
  if (!S2BooleanOperation::Intersects(*a.index, *b.index, OpenModel())) return false;
  return !Contains(other) && !other.Contains(*this);
}

double Geometry::DistanceMeters(const Geometry& other) const {
  const Impl& a = *impl_;
  const Impl& b = *other.impl_;
  if (a.single_point && b.single_point) return AngleToMeters(S1Angle(a.point, b.point));
  if (a.single_point || b.single_point) {
    const Impl& shape = a.single_point ? b : a;
    S2ClosestEdgeQuery query(shape.index.get());
    S2ClosestEdgeQuery::PointTarget target(a.single_point ? a.point : b.point);
    return AngleToMeters(query.GetDistance(&target).ToAngle());
  }
  S2ClosestEdgeQuery query(a.index.get());
  S2ClosestEdgeQuery::ShapeIndexTarget target(b.index.get());
  target.set_include_interiors(true);
  return AngleToMeters(query.GetDistance(&target).ToAngle());
}

bool Geometry::DistanceAtMost(const Geometry& other, double meters) const {
  if (!(meters >= 0)) return false;
  const Impl& a = *impl_;
  const Impl& b = *other.impl_;
  // Chord angles compare without trigonometry; the limit's conversion is the only sin().
  const S1ChordAngle limit(MetersToAngle(meters));
  if (a.single_point && b.single_point) return S1ChordAngle(a.point, b.point) <= limit;
  if (a.single_point || b.single_point) {
    const Impl& shape = a.single_point ? b : a;
    S2ClosestEdgeQuery query(shape.index.get());
    S2ClosestEdgeQuery::PointTarget target(a.single_point ? a.point : b.point);
    return query.IsDistanceLessOrEqual(&target, limit);
  }
  S2ClosestEdgeQuery query(a.index.get());
  S2ClosestEdgeQuery::ShapeIndexTarget target(b.index.get());
  target.set_include_interiors(true);
  return query.IsDistanceLessOrEqual(&target, limit);
}

}  // namespace civitas::model
