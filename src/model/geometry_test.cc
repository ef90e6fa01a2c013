#include "civitas/model/geometry.h"

#include <cmath>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <s2/s2cell_id.h>
#include <s2/s2latlng.h>

namespace civitas::model {
namespace {

Geometry Parse(std::string_view text) {
  Result<Geometry> g = Geometry::FromGeoJson(boost::json::parse(text));
  EXPECT_TRUE(g.ok()) << text << ": " << g.status().message();
  if (!g.ok()) std::abort();
  return std::move(g).value();
}

Status ParseError(std::string_view text) {
  Result<Geometry> g = Geometry::FromGeoJson(boost::json::parse(text));
  EXPECT_FALSE(g.ok()) << text;
  return g.ok() ? Status::Ok() : g.status();
}

Geometry Params(std::string_view type, std::string_view coords) {
  Result<Geometry> g = Geometry::FromParams(type, coords);
  EXPECT_TRUE(g.ok()) << coords << ": " << g.status().message();
  if (!g.ok()) std::abort();
  return std::move(g).value();
}

// A square of side 2*h degrees around (lon, lat), counter-clockwise.
std::string Square(double lon, double lat, double h) {
  auto pos = [](double x, double y) {
    return "[" + std::to_string(x) + "," + std::to_string(y) + "]";
  };
  return "[" + pos(lon - h, lat - h) + "," + pos(lon + h, lat - h) + "," + pos(lon + h, lat + h) +
         "," + pos(lon - h, lat + h) + "," + pos(lon - h, lat - h) + "]";
}

// --- parsing and validation -----------------------------------------------------------------

TEST(GeometryTest, ParsesEveryGeoJsonType) {
  Parse(R"({"type":"Point","coordinates":[8.684,49.406]})");
  Parse(R"({"type":"Point","coordinates":[8.684,49.406,112.5]})");
  Parse(R"({"type":"MultiPoint","coordinates":[[8.6,49.4],[8.7,49.5]]})");
  Parse(R"({"type":"LineString","coordinates":[[8.6,49.4],[8.7,49.5],[8.8,49.4]]})");
  Parse(R"({"type":"MultiLineString","coordinates":[[[8.6,49.4],[8.7,49.5]],[[0,0],[1,1]]]})");
  Parse(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]})");
  Parse(R"({"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],
                                            [[2,2],[2,4],[4,4],[4,2],[2,2]]]})");
  Parse(R"({"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],
                                                 [[[5,5],[6,5],[6,6],[5,6],[5,5]]]]})");
  Parse(R"({"type":"GeometryCollection","geometries":[
            {"type":"Point","coordinates":[3,3]},
            {"type":"LineString","coordinates":[[0,0],[1,1]]},
            {"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}]})");
}

TEST(GeometryTest, RejectsOutOfRangeCoordinatesWithExactMessages) {
  Status s = ParseError(R"({"type":"Point","coordinates":[8,95]})");
  EXPECT_EQ(s.code(), StatusCode::kBadRequestData);
  EXPECT_EQ(s.message(), "coordinates: latitude 95 out of range [-90, 90]");
  s = ParseError(R"({"type":"Point","coordinates":[-180.5,0]})");
  EXPECT_EQ(s.message(), "coordinates: longitude -180.5 out of range [-180, 180]");
  s = ParseError(R"({"type":"LineString","coordinates":[[0,0],[1,-91]]})");
  EXPECT_EQ(s.message(), "coordinates: latitude -91 out of range [-90, 90]");
}

TEST(GeometryTest, RejectsMalformedStructure) {
  EXPECT_EQ(ParseError(R"([1,2])").message(), "geometry: must be a GeoJSON object");
  EXPECT_EQ(ParseError(R"({"coordinates":[1,2]})").message(), "type: missing");
  EXPECT_EQ(ParseError(R"({"type":7,"coordinates":[1,2]})").message(), "type: must be a string");
  EXPECT_EQ(ParseError(R"({"type":"Circle","coordinates":[1,2]})").message(),
            "type: unknown geometry type 'Circle'");
  EXPECT_EQ(ParseError(R"({"type":"Point"})").message(), "coordinates: missing");
  EXPECT_EQ(ParseError(R"({"type":"Point","coordinates":[1]})").message(),
            "coordinates: a position must be an array of 2 or 3 numbers");
  EXPECT_EQ(ParseError(R"({"type":"Point","coordinates":[1,2,3,4]})").message(),
            "coordinates: a position must be an array of 2 or 3 numbers");
  EXPECT_EQ(ParseError(R"({"type":"Point","coordinates":["1",2]})").message(),
            "coordinates: a position must be an array of 2 or 3 numbers");
  EXPECT_EQ(ParseError(R"({"type":"MultiPoint","coordinates":[]})").message(),
            "coordinates: a MultiPoint must be a non-empty array");
  EXPECT_EQ(ParseError(R"({"type":"LineString","coordinates":[[1,1],[1,1]]})").message(),
            "coordinates: a LineString needs at least 2 distinct positions");
  EXPECT_EQ(ParseError(R"({"type":"GeometryCollection"})").message(), "geometries: missing");
  EXPECT_EQ(ParseError(R"({"type":"GeometryCollection","geometries":[
              {"type":"Point","coordinates":[0,0]},{"type":"Point","coordinates":[0,99]}]})")
                .message(),
            "geometries[1]: coordinates: latitude 99 out of range [-90, 90]");
}

TEST(GeometryTest, RejectsBadRings) {
  EXPECT_EQ(ParseError(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]})").message(),
            "coordinates: a linear ring needs at least 4 positions, got 3");
  EXPECT_EQ(ParseError(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]})").message(),
            "coordinates: a linear ring must be closed (first and last positions equal)");
  EXPECT_EQ(ParseError(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,0],[0,0]]]})").message(),
            "coordinates: a linear ring needs at least 3 distinct positions");
  EXPECT_EQ(ParseError(R"({"type":"Polygon","coordinates":[]})").message(),
            "coordinates: a Polygon needs at least one linear ring");
  // A bow tie crosses itself.
  Status bow_tie =
      ParseError(R"({"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]})");
  EXPECT_EQ(bow_tie.code(), StatusCode::kBadRequestData);
  EXPECT_EQ(bow_tie.message().rfind("coordinates: invalid linear ring: ", 0), 0u)
      << bow_tie.message();
  EXPECT_EQ(ParseError(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]],
                           [[5,5],[6,5],[6,6],[5,6],[5,5]]]})")
                .message(),
            "coordinates: hole 1 is not inside the exterior ring");
}

TEST(GeometryTest, RejectsDeeplyNestedCollections) {
  std::string text = R"({"type":"Point","coordinates":[0,0]})";
  for (int i = 0; i < 10; ++i)
    text = R"({"type":"GeometryCollection","geometries":[)" + text + "]}";
  Status s = ParseError(text);
  EXPECT_NE(s.message().find("nested too deeply"), std::string::npos) << s.message();
}

TEST(GeometryTest, FromParamsParsesCoordinateText) {
  Geometry p = Params("Point", "[8.684,49.406]");
  EXPECT_EQ(p.IndexCells().size(), 1u);
  Params("Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]");
  EXPECT_EQ(Geometry::FromParams("Point", "[8.684,").status().message(),
            "coordinates: not valid JSON");
  EXPECT_EQ(Geometry::FromParams("Circle", "[1,2]").status().message(),
            "geometry: unknown geometry type 'Circle'");
  EXPECT_EQ(Geometry::FromParams("", "[1,2]").status().message(), "geometry: missing");
  EXPECT_EQ(Geometry::FromParams("Point", "").status().message(), "coordinates: missing");
  EXPECT_FALSE(Geometry::FromParams("GeometryCollection", "[]").ok());
  EXPECT_EQ(Geometry::FromParams("Point", "[1,2]x").status().code(), StatusCode::kBadRequestData);
}

TEST(GeometryTest, ClockwiseAndCounterClockwiseRingsMeanTheSameArea) {
  Geometry ccw = Parse(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]})");
  Geometry cw = Parse(R"({"type":"Polygon","coordinates":[[[0,0],[0,1],[1,1],[1,0],[0,0]]]})");
  Geometry inside = Params("Point", "[0.5,0.5]");
  Geometry outside = Params("Point", "[50,50]");
  EXPECT_TRUE(ccw.Equals(cw));
  EXPECT_TRUE(cw.Contains(inside));
  EXPECT_FALSE(cw.Contains(outside));
  // A clockwise hole and a counter-clockwise hole both cut out the small square.
  for (std::string_view hole :
       {"[[2,2],[4,2],[4,4],[2,4],[2,2]]", "[[2,2],[2,4],[4,4],[4,2],[2,2]]"}) {
    Geometry holed =
        Parse(R"({"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],)" +
              std::string(hole) + "]}");
    EXPECT_FALSE(holed.Contains(Params("Point", "[3,3]")));
    EXPECT_TRUE(holed.Contains(Params("Point", "[6,6]")));
  }
}

TEST(GeometryTest, RepeatedPositionsAreDropped) {
  Geometry g =
      Parse(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,0],[1,1],[0,1],[0,1],[0,0]]]})");
  EXPECT_TRUE(
      g.Equals(Parse(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]})")));
}

TEST(GeometryTest, OverlappingMultiPolygonPartsAreUnioned) {
  Geometry multi = Parse(R"({"type":"MultiPolygon","coordinates":[)" + std::string("[") +
                         Square(0, 0, 1) + "],[" + Square(1, 0, 1) + "]]}");
  EXPECT_TRUE(multi.Contains(Params("Point", "[1.5,0]")));
  EXPECT_TRUE(multi.Contains(Params("Point", "[-0.5,0]")));
  EXPECT_TRUE(multi.Contains(Params("Polygon", "[" + Square(0.5, 0, 0.9) + "]")));
  // One part inside another (not in a hole) is an overlap too.
  Geometry nested = Parse(R"({"type":"MultiPolygon","coordinates":[)" + std::string("[") +
                          Square(0, 0, 5) + "],[" + Square(0, 0, 1) + "]]}");
  EXPECT_TRUE(nested.Contains(Params("Point", "[0,0]")));
  EXPECT_TRUE(nested.Equals(Params("Polygon", "[" + Square(0, 0, 5) + "]")));
  // An island in a lake keeps the lake a hole.
  Geometry island =
      Parse(R"({"type":"MultiPolygon","coordinates":[)" + std::string("[") + Square(0, 0, 5) + "," +
            Square(0, 0, 3) + "],[" + Square(0, 0, 1) + "]]}");
  EXPECT_TRUE(island.Contains(Params("Point", "[0,0]")));
  EXPECT_FALSE(island.Contains(Params("Point", "[2,0]")));
  EXPECT_TRUE(island.Contains(Params("Point", "[4,0]")));
}

// --- index cells ----------------------------------------------------------------------------

TEST(GeometryTest, PointIndexesItsLeafCell) {
  Geometry p = Params("Point", "[8.684,49.406]");
  std::vector<uint64_t> cells = p.IndexCells();
  ASSERT_EQ(cells.size(), 1u);
  S2CellId id(cells[0]);
  EXPECT_TRUE(id.is_leaf());
  EXPECT_EQ(id, S2CellId(S2LatLng::FromDegrees(49.406, 8.684)));
}

TEST(GeometryTest, ShapesIndexASmallCoarseCovering) {
  Geometry poly = Params("Polygon", "[" + Square(8.68, 49.4, 0.05) + "]");
  std::vector<uint64_t> cells = poly.IndexCells();
  EXPECT_GE(cells.size(), 1u);
  EXPECT_LE(cells.size(), 16u);
  for (uint64_t c : cells) {
    EXPECT_TRUE(S2CellId(c).is_valid());
    EXPECT_LE(S2CellId(c).level(), 20);
  }
  // The covering contains the polygon's centre.
  S2CellId centre(S2LatLng::FromDegrees(49.4, 8.68));
  bool covered = false;
  for (uint64_t c : cells) covered = covered || S2CellId(c).contains(centre);
  EXPECT_TRUE(covered);
}

// --- predicates -----------------------------------------------------------------------------

class PredicateTest : public ::testing::Test {
 protected:
  Geometry big_ = Params("Polygon", "[" + Square(0, 0, 2) + "]");
  Geometry small_ = Params("Polygon", "[" + Square(0, 0, 1) + "]");
  Geometry shifted_ = Params("Polygon", "[" + Square(1.5, 0, 1) + "]");
  Geometry far_ = Params("Polygon", "[" + Square(20, 20, 1) + "]");
  Geometry centre_ = Params("Point", "[0,0]");
  Geometry corner_ = Params("Point", "[2,2]");  // a vertex of big_
  Geometry line_in_ = Params("LineString", "[[-0.5,0],[0.5,0]]");
  Geometry line_across_ = Params("LineString", "[[-5,0.1],[5,0.1]]");
};

TEST_F(PredicateTest, Intersects) {
  EXPECT_TRUE(big_.Intersects(small_));
  EXPECT_TRUE(small_.Intersects(shifted_));
  EXPECT_FALSE(big_.Intersects(far_));
  EXPECT_TRUE(centre_.Intersects(big_));
  EXPECT_TRUE(big_.Intersects(centre_));
  EXPECT_TRUE(corner_.Intersects(big_)) << "boundaries are closed";
  EXPECT_FALSE(corner_.Intersects(small_));
  EXPECT_TRUE(line_across_.Intersects(small_));
  EXPECT_TRUE(centre_.Intersects(Params("Point", "[0,0]")));
  EXPECT_FALSE(centre_.Intersects(corner_));
  EXPECT_TRUE(Params("MultiPoint", "[[0,0],[30,30]]").Intersects(centre_));
}

TEST_F(PredicateTest, WithinAndContains) {
  EXPECT_TRUE(small_.Within(big_));
  EXPECT_TRUE(big_.Contains(small_));
  EXPECT_FALSE(big_.Within(small_));
  EXPECT_FALSE(shifted_.Within(big_));
  EXPECT_TRUE(centre_.Within(small_));
  EXPECT_TRUE(corner_.Within(big_));
  EXPECT_TRUE(line_in_.Within(small_));
  EXPECT_FALSE(line_across_.Within(big_));
  EXPECT_TRUE(big_.Contains(big_));
  EXPECT_TRUE(centre_.Contains(Params("Point", "[0,0]")));
  EXPECT_TRUE(centre_.Contains(Params("MultiPoint", "[[0,0],[0,0]]")));
  EXPECT_FALSE(centre_.Contains(small_));
  EXPECT_TRUE(Params("MultiPoint", "[[0,0],[1,1]]").Contains(centre_));
}

TEST_F(PredicateTest, Equals) {
  EXPECT_TRUE(big_.Equals(Params("Polygon", "[" + Square(0, 0, 2) + "]")));
  // Another start vertex describes the same square.
  EXPECT_TRUE(small_.Equals(Params("Polygon", "[[[1,-1],[1,1],[-1,1],[-1,-1],[1,-1]]]")));
  EXPECT_FALSE(big_.Equals(small_));
  EXPECT_TRUE(centre_.Equals(Params("Point", "[0,0]")));
  EXPECT_TRUE(centre_.Equals(Params("MultiPoint", "[[0,0]]")));
  EXPECT_FALSE(centre_.Equals(corner_));
  EXPECT_TRUE(line_in_.Equals(Params("LineString", "[[-0.5,0],[0.5,0]]")));
}

TEST_F(PredicateTest, Overlaps) {
  EXPECT_TRUE(small_.Overlaps(shifted_));
  EXPECT_TRUE(shifted_.Overlaps(small_));
  EXPECT_FALSE(big_.Overlaps(small_)) << "containment is not overlap";
  EXPECT_FALSE(big_.Overlaps(far_));
  EXPECT_FALSE(big_.Overlaps(line_across_)) << "different dimensions";
  EXPECT_FALSE(centre_.Overlaps(centre_));
  // Squares sharing only an edge touch; they do not overlap.
  Geometry left = Params("Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]");
  Geometry right = Params("Polygon", "[[[1,0],[2,0],[2,1],[1,1],[1,0]]]");
  EXPECT_TRUE(left.Intersects(right));
  EXPECT_FALSE(left.Overlaps(right));
  EXPECT_TRUE(
      Params("MultiPoint", "[[0,0],[1,1]]").Overlaps(Params("MultiPoint", "[[0,0],[2,2]]")));
}

TEST_F(PredicateTest, Distance) {
  // One degree of latitude on a sphere of radius 6371008.8 m.
  const double degree = 6371008.8 * M_PI / 180;
  Geometry a = Params("Point", "[0,0]");
  Geometry b = Params("Point", "[0,1]");
  EXPECT_NEAR(a.DistanceMeters(b), degree, 1e-6);
  EXPECT_TRUE(a.DistanceAtMost(b, degree + 0.01));
  EXPECT_FALSE(a.DistanceAtMost(b, degree - 0.01));
  EXPECT_FALSE(a.DistanceAtMost(b, -1));
  EXPECT_EQ(centre_.DistanceMeters(big_), 0) << "inside a polygon";
  EXPECT_EQ(big_.DistanceMeters(centre_), 0);
  EXPECT_EQ(small_.DistanceMeters(line_across_), 0);
  // From (0,3) to big_'s top edge at latitude 2 (a great circle arc between (±2,2) bulges
  // slightly poleward, so allow a little).
  Geometry above = Params("Point", "[0,3]");
  EXPECT_NEAR(above.DistanceMeters(big_), degree, degree * 0.002);
  EXPECT_TRUE(above.DistanceAtMost(big_, degree * 1.01));
  EXPECT_FALSE(above.DistanceAtMost(big_, degree * 0.99));
  EXPECT_NEAR(far_.DistanceMeters(big_), big_.DistanceMeters(far_), 1e-6);
  EXPECT_TRUE(far_.DistanceAtMost(big_, far_.DistanceMeters(big_) + 1));
  EXPECT_FALSE(far_.DistanceAtMost(big_, far_.DistanceMeters(big_) - 1));
}

TEST(GeometryTest, EdgesAreGeodesicsSoTheAntimeridianIsNothingSpecial) {
  Geometry pacific = Params("Polygon", "[[[170,-5],[-170,-5],[-170,5],[170,5],[170,-5]]]");
  EXPECT_TRUE(pacific.Contains(Params("Point", "[180,0]")));
  EXPECT_TRUE(pacific.Contains(Params("Point", "[-175,1]")));
  EXPECT_FALSE(pacific.Contains(Params("Point", "[0,0]")));
  Geometry across = Params("LineString", "[[179,0],[-179,0]]");
  EXPECT_NEAR(across.DistanceMeters(Params("Point", "[180,0]")), 0, 1e-6);
}

TEST(GeometryTest, CollectionsMixDimensions) {
  Geometry one = Parse(R"({"type":"GeometryCollection","geometries":[
                           {"type":"Point","coordinates":[1,2]}]})");
  EXPECT_TRUE(one.Equals(Params("Point", "[1,2]")));
  EXPECT_EQ(one.IndexCells().size(), 1u);
  Geometry mixed = Parse(R"({"type":"GeometryCollection","geometries":[
                             {"type":"Point","coordinates":[30,30]},
                             {"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}]})");
  EXPECT_TRUE(mixed.Contains(Params("Point", "[30,30]")));
  EXPECT_TRUE(mixed.Contains(Params("Point", "[0.5,0.5]")));
  EXPECT_FALSE(mixed.Contains(Params("Point", "[10,10]")));
  EXPECT_EQ(mixed.DistanceMeters(Params("Point", "[0.5,0.5]")), 0);
}

TEST(GeometryTest, MovesAndStaysUsable) {
  Geometry a = Params("Point", "[1,2]");
  Geometry b = std::move(a);
  Geometry c = Params("Point", "[3,4]");
  c = std::move(b);
  EXPECT_TRUE(c.Equals(Params("Point", "[1,2]")));
}

}  // namespace
}  // namespace civitas::model
