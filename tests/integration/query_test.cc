// GET /entities and POST /entityOperations/query: type selectors, id lists and
// patterns, attrs, q (checked against predicates computed here), pagination and
// counting.

#include <functional>
#include <set>

#include <gtest/gtest.h>

#include "broker_fixture.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;

constexpr int kVehicles = 30;

std::string VehicleId(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "urn:ngsi-ld:Vehicle:%02d", i);
  return buf;
}

const char *Brand(int i) {
  static const char *kBrands[] = {"VW", "Seat", "Tesla"};
  return kBrands[i % 3];
}

json::object Vehicle(int i) {
  json::array types;
  if (i % 3 == 0)
    types = {"Car"};
  if (i % 3 == 1)
    types = {"Bus"};
  if (i % 3 == 2)
    types = {"Car", "Electric"};
  char observed[32];
  std::snprintf(observed, sizeof observed, "2024-01-%02dT00:00:00Z", i + 1);
  json::object e{
      {"id", VehicleId(i)},
      {"type", types},
      {"speed",
       {{"type", "Property"}, {"value", i * 10}, {"observedAt", observed}}},
      {"engine", {{"type", "Property"}, {"value", "on"}, {"temp", Prop(i)}}},
      {"spec", Prop(json::object{{"color", i % 2 == 1 ? "red" : "blue"},
                                 {"doors", 2 + i % 3}})},
      {"owner", Rel("urn:ngsi-ld:Person:" + std::to_string(i % 4))}};
  if (i % 4 != 0)
    e["brand"] = Prop(Brand(i));
  return e;
}

bool HasBrand(int i) { return i % 4 != 0; }

class QueryTest : public BrokerTest {
protected:
  void SetUp() override {
    BrokerTest::SetUp();
    json::array batch;
    for (int i = 0; i < kVehicles; ++i)
      batch.push_back(Vehicle(i));
    auto r = http().Post(std::string(kApi) + "/entityOperations/create", batch);
    ASSERT_EQ(r.status, 201) << r.body;
  }

  // Ids of the vehicles for which `want` holds, ascending.
  static std::vector<std::string>
  Expected(const std::function<bool(int)> &want) {
    std::vector<std::string> out;
    for (int i = 0; i < kVehicles; ++i) {
      if (want(i))
        out.push_back(VehicleId(i));
    }
    return out;
  }
  std::vector<std::string> QueryIds(const std::string &query) {
    return Ids(Query(query + "&limit=1000"));
  }
};

TEST_F(QueryTest, TypeSelectors) {
  EXPECT_EQ(QueryIds("type=Car"), Expected([](int i) { return i % 3 != 1; }));
  EXPECT_EQ(QueryIds("type=Bus"), Expected([](int i) { return i % 3 == 1; }));
  EXPECT_EQ(QueryIds("type=Bus,Electric"),
            Expected([](int i) { return i % 3 != 0; }));
  EXPECT_EQ(QueryIds("type=Bus|Electric"),
            Expected([](int i) { return i % 3 != 0; }));
  EXPECT_EQ(QueryIds("type=Car;Electric"),
            Expected([](int i) { return i % 3 == 2; }));
  EXPECT_EQ(QueryIds("type=(Car;Electric)|Bus"),
            Expected([](int i) { return i % 3 != 0; }));
  EXPECT_EQ(QueryIds("type=Car;(Bus|Electric)"),
            Expected([](int i) { return i % 3 == 2; }));
  EXPECT_TRUE(QueryIds("type=Tram").empty());
  EXPECT_TRUE(IsProblem(http().Get(std::string(kApi) + "/entities?type=(Car"),
                        400, "InvalidRequest"));
  EXPECT_TRUE(
      IsProblem(http().Get(std::string(kApi) + "/entities?type=Car;;Bus"), 400,
                "InvalidRequest"));
}

TEST_F(QueryTest, IdsAndIdPattern) {
  EXPECT_EQ(QueryIds("id=" + VehicleId(7) + "," + VehicleId(3) +
                     ",urn:ngsi-ld:Vehicle:99"),
            (std::vector<std::string>{VehicleId(3), VehicleId(7)}));
  EXPECT_EQ(QueryIds("type=Bus&id=" + VehicleId(7) + "," + VehicleId(3)),
            (std::vector<std::string>{VehicleId(7)}));
  EXPECT_EQ(QueryIds("idPattern=.*:0[0-4]$"),
            Expected([](int i) { return i < 5; }));
  EXPECT_EQ(QueryIds("type=Car&idPattern=urn:ngsi-ld:Vehicle:1.*"),
            Expected([](int i) { return i >= 10 && i < 20 && i % 3 != 1; }));
  EXPECT_TRUE(
      IsProblem(http().Get(std::string(kApi) + "/entities?id=not%20a%20uri"),
                400, "BadRequestData"));
  EXPECT_TRUE(
      IsProblem(http().Get(std::string(kApi) + "/entities?idPattern=(unclosed"),
                400, "BadRequestData"));
}

TEST_F(QueryTest, AttrsSelectsAndProjects) {
  auto entities = Query("attrs=brand&limit=1000");
  EXPECT_EQ(Ids(entities), Expected(HasBrand));
  for (const auto &e : entities) {
    EXPECT_TRUE(e.as_object().contains("brand"));
    EXPECT_FALSE(e.as_object().contains("speed")) << e;
  }
  EXPECT_EQ(QueryIds("type=Bus&attrs=brand,speed"),
            Expected([](int i) { return i % 3 == 1; }));
  // The projection is read from the store without the other attributes' values: a filter on
  // one of them still sees it, and kept values (objects, sub-attributes) come back whole.
  auto filtered = Query("attrs=brand&q=speed%3E100&limit=1000");
  EXPECT_EQ(Ids(filtered), Expected([](int i) { return HasBrand(i) && i * 10 > 100; }));
  for (const auto &e : filtered) {
    EXPECT_EQ(e.at("brand").at("value"), json::value(Brand(std::stoi(
                                             std::string(e.at("id").as_string()).substr(20)))))
        << e;
    EXPECT_FALSE(e.as_object().contains("speed")) << e;
  }
  for (const auto &e : Query("attrs=spec,engine&limit=1000")) {
    const int i = std::stoi(std::string(e.at("id").as_string()).substr(20));
    EXPECT_EQ(e.at("spec").at("value"),
              json::value(json::object{{"color", i % 2 == 1 ? "red" : "blue"}, {"doors", 2 + i % 3}}))
        << e;
    EXPECT_EQ(e.at("engine").at("temp").at("value"), Prop(i).at("value")) << e;
    EXPECT_FALSE(e.as_object().contains("owner")) << e;
  }
}

struct QCase {
  const char *q;
  std::function<bool(int)> want;
};

TEST_F(QueryTest, QLanguageAgainstPredicates) {
  const std::vector<QCase> cases = {
      {"speed>100", [](int i) { return i * 10 > 100; }},
      {"speed>=100", [](int i) { return i * 10 >= 100; }},
      {"speed<30", [](int i) { return i * 10 < 30; }},
      {"speed!=50", [](int i) { return i != 5; }},
      {"speed==50..150", [](int i) { return i >= 5 && i <= 15; }},
      {"speed==10,20,290", [](int i) { return i == 1 || i == 2 || i == 29; }},
      {"brand==\"VW\"", [](int i) { return HasBrand(i) && i % 3 == 0; }},
      {"brand==Seat", [](int i) { return HasBrand(i) && i % 3 == 1; }},
      {"brand!=VW", [](int i) { return HasBrand(i) && i % 3 != 0; }},
      {"brand~=^T.*a$", [](int i) { return HasBrand(i) && i % 3 == 2; }},
      {"brand!~=^T.*a$", [](int i) { return HasBrand(i) && i % 3 != 2; }},
      {"brand", HasBrand},
      {"!brand", [](int i) { return !HasBrand(i); }},
      {"engine.temp<5", [](int i) { return i < 5; }},
      {"engine.temp==3..4", [](int i) { return i == 3 || i == 4; }},
      {"spec[color]==red", [](int i) { return i % 2 == 1; }},
      {"spec[doors]==4;spec[color]==blue",
       [](int i) { return 2 + i % 3 == 4 && i % 2 == 0; }},
      {"speed.observedAt>=2024-01-20T00:00:00Z",
       [](int i) { return i + 1 >= 20; }},
      {"speed.observedAt==2024-01-02T00:00:00Z..2024-01-04T00:00:00Z",
       [](int i) { return i + 1 >= 2 && i + 1 <= 4; }},
      {"owner==urn:ngsi-ld:Person:1", [](int i) { return i % 4 == 1; }},
      {"speed<50|speed>250", [](int i) { return i < 5 || i > 25; }},
      {"(speed<50|speed>250);brand",
       [](int i) { return (i < 5 || i > 25) && HasBrand(i); }},
      {"brand==VW;speed>100|owner==urn:ngsi-ld:Person:2",
       [](int i) {
         return (HasBrand(i) && i % 3 == 0 && i > 10) || i % 4 == 2;
       }},
      {"brand==VW;(speed>100|owner==urn:ngsi-ld:Person:2)",
       [](int i) {
         return HasBrand(i) && i % 3 == 0 && (i > 10 || i % 4 == 2);
       }},
  };
  for (const auto &c : cases) {
    std::string encoded;
    for (char ch : std::string(c.q)) {
      if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' ||
          ch == '-' || ch == '_') {
        encoded += ch;
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X",
                      static_cast<unsigned char>(ch));
        encoded += buf;
      }
    }
    EXPECT_EQ(QueryIds("q=" + encoded), Expected(c.want)) << "q=" << c.q;
    // The same filter through the POST query body.
    auto r =
        http().Post(std::string(kApi) + "/entityOperations/query?limit=1000",
                    json::object{{"type", "Query"}, {"q", c.q}});
    ASSERT_EQ(r.status, 200) << c.q << ": " << r.body;
    EXPECT_EQ(Ids(r.Json().as_array()), Expected(c.want)) << "POST q=" << c.q;
  }
  EXPECT_EQ(QueryIds("type=Bus&q=speed>100"),
            Expected([](int i) { return i % 3 == 1 && i > 10; }));
  EXPECT_TRUE(
      IsProblem(http().Get(std::string(kApi) + "/entities?q=speed%3E%3E1"), 400,
                "InvalidRequest"));
  EXPECT_TRUE(
      IsProblem(http().Get(std::string(kApi) + "/entities?q=(speed%3E1"), 400,
                "InvalidRequest"));
}

TEST_F(QueryTest, PostQueryBody) {
  auto r = http().Post(
      std::string(kApi) + "/entityOperations/query?limit=1000",
      json::object{{"type", "Query"},
                   {"entities", json::array{json::object{{"type", "Bus"}}}},
                   {"attrs", json::array{"speed"}},
                   {"q", "speed>100"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto entities = r.Json().as_array();
  EXPECT_EQ(Ids(entities),
            Expected([](int i) { return i % 3 == 1 && i > 10; }));
  for (const auto &e : entities)
    EXPECT_FALSE(e.as_object().contains("brand"));

  r = http().Post(
      std::string(kApi) + "/entityOperations/query",
      json::object{
          {"type", "Query"},
          {"entities", json::array{json::object{{"id", VehicleId(4)}},
                                   json::object{{"id", VehicleId(8)}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Ids(r.Json().as_array()),
            (std::vector<std::string>{VehicleId(4), VehicleId(8)}));

  r = http().Post(
      std::string(kApi) + "/entityOperations/query?count=true&limit=2",
      json::object{{"type", "Query"},
                   {"entities",
                    json::array{json::object{{"idPattern", ".*:2[0-9]$"}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("ngsild-results-count"), "10");
  EXPECT_EQ(Ids(r.Json().as_array()),
            (std::vector<std::string>{VehicleId(20), VehicleId(21)}));

  const std::string url = std::string(kApi) + "/entityOperations/query";
  EXPECT_TRUE(
      IsProblem(http().Post(url, json::object{{"type", "Subscription"}}), 400,
                "BadRequestData"));
  EXPECT_TRUE(
      IsProblem(http().Post(url, json::array{}), 400, "BadRequestData"));
  EXPECT_TRUE(IsProblem(
      http().Post(url, json::object{{"type", "Query"}, {"q", "speed>"}}), 400,
      "InvalidRequest"));
  EXPECT_TRUE(IsProblem(
      http().Post(url + "?limit=5000", json::object{{"type", "Query"}}), 403,
      "TooManyResults"));
}

TEST_F(QueryTest, RepresentationsInQueries) {
  auto kv = Query("id=" + VehicleId(1) + "&options=keyValues");
  ASSERT_EQ(kv.size(), 1u);
  EXPECT_EQ(kv[0].at("speed").as_int64(), 10);
  EXPECT_EQ(kv[0].at("brand").as_string(), "Seat");
  auto ld = http().Get(std::string(kApi) + "/entities?id=" + VehicleId(1),
                       {{"Accept", "application/ld+json"}});
  ASSERT_EQ(ld.status, 200);
  EXPECT_EQ(ld.Header("content-type"), "application/ld+json");
  EXPECT_TRUE(ld.Json().at(0).as_object().contains("@context"));
}

TEST_F(QueryTest, PaginationAndCount) {
  std::vector<std::string> seen;
  for (int offset = 0; offset < kVehicles + 7; offset += 7) {
    auto page = Query("type=Car,Bus&limit=7&offset=" + std::to_string(offset));
    EXPECT_LE(page.size(), 7u);
    for (const auto &id : Ids(page))
      seen.push_back(id);
  }
  EXPECT_EQ(seen, Expected([](int) { return true; }));

  auto r = http().Get(std::string(kApi) +
                      "/entities?type=Bus&count=true&limit=3&offset=2");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("ngsild-results-count"), "10");
  EXPECT_EQ(
      Ids(r.Json().as_array()),
      (std::vector<std::string>{VehicleId(7), VehicleId(10), VehicleId(13)}));
  r = http().Get(std::string(kApi) +
                 "/entities?q=speed%3E100&count=true&limit=0");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("ngsild-results-count"), "19");
  EXPECT_TRUE(r.Json().as_array().empty());
  r = http().Get(std::string(kApi) + "/entities?type=Bus");
  EXPECT_TRUE(r.Header("ngsild-results-count").empty());

  const std::string base = std::string(kApi) + "/entities?type=Car&";
  EXPECT_TRUE(
      IsProblem(http().Get(base + "limit=1001"), 403, "TooManyResults"));
  EXPECT_EQ(http().Get(base + "limit=1000").status, 200);
  EXPECT_TRUE(IsProblem(http().Get(base + "limit=abc"), 400, "BadRequestData"));
  EXPECT_TRUE(IsProblem(http().Get(base + "limit=-1"), 400, "BadRequestData"));
  EXPECT_TRUE(IsProblem(http().Get(base + "offset=x"), 400, "BadRequestData"));
  EXPECT_TRUE(IsProblem(http().Get(base + "limit=0"), 400, "BadRequestData"));
}

// Entities that exist throughout a paginated walk are each seen exactly once,
// even when other entities (sorting before, between and after them) are created
// between page requests.
TEST_F(QueryTest, PaginationIsStableUnderInserts) {
  std::vector<std::string> seen;
  std::string next = std::string(kApi) + "/entities?type=Car,Bus&limit=4";
  int inserted = 0;
  for (int guard = 0; !next.empty() && guard < 100; ++guard) {
    auto r = http().Get(next);
    ASSERT_EQ(r.status, 200) << r.body;
    for (const auto &id : Ids(r.Json().as_array()))
      seen.push_back(id);
    // Follow the page's rel="next" link; none on the last page.
    next.clear();
    std::string link = r.Header("link");
    size_t rel = link.find("rel=\"next\"");
    if (rel != std::string::npos) {
      size_t open = link.rfind('<', rel);
      size_t close = link.find('>', open);
      next = link.substr(open + 1, close - open - 1);
    }
    // New entities before ("...:00a"), inside and after the walked range.
    for (const char *suffix : {"00a", "15b", "99z"}) {
      json::object e = Vehicle(1);
      e["id"] = "urn:ngsi-ld:Vehicle:" + std::string(suffix) +
                std::to_string(inserted++);
      Create(e);
    }
  }
  std::set<std::string> originals;
  for (int i = 0; i < kVehicles; ++i)
    originals.insert(VehicleId(i));
  std::map<std::string, int> times;
  for (const auto &id : seen)
    ++times[id];
  for (const auto &id : originals)
    EXPECT_EQ(times[id], 1) << id;
  for (const auto &[id, n] : times)
    EXPECT_EQ(n, 1) << id << " repeated";
}

} // namespace
} // namespace civitas::testing
