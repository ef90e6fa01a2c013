// GeoJSON (RFC 7946) → S2 components. Everything S2 would S2_CHECK on is rejected here first:
// S2 objects are built with S2Debug::DISABLE and then validated explicitly, so no input can
// abort the process (geometry_fuzz.cc exercises this).

#include <charconv>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <s2/s2error.h>
#include <s2/s2latlng.h>
#include <s2/s2loop.h>

#include "geometry_impl.h"

namespace civitas::model {
namespace {

namespace json = boost::json;

constexpr int kMaxCollectionDepth = 8;

std::string Num(double v) {
  char buf[40];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  if (ec != std::errc()) return "?";
  return std::string(buf, end);
}

Status Bad(std::string what) { return BadRequestData("coordinates: " + std::move(what)); }

Result<S2Point> ParsePosition(const json::value& v) {
  const json::array* pos = v.if_array();
  if (pos == nullptr || pos->size() < 2 || pos->size() > 3) {
    return Bad("a position must be an array of 2 or 3 numbers");
  }
  double lonlat[2];
  for (size_t i = 0; i < 2; ++i) {
    const json::value& n = (*pos)[i];
    if (!n.is_number()) return Bad("a position must be an array of 2 or 3 numbers");
    boost::system::error_code ec;
    lonlat[i] = n.to_number<double>(ec);
    if (ec) return Bad("a position must be an array of 2 or 3 numbers");
  }
  if (pos->size() == 3 && !(*pos)[2].is_number()) {
    return Bad("a position must be an array of 2 or 3 numbers");
  }
  // Written so that NaN fails too.
  if (!(lonlat[0] >= -180 && lonlat[0] <= 180)) {
    return Bad("longitude " + Num(lonlat[0]) + " out of range [-180, 180]");
  }
  if (!(lonlat[1] >= -90 && lonlat[1] <= 90)) {
    return Bad("latitude " + Num(lonlat[1]) + " out of range [-90, 90]");
  }
  return S2LatLng::FromDegrees(lonlat[1], lonlat[0]).ToPoint();
}

// An array of positions; `what` names the expected structure for the error message.
Result<std::vector<S2Point>> ParsePositions(const json::value& v, std::string_view what) {
  const json::array* arr = v.if_array();
  if (arr == nullptr) return Bad(std::string(what) + " must be an array of positions");
  std::vector<S2Point> out;
  out.reserve(arr->size());
  for (const json::value& p : *arr) {
    CIVITAS_ASSIGN_OR_RETURN(S2Point point, ParsePosition(p));
    out.push_back(point);
  }
  return out;
}

// Repeated consecutive positions are common in real data and harmless, but S2 rejects them.
void DropRepeats(std::vector<S2Point>& v) {
  size_t n = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (n == 0 || !SamePoint(v[i], v[n - 1])) v[n++] = v[i];
  }
  v.resize(n);
}

Result<std::unique_ptr<S2Polyline>> ParseLineString(const json::value& v) {
  CIVITAS_ASSIGN_OR_RETURN(std::vector<S2Point> vertices, ParsePositions(v, "a LineString"));
  DropRepeats(vertices);
  if (vertices.size() < 2) return Bad("a LineString needs at least 2 distinct positions");
  auto line = std::make_unique<S2Polyline>(vertices, S2Debug::DISABLE);
  S2Error error;
  if (line->FindValidationError(&error)) return Bad("invalid LineString: " + error.text());
  return line;
}

Result<std::unique_ptr<S2Loop>> ParseRing(const json::value& v) {
  const json::array* arr = v.if_array();
  if (arr == nullptr) return Bad("a linear ring must be an array of positions");
  if (arr->size() < 4) {
    return Bad("a linear ring needs at least 4 positions, got " + std::to_string(arr->size()));
  }
  CIVITAS_ASSIGN_OR_RETURN(std::vector<S2Point> vertices, ParsePositions(v, "a linear ring"));
  if (!SamePoint(vertices.front(), vertices.back())) {
    return Bad("a linear ring must be closed (first and last positions equal)");
  }
  vertices.pop_back();  // S2 loops are implicitly closed
  DropRepeats(vertices);
  while (vertices.size() > 1 && SamePoint(vertices.back(), vertices.front())) {
    vertices.pop_back();
  }
  if (vertices.size() < 3) return Bad("a linear ring needs at least 3 distinct positions");
  auto loop = std::make_unique<S2Loop>(vertices, S2Debug::DISABLE);
  S2Error error;
  if (loop->FindValidationError(&error)) return Bad("invalid linear ring: " + error.text());
  // RFC 7946 wants exterior rings counter-clockwise, but much real data is clockwise: a ring
  // always means the smaller of the two areas it bounds.
  loop->Normalize();
  return loop;
}

Result<std::unique_ptr<S2Polygon>> ParsePolygon(const json::value& v) {
  const json::array* rings = v.if_array();
  if (rings == nullptr) return Bad("a Polygon must be an array of linear rings");
  if (rings->empty()) return Bad("a Polygon needs at least one linear ring");
  std::vector<std::unique_ptr<S2Loop>> loops;
  loops.reserve(rings->size());
  for (const json::value& ring : *rings) {
    CIVITAS_ASSIGN_OR_RETURN(std::unique_ptr<S2Loop> loop, ParseRing(ring));
    loops.push_back(std::move(loop));
  }
  for (size_t i = 1; i < loops.size(); ++i) {
    if (!loops[0]->Contains(*loops[i])) {
      return Bad("hole " + std::to_string(i) + " is not inside the exterior ring");
    }
  }
  const size_t num_rings = loops.size();
  auto polygon = std::make_unique<S2Polygon>();
  polygon->set_s2debug_override(S2Debug::DISABLE);
  polygon->InitNested(std::move(loops));
  S2Error error;
  if (polygon->FindValidationError(&error)) return Bad("invalid Polygon: " + error.text());
  // InitNested turns a hole inside a hole into an island; GeoJSON has no such thing.
  if (static_cast<size_t>(polygon->num_loops()) != num_rings) {
    return Bad("invalid Polygon: degenerate rings");
  }
  for (int i = 0; i < polygon->num_loops(); ++i) {
    if (polygon->loop(i)->depth() > 1) return Bad("invalid Polygon: holes must not be nested");
  }
  return polygon;
}

const json::array* NonEmptyArray(const json::value& v) {
  const json::array* arr = v.if_array();
  return arr != nullptr && !arr->empty() ? arr : nullptr;
}

Status ParseCoordinates(std::string_view type, const json::value& coords, Geometry::Impl& impl) {
  if (type == "Point") {
    CIVITAS_ASSIGN_OR_RETURN(S2Point p, ParsePosition(coords));
    impl.points.push_back(p);
    return Status::Ok();
  }
  if (type == "LineString") {
    CIVITAS_ASSIGN_OR_RETURN(auto line, ParseLineString(coords));
    impl.polylines.push_back(std::move(line));
    impl.dimension = std::max(impl.dimension, 1);
    return Status::Ok();
  }
  if (type == "Polygon") {
    CIVITAS_ASSIGN_OR_RETURN(auto polygon, ParsePolygon(coords));
    impl.polygon_parts.push_back(std::move(polygon));
    impl.dimension = 2;
    return Status::Ok();
  }
  const json::array* parts = NonEmptyArray(coords);
  if (parts == nullptr) return Bad("a " + std::string(type) + " must be a non-empty array");
  if (type == "MultiPoint") {
    for (const json::value& part : *parts) {
      CIVITAS_ASSIGN_OR_RETURN(S2Point p, ParsePosition(part));
      impl.points.push_back(p);
    }
    return Status::Ok();
  }
  if (type == "MultiLineString") {
    for (const json::value& part : *parts) {
      CIVITAS_ASSIGN_OR_RETURN(auto line, ParseLineString(part));
      impl.polylines.push_back(std::move(line));
    }
    impl.dimension = std::max(impl.dimension, 1);
    return Status::Ok();
  }
  // MultiPolygon: the caller checked the type name.
  for (const json::value& part : *parts) {
    CIVITAS_ASSIGN_OR_RETURN(auto polygon, ParsePolygon(part));
    impl.polygon_parts.push_back(std::move(polygon));
  }
  impl.dimension = 2;
  return Status::Ok();
}

bool IsCoordinateType(std::string_view type) {
  return type == "Point" || type == "MultiPoint" || type == "LineString" ||
         type == "MultiLineString" || type == "Polygon" || type == "MultiPolygon";
}

}  // namespace

Status ParseGeoJsonInto(const json::value& geojson, int depth, Geometry::Impl& impl) {
  const json::object* obj = geojson.if_object();
  if (obj == nullptr) return BadRequestData("geometry: must be a GeoJSON object");
  const json::value* type_value = obj->if_contains("type");
  if (type_value == nullptr) return BadRequestData("type: missing");
  const json::string* type = type_value->if_string();
  if (type == nullptr) return BadRequestData("type: must be a string");
  if (*type == "GeometryCollection") {
    if (depth >= kMaxCollectionDepth) {
      return BadRequestData("geometries: GeometryCollections nested too deeply");
    }
    const json::value* members = obj->if_contains("geometries");
    if (members == nullptr) return BadRequestData("geometries: missing");
    const json::array* arr = NonEmptyArray(*members);
    if (arr == nullptr) return BadRequestData("geometries: must be a non-empty array");
    for (size_t i = 0; i < arr->size(); ++i) {
      Status s = ParseGeoJsonInto((*arr)[i], depth + 1, impl);
      if (!s.ok()) {
        return {s.code(), "geometries[" + std::to_string(i) + "]: " + s.message()};
      }
    }
    return Status::Ok();
  }
  if (!IsCoordinateType(*type)) {
    return BadRequestData("type: unknown geometry type '" + std::string(type->subview()) + "'");
  }
  const json::value* coords = obj->if_contains("coordinates");
  if (coords == nullptr) return BadRequestData("coordinates: missing");
  return ParseCoordinates(type->subview(), *coords, impl);
}

}  // namespace civitas::model
