// Geo-queries over GET /entities and POST /entityOperations/query; expected
// results are computed here independently (haversine for near, box arithmetic
// for the relations).

#include <cmath>

#include <gtest/gtest.h>

#include "broker_fixture.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;

double HaversineMeters(double lon1, double lat1, double lon2, double lat2) {
  constexpr double kEarthRadius = 6371008.8;
  constexpr double kRad = M_PI / 180.0;
  double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(lat1 * kRad) * std::cos(lat2 * kRad) *
                 std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadius * std::asin(std::sqrt(a));
}

std::string Encode(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
        c == '_') {
      out += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  return out;
}

std::string Box(double x0, double y0, double x1, double y1) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]",
                x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
  return buf;
}

struct GridPoint {
  std::string id;
  double lon, lat;
};

class GeoQueryTest : public BrokerTest {
protected:
  void SetUp() override {
    BrokerTest::SetUp();
    json::array batch;
    for (int k = 0; k < 7; ++k) {
      for (int j = 0; j < 7; ++j) {
        GridPoint p{"urn:ngsi-ld:Sensor:" + std::to_string(k) + "-" +
                        std::to_string(j),
                    2.10 + 0.007 * k, 41.35 + 0.006 * j};
        points_.push_back(p);
        batch.push_back(json::object{{"id", p.id},
                                     {"type", "Sensor"},
                                     {"location", Geo(Point(p.lon, p.lat))},
                                     {"pm25", Prop(k * 7 + j)}});
      }
    }
    auto area = [](const char *id, double x0, double y0, double x1, double y1) {
      return json::object{
          {"id", std::string("urn:ngsi-ld:Area:") + id},
          {"type", "Area"},
          {"location", Geo(json::object{{"type", "Polygon"},
                                        {"coordinates",
                                         json::parse(Box(x0, y0, x1, y1))}})}};
    };
    batch.push_back(area("A", 0, 0, 2, 2));
    batch.push_back(area("B", 1, 1, 3, 3));
    batch.push_back(area("C", 10, 10, 11, 11));
    batch.push_back(area("D", 0.5, 0.5, 1, 1));
    batch.push_back(
        json::object{{"id", "urn:ngsi-ld:Sensor:nowhere"}, {"type", "Sensor"}});
    auto r = http().Post(std::string(kApi) + "/entityOperations/create", batch);
    ASSERT_EQ(r.status, 201) << r.body;
  }

  std::vector<std::string> GeoIds(const std::string &type,
                                  const std::string &georel,
                                  const std::string &geometry,
                                  const std::string &coordinates) {
    return Ids(Query("type=" + type + "&limit=1000&georel=" + Encode(georel) +
                     "&geometry=" + geometry +
                     "&coordinates=" + Encode(coordinates)));
  }

  // Sensors within/beyond `meters` of (lon, lat), ascending by id; asserts no
  // point is so close to the threshold that rounding could decide.
  std::vector<std::string> SensorsByDistance(double lon, double lat,
                                             double meters, bool within) {
    std::vector<std::string> out;
    for (const auto &p : points_) {
      double d = HaversineMeters(lon, lat, p.lon, p.lat);
      EXPECT_GT(std::abs(d - meters), 5.0)
          << p.id << " too close to the threshold";
      if ((d <= meters) == within)
        out.push_back(p.id);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<GridPoint> points_;
};

TEST_F(GeoQueryTest, NearMaxAndMinDistance) {
  for (double meters : {400.0, 1234.0, 2500.0}) {
    auto m = std::to_string(static_cast<int>(meters));
    auto expected_in = SensorsByDistance(2.121, 41.371, meters, true);
    EXPECT_EQ(
        GeoIds("Sensor", "near;maxDistance==" + m, "Point", "[2.121,41.371]"),
        expected_in)
        << m;
    EXPECT_EQ(
        GeoIds("Sensor", "near;minDistance==" + m, "Point", "[2.121,41.371]"),
        SensorsByDistance(2.121, 41.371, meters, false))
        << m;
    EXPECT_FALSE(expected_in.empty());
  }
  // The same through the POST body.
  auto r = http().Post(
      std::string(kApi) + "/entityOperations/query?limit=1000",
      json::object{{"type", "Query"},
                   {"entities", json::array{json::object{{"type", "Sensor"}}}},
                   {"geoQ",
                    {{"geometry", "Point"},
                     {"coordinates", json::array{2.121, 41.371}},
                     {"georel", "near;maxDistance==1234"}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Ids(r.Json().as_array()),
            SensorsByDistance(2.121, 41.371, 1234, true));
}

// A repeated geo-query reuses its plan (GeoQueryCache), never its answer: entities that
// arrive, move or leave between two identical requests are seen by the second.
TEST_F(GeoQueryTest, ARepeatedQuerySeesTheEntitiesAsTheyAreNow) {
  const std::string georel = "near;maxDistance==1234";
  const std::string at = "[2.121,41.371]";
  auto expected = SensorsByDistance(2.121, 41.371, 1234, true);
  ASSERT_EQ(GeoIds("Sensor", georel, "Point", at), expected);

  auto post = http().Post(std::string(kApi) + "/entities",
                          json::object{{"id", "urn:ngsi-ld:Sensor:new"},
                                       {"type", "Sensor"},
                                       {"location", Geo(Point(2.1211, 41.3711))}});
  ASSERT_EQ(post.status, 201) << post.body;
  const std::string moved = expected.front();
  auto patch = http().Patch(std::string(kApi) + "/entities/" + moved + "/attrs",
                            json::object{{"location", Geo(Point(2.3, 41.5))}});
  ASSERT_EQ(patch.status, 204) << patch.body;
  const std::string gone = expected.back();
  ASSERT_EQ(http().Delete(std::string(kApi) + "/entities/" + gone).status, 204);

  expected.erase(expected.begin());
  expected.pop_back();
  expected.push_back("urn:ngsi-ld:Sensor:new");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(GeoIds("Sensor", georel, "Point", at), expected);
}

TEST_F(GeoQueryTest, WithinPolygonOverPoints) {
  double x0 = 2.1085, y0 = 41.3605, x1 = 2.1295, y1 = 41.3775;
  std::vector<std::string> expected;
  for (const auto &p : points_) {
    if (p.lon > x0 && p.lon < x1 && p.lat > y0 && p.lat < y1)
      expected.push_back(p.id);
  }
  std::sort(expected.begin(), expected.end());
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(GeoIds("Sensor", "within", "Polygon", Box(x0, y0, x1, y1)),
            expected);
  EXPECT_EQ(GeoIds("Sensor", "intersects", "Polygon", Box(x0, y0, x1, y1)),
            expected);
  // Default type-less query by geometry only: the areas are far away.
  auto all =
      Ids(Query("limit=1000&georel=within&geometry=Polygon&coordinates=" +
                Encode(Box(x0, y0, x1, y1))));
  EXPECT_EQ(all, expected);
  // equals a point.
  EXPECT_EQ(GeoIds("Sensor", "equals", "Point", "[2.114,41.362]"),
            (std::vector<std::string>{"urn:ngsi-ld:Sensor:2-2"}));
}

TEST_F(GeoQueryTest, RelationsBetweenPolygons) {
  using V = std::vector<std::string>;
  auto ids = [](std::initializer_list<const char *> names) {
    V out;
    for (const char *n : names)
      out.push_back(std::string("urn:ngsi-ld:Area:") + n);
    return out;
  };
  EXPECT_EQ(GeoIds("Area", "within", "Polygon", Box(-0.5, -0.5, 2.5, 2.5)),
            ids({"A", "D"}));
  EXPECT_EQ(GeoIds("Area", "contains", "Point", "[0.25,0.25]"), ids({"A"}));
  EXPECT_EQ(GeoIds("Area", "contains", "Point", "[0.75,0.75]"),
            ids({"A", "D"}));
  EXPECT_EQ(GeoIds("Area", "intersects", "Polygon", Box(1.5, 1.5, 2.5, 2.5)),
            ids({"A", "B"}));
  EXPECT_EQ(GeoIds("Area", "disjoint", "Polygon", Box(1.5, 1.5, 2.5, 2.5)),
            ids({"C", "D"}));
  // B contains the box, so only A overlaps it.
  EXPECT_EQ(GeoIds("Area", "overlaps", "Polygon", Box(1.5, 1.5, 2.5, 2.5)),
            ids({"A"}));
  EXPECT_EQ(GeoIds("Area", "contains", "Polygon", Box(1.5, 1.5, 2.5, 2.5)),
            ids({"B"}));
  EXPECT_EQ(GeoIds("Area", "overlaps", "Polygon", Box(0.5, 0.5, 1.5, 1.5)),
            ids({"B", "D"}));
  EXPECT_EQ(GeoIds("Area", "equals", "Polygon", Box(0, 0, 2, 2)), ids({"A"}));
  EXPECT_EQ(GeoIds("Area", "intersects", "Point", "[10.5,10.5]"), ids({"C"}));
}

// Entities are read with only the attributes a query renders, plus those it filters on: the
// geoproperty of a geo-query and the geometry of a GeoJSON response, though `attrs` leaves
// them out.
TEST_F(GeoQueryTest, AttrsKeepWhatTheGeoQueryAndGeoJsonNeed) {
  auto near = Query("type=Sensor&limit=1000&attrs=pm25&georel=" +
                    Encode("near;maxDistance==1234") + "&geometry=Point&coordinates=" +
                    Encode("[2.121,41.371]"));
  EXPECT_EQ(Ids(near), SensorsByDistance(2.121, 41.371, 1234, true));
  for (const auto &e : near) {
    EXPECT_TRUE(e.as_object().contains("pm25")) << e;
    EXPECT_FALSE(e.as_object().contains("location")) << e;
  }
  auto r = http().Get(std::string(kApi) + "/entities?type=Sensor&attrs=pm25&limit=1000",
                      {{"Accept", "application/geo+json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value body = r.Json();
  const auto &features = body.at("features").as_array();
  EXPECT_EQ(features.size(), points_.size());
  for (const auto &f : features) {
    EXPECT_EQ(f.at("geometry").at("type").as_string(), "Point") << f;
    EXPECT_TRUE(f.at("properties").as_object().contains("pm25")) << f;
  }
}

TEST_F(GeoQueryTest, GeoJsonFeatureCollection) {
  auto r = http().Get(std::string(kApi) +
                          "/entities?type=Area&id=urn:ngsi-ld:Area:A",
                      {{"Accept", "application/geo+json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/geo+json");
  auto fc = r.Json().as_object();
  EXPECT_EQ(fc.at("type").as_string(), "FeatureCollection");
  ASSERT_EQ(fc.at("features").as_array().size(), 1u);
  EXPECT_EQ(fc.at("features").at(0).at("geometry").at("type").as_string(),
            "Polygon");
}

TEST_F(GeoQueryTest, BadGeoQueries) {
  const std::string base = std::string(kApi) + "/entities?type=Sensor&";
  EXPECT_TRUE(IsProblem(
      http().Get(base + "georel=near%3BmaxDistance%3D%3D10&geometry=Point"),
      400, "BadRequestData"));
  EXPECT_EQ(http()
                .Get(base + "georel=near%3BmaxDistance%3D%3D10&geometry=Point&"
                            "coordinates=%5B1%5D")
                .status,
            400);
  EXPECT_EQ(
      http()
          .Get(base + "georel=sideways&geometry=Point&coordinates=%5B1,2%5D")
          .status,
      400);
  EXPECT_EQ(http()
                .Get(base + "georel=within&geometry=Blob&coordinates=%5B1,2%5D")
                .status,
            400);
  EXPECT_EQ(http()
                .Get(base + "georel=near&geometry=Point&coordinates=%5B1,2%5D")
                .status,
            400);
}

} // namespace
} // namespace civitas::testing
