// libFuzzer target: any bytes → Geometry::FromGeoJson / FromParams must return a Status or a
// geometry whose every operation runs without aborting (S2 must never see invalid input).
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string_view>

#include <boost/json.hpp>

#include "civitas/model/geometry.h"

namespace {

using civitas::model::Geometry;

const Geometry& FixedPolygon() {
  static const Geometry* g = [] {
    auto r = Geometry::FromParams("Polygon",
                                  "[[[8.6,49.3],[8.8,49.3],[8.8,49.5],[8.6,49.5],[8.6,49.3]]]");
    return new Geometry(std::move(r).value());
  }();
  return *g;
}

const Geometry& FixedPoint() {
  static const Geometry* g = new Geometry(Geometry::FromParams("Point", "[8.684,49.406]").value());
  return *g;
}

void Exercise(const Geometry& g) {
  (void)g.IndexCells();
  (void)g.QueryCovering(0, 8);
  (void)g.QueryCovering(1000, 8);
  for (const Geometry* other : {&g, &FixedPolygon(), &FixedPoint()}) {
    (void)g.Intersects(*other);
    (void)g.Within(*other);
    (void)g.Contains(*other);
    (void)g.Equals(*other);
    (void)g.Overlaps(*other);
    (void)g.DistanceMeters(*other);
    (void)g.DistanceAtMost(*other, 1000);
    (void)other->Contains(g);
    (void)other->Overlaps(g);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // "<type>\n<coordinates>" exercises FromParams; everything is also tried as a GeoJSON object.
  if (size_t nl = input.find('\n'); nl != std::string_view::npos && nl < 32) {
    auto g = Geometry::FromParams(input.substr(0, nl), input.substr(nl + 1));
    if (g.ok()) Exercise(*g);
  }
  boost::system::error_code ec;
  boost::json::value json;
  try {
    json = boost::json::parse(input, ec);
  } catch (const std::exception&) {
    return 0;
  }
  if (ec) return 0;
  auto g = Geometry::FromGeoJson(json);
  if (g.ok()) Exercise(*g);
  return 0;
}
