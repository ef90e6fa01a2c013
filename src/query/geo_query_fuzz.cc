// libFuzzer target for geo-queries: "<georel>\n<geometry>\n<coordinates>" goes through
// ParseGeoQuery, and the whole input is also tried as a JSON geoQ object. Parsed queries are
// planned and matched against a few fixed geometries; nothing may abort.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "civitas/query/geo_query.h"

namespace {

using civitas::model::Geometry;
using civitas::query::GeoQuery;

void Exercise(const GeoQuery& q) {
  static const Geometry* const kPoint =
      new Geometry(Geometry::FromParams("Point", "[8.684,49.406]").value());
  static const Geometry* const kPolygon = new Geometry(
      Geometry::FromParams("Polygon", "[[[8.6,49.3],[8.8,49.3],[8.8,49.5],[8.6,49.5],[8.6,49.3]]]")
          .value());
  static const Geometry* const kLine =
      new Geometry(Geometry::FromParams("LineString", "[[0,0],[10,10]]").value());
  (void)q.PlanIndexScan();
  (void)q.Matches(*kPoint);
  (void)q.Matches(*kPolygon);
  (void)q.Matches(*kLine);
  (void)q.Matches(q.reference);
}

std::string Expand(std::string_view term) { return "https://example.org/" + std::string(term); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t first = input.find('\n');
  if (first != std::string_view::npos) {
    const size_t second = input.find('\n', first + 1);
    if (second != std::string_view::npos) {
      auto q = civitas::query::ParseGeoQuery(input.substr(0, first),
                                             input.substr(first + 1, second - first - 1),
                                             input.substr(second + 1), "");
      if (q.ok()) Exercise(*q);
    }
  }
  boost::system::error_code ec;
  boost::json::value json;
  try {
    json = boost::json::parse(input, ec);
  } catch (const std::exception&) {
    return 0;
  }
  if (ec) return 0;
  auto q = civitas::query::ParseGeoQueryJson(json, Expand);
  if (q.ok()) Exercise(*q);
  return 0;
}
