#include "civitas/query/geo_query.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "civitas/query/geo_query_cache.h"

namespace civitas::query {
namespace {

using model::Geometry;

std::string Pos(double lon, double lat) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "[%.9f,%.9f]", lon, lat);
  return buf;
}

Geometry Point(double lon, double lat) {
  return Geometry::FromParams("Point", Pos(lon, lat)).value();
}

// A square of half-side h degrees around (lon, lat).
std::string SquareCoords(double lon, double lat, double h) {
  return "[[" + Pos(lon - h, lat - h) + "," + Pos(lon + h, lat - h) + "," + Pos(lon + h, lat + h) +
         "," + Pos(lon - h, lat + h) + "," + Pos(lon - h, lat - h) + "]]";
}

GeoQuery MustParse(std::string_view georel, std::string_view type, std::string_view coords) {
  Result<GeoQuery> q = ParseGeoQuery(georel, type, coords, "");
  EXPECT_TRUE(q.ok()) << georel << " " << coords << ": " << q.status().message();
  if (!q.ok()) std::abort();
  return std::move(q).value();
}

std::string Identity(std::string_view term) { return "https://example.org/" + std::string(term); }

// --- parsing --------------------------------------------------------------------------------

TEST(GeoQueryParseTest, ParsesEveryRelation) {
  GeoQuery near = MustParse("near;maxDistance==1000", "Point", "[8.684,49.406]");
  EXPECT_EQ(near.relation, GeoRelation::kNear);
  EXPECT_EQ(near.max_distance_m, 1000);
  EXPECT_LT(near.min_distance_m, 0);
  EXPECT_EQ(near.geoproperty, "https://uri.etsi.org/ngsi-ld/location");
  GeoQuery far = MustParse("near;minDistance==2.5", "Point", "[8.684,49.406]");
  EXPECT_EQ(far.min_distance_m, 2.5);
  EXPECT_LT(far.max_distance_m, 0);
  const std::pair<const char*, GeoRelation> cases[] = {
      {"within", GeoRelation::kWithin},         {"contains", GeoRelation::kContains},
      {"intersects", GeoRelation::kIntersects}, {"disjoint", GeoRelation::kDisjoint},
      {"equals", GeoRelation::kEquals},         {"overlaps", GeoRelation::kOverlaps}};
  for (const auto& [text, relation] : cases) {
    EXPECT_EQ(MustParse(text, "Polygon", SquareCoords(0, 0, 1)).relation, relation) << text;
  }
  Result<GeoQuery> with_property = ParseGeoQuery("within", "Polygon", SquareCoords(0, 0, 1),
                                                 "https://example.org/observationSpace");
  ASSERT_TRUE(with_property.ok());
  EXPECT_EQ(with_property->geoproperty, "https://example.org/observationSpace");
}

TEST(GeoQueryParseTest, RejectsBadGeorelAsInvalidRequest) {
  auto error = [](std::string_view georel) {
    Result<GeoQuery> q = ParseGeoQuery(georel, "Point", "[0,0]", "");
    EXPECT_FALSE(q.ok()) << georel;
    EXPECT_EQ(q.status().code(), StatusCode::kInvalidRequest) << georel;
    return q.status().message();
  };
  EXPECT_EQ(error(""), "georel: missing");
  EXPECT_EQ(error("nearby"), "georel: unknown relation 'nearby'");
  EXPECT_EQ(error("near"), "georel: near needs maxDistance or minDistance");
  EXPECT_EQ(error("near;maxDistance==abc"), "georel: maxDistance 'abc' is not a number");
  EXPECT_EQ(error("near;maxDistance=="), "georel: maxDistance '' is not a number");
  EXPECT_EQ(error("near;maxDistance==10m"), "georel: maxDistance '10m' is not a number");
  EXPECT_EQ(error("near;minDistance==-5"), "georel: minDistance must not be negative");
  EXPECT_EQ(error("near;maxDistance==nan"), "georel: maxDistance 'nan' is not a number");
  EXPECT_EQ(error("near;radius==5"), "georel: unknown near modifier 'radius'");
  EXPECT_EQ(error("near;maxDistance=5"),
            "georel: expected near;maxDistance==<metres> or near;minDistance==<metres>");
  EXPECT_EQ(error("within;maxDistance==5"), "georel: within takes no modifier");
}

TEST(GeoQueryParseTest, RejectsBadGeometryAsBadRequestData) {
  auto error = [](std::string_view type, std::string_view coords) {
    Result<GeoQuery> q = ParseGeoQuery("intersects", type, coords, "");
    EXPECT_FALSE(q.ok()) << coords;
    EXPECT_EQ(q.status().code(), StatusCode::kBadRequestData) << coords;
    return q.status().message();
  };
  EXPECT_EQ(error("Point", "[8,95]"), "coordinates: latitude 95 out of range [-90, 90]");
  EXPECT_EQ(error("Point", "[8,"), "coordinates: not valid JSON");
  EXPECT_EQ(error("Square", "[8,9]"), "geometry: unknown geometry type 'Square'");
  EXPECT_EQ(error("", "[8,9]"), "geometry: missing");
  EXPECT_EQ(error("Point", ""), "coordinates: missing");
  EXPECT_EQ(error("GeometryCollection", "[]"),
            "geometry: GeometryCollection is not a query geometry");
}

TEST(GeoQueryParseTest, ParsesJsonGeoQWithArrayOrStringCoordinates) {
  auto parse = [](std::string_view text) {
    return ParseGeoQueryJson(boost::json::parse(text), Identity);
  };
  Result<GeoQuery> array = parse(
      R"({"georel":"near;maxDistance==500","geometry":"Point","coordinates":[8.684,49.406]})");
  ASSERT_TRUE(array.ok()) << array.status().message();
  EXPECT_EQ(array->max_distance_m, 500);
  Result<GeoQuery> text = parse(
      R"({"georel":"within","geometry":"Polygon","coordinates":"[[[0,0],[1,0],[1,1],[0,1],[0,0]]]",
          "geoproperty":"observationSpace"})");
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(text->geoproperty, "https://example.org/observationSpace");
  EXPECT_TRUE(text->Matches(Point(0.5, 0.5)));
  EXPECT_EQ(array->geoproperty, "https://uri.etsi.org/ngsi-ld/location");

  EXPECT_EQ(parse("[1]").status().message(), "geoQ: must be a JSON object");
  EXPECT_EQ(parse(R"({"geometry":"Point","coordinates":[0,0]})").status().code(),
            StatusCode::kInvalidRequest);
  EXPECT_EQ(parse(R"({"georel":"within","coordinates":[0,0]})").status().message(),
            "geometry: missing");
  EXPECT_EQ(parse(R"({"georel":"within","geometry":"Point"})").status().message(),
            "coordinates: missing");
  EXPECT_EQ(parse(R"({"georel":"within","geometry":"Point","coordinates":5})").status().message(),
            "coordinates: must be an array or a string holding one");
  EXPECT_EQ(
      parse(R"({"georel":"within","geometry":"Blob","coordinates":[0,0]})").status().message(),
      "geometry: unknown geometry type 'Blob'");
  EXPECT_EQ(parse(R"({"georel":"within","geometry":"Point","coordinates":[0,0],"geoproperty":1})")
                .status()
                .message(),
            "geoproperty: must be a string");
  EXPECT_EQ(parse(R"({"georel":"near;maxDistance==x","geometry":"Point","coordinates":[0,0]})")
                .status()
                .code(),
            StatusCode::kInvalidRequest);
}

// --- matching -------------------------------------------------------------------------------

TEST(GeoQueryMatchTest, NearMaxAndMinDistance) {
  // 0.01 degrees of latitude ≈ 1112 m.
  GeoQuery near = MustParse("near;maxDistance==1000", "Point", "[8.684,49.406]");
  EXPECT_TRUE(near.Matches(Point(8.684, 49.406)));
  EXPECT_TRUE(near.Matches(Point(8.684, 49.4149)));   // 0.0089° north ≈ 989.6 m
  EXPECT_FALSE(near.Matches(Point(8.684, 49.4151)));  // 0.0091° north ≈ 1011.9 m
  GeoQuery far = MustParse("near;minDistance==1000", "Point", "[8.684,49.406]");
  EXPECT_FALSE(far.Matches(Point(8.684, 49.406)));
  EXPECT_TRUE(far.Matches(Point(8.684, 49.416)));
  // Polygons measure from their nearest edge, 0 inside.
  Geometry square = Geometry::FromParams("Polygon", SquareCoords(8.7, 49.406, 0.005)).value();
  EXPECT_TRUE(near.Matches(square));  // its west edge is 0.011° of longitude ≈ 800 m away
  EXPECT_FALSE(far.Matches(square));
}

TEST(GeoQueryMatchTest, TopologicalRelations) {
  const std::string big = SquareCoords(0, 0, 2);
  Geometry small = Geometry::FromParams("Polygon", SquareCoords(0, 0, 1)).value();
  Geometry shifted = Geometry::FromParams("Polygon", SquareCoords(2, 0, 1)).value();
  Geometry far = Geometry::FromParams("Polygon", SquareCoords(30, 0, 1)).value();
  EXPECT_TRUE(MustParse("within", "Polygon", big).Matches(small));
  EXPECT_FALSE(MustParse("within", "Polygon", big).Matches(shifted));
  EXPECT_TRUE(MustParse("contains", "Point", "[0.5,0.5]").Matches(small));
  EXPECT_FALSE(MustParse("contains", "Point", "[1.5,1.5]").Matches(small));
  EXPECT_TRUE(MustParse("intersects", "Polygon", big).Matches(shifted));
  EXPECT_FALSE(MustParse("intersects", "Polygon", big).Matches(far));
  EXPECT_TRUE(MustParse("disjoint", "Polygon", big).Matches(far));
  EXPECT_FALSE(MustParse("disjoint", "Polygon", big).Matches(shifted));
  EXPECT_TRUE(MustParse("equals", "Polygon", SquareCoords(0, 0, 1)).Matches(small));
  EXPECT_FALSE(MustParse("equals", "Polygon", big).Matches(small));
  EXPECT_TRUE(MustParse("overlaps", "Polygon", big).Matches(shifted));
  EXPECT_FALSE(MustParse("overlaps", "Polygon", big).Matches(small));
  EXPECT_TRUE(MustParse("intersects", "LineString", "[[-5,0.5],[5,0.5]]").Matches(small));
  EXPECT_TRUE(MustParse("within", "MultiPolygon",
                        "[" + SquareCoords(0, 0, 1) + "," + SquareCoords(10, 0, 1) + "]")
                  .Matches(Point(10, 0.5)));
}

// --- index planning -------------------------------------------------------------------------

bool PlanFinds(const GeoQuery::IndexPlan& plan, const Geometry& g) {
  for (uint64_t cell : g.IndexCells()) {
    auto it = std::upper_bound(plan.ranges.begin(), plan.ranges.end(),
                               std::pair<uint64_t, uint64_t>(cell, UINT64_MAX));
    if (it != plan.ranges.begin() && std::prev(it)->second >= cell) return true;
  }
  return false;
}

TEST(GeoQueryPlanTest, PlansAreSortedAndMerged) {
  GeoQuery near = MustParse("near;maxDistance==1000", "Point", "[8.684,49.406]");
  GeoQuery::IndexPlan plan = near.PlanIndexScan();
  EXPECT_FALSE(plan.needs_full_scan);
  ASSERT_FALSE(plan.ranges.empty());
  for (size_t i = 0; i < plan.ranges.size(); ++i) {
    EXPECT_LE(plan.ranges[i].first, plan.ranges[i].second);
    if (i > 0) {
      EXPECT_LT(plan.ranges[i - 1].second, plan.ranges[i].first);
    }
  }
  EXPECT_TRUE(PlanFinds(plan, Point(8.684, 49.406)));
  EXPECT_FALSE(PlanFinds(plan, Point(-70, 40)));
}

TEST(GeoQueryPlanTest, DisjointAndMinDistanceNeedAFullScan) {
  for (const char* georel : {"disjoint", "near;minDistance==10"}) {
    GeoQuery::IndexPlan plan = MustParse(georel, "Point", "[0,0]").PlanIndexScan();
    EXPECT_TRUE(plan.needs_full_scan) << georel;
    EXPECT_TRUE(plan.ranges.empty());
  }
}

TEST(GeoQueryPlanTest, LargeEntityShapesAreFoundThroughAncestors) {
  // A country-sized polygon is indexed by coarse cells; a point query inside it must reach them.
  Geometry country = Geometry::FromParams("Polygon", SquareCoords(10, 50, 3)).value();
  GeoQuery contains = MustParse("contains", "Point", "[10.1,50.2]");
  ASSERT_TRUE(contains.Matches(country));
  EXPECT_TRUE(PlanFinds(contains.PlanIndexScan(), country));
  GeoQuery near = MustParse("near;maxDistance==100", "Point", "[10.1,50.2]");
  EXPECT_TRUE(PlanFinds(near.PlanIndexScan(), country));
}

// The index never misses a match: for random references and entity geometries, every geometry
// that Matches() has an index cell inside a planned range or equal to a planned ancestor.
class IndexCompletenessTest : public ::testing::Test {
 protected:
  std::mt19937_64 rng_{20240611};
  double Uniform(double lo, double hi) { return std::uniform_real_distribution<>(lo, hi)(rng_); }

  std::string RandomPolygon(double lon, double lat, double size) {
    // A star-shaped ring around the centre: always simple.
    const int n = 3 + static_cast<int>(Uniform(0, 6));
    std::string out = "[[";
    std::string first;
    for (int i = 0; i < n; ++i) {
      const double angle = 2 * M_PI * i / n;
      const double r = size * Uniform(0.3, 1.0);
      std::string p =
          Pos(lon + r * std::cos(angle), std::clamp(lat + r * std::sin(angle), -89.0, 89.0));
      if (i == 0) first = p;
      out += p + ",";
    }
    return out + first + "]]";
  }

  Geometry RandomEntity(double lon, double lat, double spread) {
    const double kind = Uniform(0, 1);
    const double x = std::clamp(lon + Uniform(-spread, spread), -180.0, 180.0);
    const double y = std::clamp(lat + Uniform(-spread, spread), -89.0, 89.0);
    if (kind < 0.7) return Point(x, y);
    if (kind < 0.85) {
      auto polygon =
          Geometry::FromParams("Polygon", RandomPolygon(x, y, spread * Uniform(0.01, 0.5)));
      return polygon.ok() ? std::move(polygon).value() : Point(x, y);
    }
    const double x2 = std::clamp(x + Uniform(-spread, spread) / 4, -180.0, 180.0);
    const double y2 = std::clamp(y + Uniform(-spread, spread) / 4, -89.0, 89.0);
    auto line = Geometry::FromParams("LineString", "[" + Pos(x, y) + "," + Pos(x2, y2) + "]");
    return line.ok() ? std::move(line).value() : Point(x, y);
  }

  // Returns how many matches were checked.
  int CheckReference(const GeoQuery& query, double lon, double lat, double spread, int entities) {
    const GeoQuery::IndexPlan plan = query.PlanIndexScan();
    EXPECT_FALSE(plan.needs_full_scan);
    int matches = 0;
    for (int i = 0; i < entities; ++i) {
      Geometry g = RandomEntity(lon, lat, spread);
      if (!query.Matches(g)) continue;
      ++matches;
      EXPECT_TRUE(PlanFinds(plan, g)) << "missed entity near " << lon << "," << lat;
    }
    return matches;
  }
};

TEST_F(IndexCompletenessTest, NearMaxDistanceNeverMissesAMatch) {
  int matches = 0;
  for (int round = 0; round < 60; ++round) {
    const double lon = Uniform(-179, 179);
    const double lat = Uniform(-85, 85);
    const double metres = std::pow(10, Uniform(0, 6));  // 1 m .. 1000 km
    const double spread = 2.5 * metres / 111000;        // degrees, so some points fall inside
    GeoQuery q = MustParse("near;maxDistance==" + std::to_string(metres), "Point", Pos(lon, lat));
    matches += CheckReference(q, lon, lat, std::min(spread, 60.0), 300);
  }
  EXPECT_GT(matches, 1000);
}

TEST_F(IndexCompletenessTest, NearPolygonAndPolygonRelationsNeverMissAMatch) {
  int matches = 0;
  for (int round = 0; round < 40; ++round) {
    const double lon = Uniform(-170, 170);
    const double lat = Uniform(-80, 80);
    const double size = std::pow(10, Uniform(-4, 0.5));  // degrees
    const std::string polygon = RandomPolygon(lon, lat, size);
    for (const char* georel :
         {"within", "intersects", "contains", "overlaps", "equals", "near;maxDistance==500"}) {
      GeoQuery q = MustParse(georel, "Polygon", polygon);
      matches += CheckReference(q, lon, lat, size * 1.5, 60);
    }
    // Reference vertices are the classic boundary case.
    GeoQuery within = MustParse("within", "Polygon", polygon);
    std::string vertex = polygon.substr(2, polygon.find(']') - 1);
    Geometry corner = Geometry::FromParams("Point", vertex).value();
    ASSERT_TRUE(within.Matches(corner)) << vertex;
    EXPECT_TRUE(PlanFinds(within.PlanIndexScan(), corner)) << vertex;
  }
  EXPECT_GT(matches, 500);
}

// --- the cache of planned queries -------------------------------------------------------------

TEST(GeoQueryCacheTest, HandsOutTheParsedAndPlannedQueryAndSharesIt) {
  GeoQueryCache cache(4);
  auto first = cache.Get("near;maxDistance==1000", "Point", "[8.684,49.406]", "");
  ASSERT_TRUE(first.ok());
  const GeoQuery expected = MustParse("near;maxDistance==1000", "Point", "[8.684,49.406]");
  EXPECT_EQ((*first)->query.relation, GeoRelation::kNear);
  EXPECT_EQ((*first)->query.max_distance_m, 1000);
  EXPECT_EQ((*first)->query.geoproperty, expected.geoproperty);
  EXPECT_EQ((*first)->plan.ranges, expected.PlanIndexScan().ranges);
  auto again = cache.Get("near;maxDistance==1000", "Point", "[8.684,49.406]", "");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), first->get());
  // Every parameter is part of the key.
  for (auto other : {cache.Get("near;maxDistance==999", "Point", "[8.684,49.406]", ""),
                     cache.Get("near;maxDistance==1000", "Point", "[8.684,49.407]", ""),
                     cache.Get("near;maxDistance==1000", "Point", "[8.684,49.406]", "urn:g")}) {
    ASSERT_TRUE(other.ok());
    EXPECT_NE(other->get(), first->get());
  }
  EXPECT_EQ(cache.Get("near;maxDistance==1000", "Point", "[8.684,49.406]", "urn:g")
                ->get()
                ->query.geoproperty,
            "urn:g");
}

TEST(GeoQueryCacheTest, ErrorsAreThoseOfTheParserAndAreNotKept) {
  GeoQueryCache cache(4);
  for (int i = 0; i < 2; ++i) {
    auto bad = cache.Get("near;maxDistance==1000", "Point", "[8.684,95]", "");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(
        bad.status().message(),
        ParseGeoQuery("near;maxDistance==1000", "Point", "[8.684,95]", "").status().message());
  }
}

TEST(GeoQueryCacheTest, TheLeastRecentlyUsedQueryGoesFirst) {
  GeoQueryCache cache(2);
  auto a = cache.Get("within", "Polygon", SquareCoords(0, 0, 1), "");
  auto b = cache.Get("within", "Polygon", SquareCoords(5, 5, 1), "");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(cache.Get("within", "Polygon", SquareCoords(0, 0, 1), "")->get(), a->get());
  auto c = cache.Get("within", "Polygon", SquareCoords(9, 9, 1), "");  // evicts b, not a
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(cache.Get("within", "Polygon", SquareCoords(0, 0, 1), "")->get(), a->get());
  EXPECT_NE(cache.Get("within", "Polygon", SquareCoords(5, 5, 1), "")->get(), b->get());
}

// Requests on several threads share one cache: hits, misses and evictions interleave, and every
// answer is the query asked for (run under the sanitizers by `make check-deep`).
TEST(GeoQueryCacheTest, ThreadsShareItSafely) {
  GeoQueryCache cache(3);
  constexpr int kKeys = 6;
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> expected;
  for (int k = 0; k < kKeys; ++k) {
    expected.push_back(
        MustParse("near;maxDistance==" + std::to_string(100 * (k + 1)), "Point", "[2.1,41.4]")
            .PlanIndexScan()
            .ranges);
  }
  std::atomic<int> wrong = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        const int k = (i * 7 + t) % kKeys;
        auto planned = cache.Get("near;maxDistance==" + std::to_string(100 * (k + 1)), "Point",
                                 "[2.1,41.4]", "");
        if (!planned.ok() || (*planned)->query.max_distance_m != 100 * (k + 1) ||
            (*planned)->plan.ranges != expected[k]) {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(GeoQueryCacheTest, LongCoordinatesAreParsedPerRequest) {
  GeoQueryCache cache(4);
  std::string ring = "[[";
  for (int i = 0; i < 300; ++i) {
    const double angle = 2 * M_PI * i / 300;
    ring += Pos(10 + std::cos(angle), 50 + std::sin(angle)) + ",";
  }
  ring += Pos(11, 50) + "]]";
  ASSERT_GT(ring.size(), 4096u);
  auto first = cache.Get("within", "Polygon", ring, "");
  auto second = cache.Get("within", "Polygon", ring, "");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->get(), second->get());
  EXPECT_EQ((*first)->plan.ranges, (*second)->plan.ranges);
}

}  // namespace
}  // namespace civitas::query
