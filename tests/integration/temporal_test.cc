// /temporal/entities: history recorded from entity writes, queried with every temporal
// parameter and representation, temporal writes and deletes, and persistence across restart.
// Expected numbers are computed here from the values the test sent.

#include <gtest/gtest.h>

#include <cmath>
#include <ctime>
#include <map>
#include <set>

#include "broker_fixture.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;

constexpr const char* kId = "urn:ngsi-ld:Room:1";
constexpr int64_t kT0 = 1'767'225'600;  // 2026-01-01T00:00:00Z, seconds
constexpr int kN = 40;
constexpr int64_t kStep = 17 * 60;  // one observation every 17 minutes

std::string Iso(int64_t seconds) {
  std::time_t t = seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string TemporalUrl(const std::string& id, const std::string& query = "") {
  return std::string(kApi) + "/temporal/entities/" + id + query;
}

class TemporalTest : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    // Observation i at kT0 + i * kStep; sent in an order with late arrivals, the last value
    // of a repeated observedAt wins.
    Create(json::object{
        {"id", kId},
        {"type", "Room"},
        {"temperature",
         json::object{{"type", "Property"}, {"value", Value(0)}, {"observedAt", Iso(kT0)}}}});
    sent_[kT0] = Value(0);
    for (int i = 1; i < kN; ++i) {
      int k = (i % 5 == 0 && i + 1 < kN) ? i + 1 : (i % 5 == 1 && i > 1) ? i - 1 : i;
      Observe(k, Value(k));
    }
    Observe(7, 99.5);  // correction of an earlier observation
  }
  static double Value(int i) { return 20 + static_cast<double>((i * 7) % 50) / 10; }
  void Observe(int i, double value) {
    auto r = http().Patch(EntityUrl(kId) + "/attrs/temperature",
                          json::object{{"value", value}, {"observedAt", Iso(kT0 + i * kStep)}});
    ASSERT_EQ(r.status, 204) << r.body;
    sent_[kT0 + i * kStep] = value;
  }
  json::object Temporal(const std::string& query) {
    auto r = http().Get(TemporalUrl(kId, query));
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    if (r.status != 200) return {};
    return r.Json().as_object();
  }
  // (time, value) of the normalized instances.
  static std::vector<std::pair<std::string, double>> Instances(const json::object& e) {
    std::vector<std::pair<std::string, double>> out;
    if (!e.contains("temperature")) return out;
    for (const auto& i : e.at("temperature").as_array()) {
      out.emplace_back(std::string(i.at("observedAt").as_string()),
                       i.at("value").to_number<double>());
    }
    return out;
  }
  std::vector<std::pair<std::string, double>> Expected(int64_t from, int64_t to) const {
    std::vector<std::pair<std::string, double>> out;
    for (auto [t, v] : sent_) {
      if (t >= from && t < to) out.emplace_back(Iso(t), v);
    }
    return out;
  }

  std::map<int64_t, double> sent_;  // observedAt (s) → latest value
};

TEST_F(TemporalTest, NormalizedHistoryHoldsEveryObservation) {
  auto e = Temporal("");
  EXPECT_EQ(e.at("id").as_string(), kId);
  EXPECT_EQ(e.at("type").as_string(), "Room");
  EXPECT_EQ(Instances(e), Expected(INT64_MIN, INT64_MAX));
  std::set<std::string> ids;
  for (const auto& i : e.at("temperature").as_array()) {
    EXPECT_EQ(i.at("type").as_string(), "Property");
    ids.emplace(i.at("instanceId").as_string());
  }
  EXPECT_EQ(ids.size(), sent_.size()) << "instanceIds are unique";
}

TEST_F(TemporalTest, TimerelSelectsTheRange) {
  const int64_t a = kT0 + 5 * kStep + 60, b = kT0 + 23 * kStep;
  EXPECT_EQ(Instances(Temporal("?timerel=before&timeAt=" + Iso(a))), Expected(INT64_MIN, a));
  EXPECT_EQ(Instances(Temporal("?timerel=after&timeAt=" + Iso(a))), Expected(a, INT64_MAX));
  EXPECT_EQ(Instances(Temporal("?timerel=between&timeAt=" + Iso(a) + "&endTimeAt=" + Iso(b))),
            Expected(a, b));
  EXPECT_EQ(Instances(Temporal("?timerel=after&timeAt=" + Iso(b) + "&timeproperty=observedAt")),
            Expected(b, INT64_MAX));
}

TEST_F(TemporalTest, LastNKeepsTheNewest) {
  auto all = Expected(INT64_MIN, INT64_MAX);
  auto got = Instances(Temporal("?lastN=3"));
  EXPECT_EQ(got, decltype(all)(all.end() - 3, all.end()));
  const int64_t b = kT0 + 10 * kStep;
  auto before = Expected(INT64_MIN, b);
  EXPECT_EQ(Instances(Temporal("?lastN=2&timerel=before&timeAt=" + Iso(b))),
            decltype(before)(before.end() - 2, before.end()));
}

TEST_F(TemporalTest, TemporalValuesAreValueTimePairs) {
  auto e = Temporal("?options=temporalValues&attrs=temperature");
  const auto& attr = e.at("temperature").as_object();
  EXPECT_EQ(attr.at("type").as_string(), "Property");
  std::vector<std::pair<std::string, double>> got;
  for (const auto& pair : attr.at("values").as_array()) {
    got.emplace_back(std::string(pair.at(1).as_string()), pair.at(0).to_number<double>());
  }
  EXPECT_EQ(got, Expected(INT64_MIN, INT64_MAX));
  EXPECT_FALSE(Temporal("?attrs=humidity").contains("temperature"));
}

TEST_F(TemporalTest, HourlyAggregatesMatchValuesSent) {
  const int64_t from = kT0, to = kT0 + 8 * 3600;
  struct Bucket {
    int64_t count = 0;
    double sum = 0, sumsq = 0, min = INFINITY, max = -INFINITY;
    std::set<double> distinct;
  };
  std::map<int64_t, Bucket> hourly;
  for (auto [t, v] : sent_) {
    if (t < from || t >= to) continue;
    auto& b = hourly[from + (t - from) / 3600 * 3600];
    ++b.count;
    b.sum += v;
    b.sumsq += v * v;
    b.min = std::min(b.min, v);
    b.max = std::max(b.max, v);
    b.distinct.insert(v);
  }
  auto e = Temporal(
      "?options=aggregatedValues&aggrMethods=totalCount,distinctCount,sum,avg,"
      "min,max,stddev,sumsq&aggrPeriodDuration=PT1H&timerel=between&timeAt=" +
      Iso(from) + "&endTimeAt=" + Iso(to));
  const auto& attr = e.at("temperature").as_object();
  auto check = [&](const char* method, auto expected) {
    const auto& values = attr.at(method).as_array();
    ASSERT_EQ(values.size(), hourly.size()) << method;
    size_t i = 0;
    for (const auto& [start, b] : hourly) {
      const auto& row = values.at(i++).as_array();
      EXPECT_NEAR(row.at(0).to_number<double>(), expected(b), 1e-9) << method << " " << start;
      EXPECT_EQ(row.at(1).as_string(), Iso(start)) << method;
      EXPECT_EQ(row.at(2).as_string(), Iso(start + 3600)) << method;
    }
  };
  check("totalCount", [](const Bucket& b) { return double(b.count); });
  check("distinctCount", [](const Bucket& b) { return double(b.distinct.size()); });
  check("sum", [](const Bucket& b) { return b.sum; });
  check("avg", [](const Bucket& b) { return b.sum / b.count; });
  check("min", [](const Bucket& b) { return b.min; });
  check("max", [](const Bucket& b) { return b.max; });
  check("sumsq", [](const Bucket& b) { return b.sumsq; });
  check("stddev", [](const Bucket& b) {
    double avg = b.sum / b.count;
    return std::sqrt(std::max(0.0, b.sumsq / b.count - avg * avg));
  });
}

TEST_F(TemporalTest, WholeRangeAggregateWithoutPeriod) {
  double sum = 0;
  for (auto [t, v] : sent_) sum += v;
  const int64_t to = kT0 + 100 * kStep;
  auto e = Temporal("?options=aggregatedValues&aggrMethods=avg,totalCount&timerel=between&timeAt=" +
                    Iso(kT0) + "&endTimeAt=" + Iso(to));
  const auto& avg = e.at("temperature").at("avg").as_array();
  ASSERT_EQ(avg.size(), 1u);
  EXPECT_NEAR(avg.at(0).at(0).to_number<double>(), sum / sent_.size(), 1e-9);
  EXPECT_EQ(avg.at(0).at(1).as_string(), Iso(kT0));
  EXPECT_EQ(avg.at(0).at(2).as_string(), Iso(to));
  EXPECT_EQ(e.at("temperature").at("totalCount").at(0).at(0).as_int64(),
            static_cast<int64_t>(sent_.size()));
}

TEST_F(TemporalTest, QueryByTypeReturnsEachEntitysHistory) {
  Create(json::object{
      {"id", "urn:ngsi-ld:Room:2"},
      {"type", "Room"},
      {"temperature",
       json::object{{"type", "Property"}, {"value", 5}, {"observedAt", Iso(kT0 + 60)}}}});
  Create(json::object{{"id", "urn:ngsi-ld:Car:1"}, {"type", "Car"}, {"speed", Prop(3)}});
  auto r = http().Get(std::string(kApi) + "/temporal/entities?type=Room&count=true&lastN=1");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::array arr = r.Json().as_array();
  ASSERT_EQ(arr.size(), 2u);
  EXPECT_EQ(arr.at(0).at("id").as_string(), kId);
  EXPECT_EQ(Instances(arr.at(0).as_object()), Expected(std::prev(sent_.end())->first, INT64_MAX));
  EXPECT_EQ(arr.at(1).at("temperature").at(0).at("value").as_int64(), 5);
  EXPECT_EQ(r.Header("ngsild-results-count"), "2");

  auto post = http().Post(
      std::string(kApi) + "/temporal/entityOperations/query",
      json::object{{"type", "Query"},
                   {"entities", json::array{json::object{{"type", "Room"}}}},
                   {"temporalQ", json::object{{"timerel", "before"}, {"timeAt", Iso(kT0 + 120)}}}});
  ASSERT_EQ(post.status, 200) << post.body;
  const json::value body = post.Json();
  ASSERT_EQ(body.as_array().size(), 2u);
  EXPECT_EQ(Instances(body.at(0).as_object()), Expected(INT64_MIN, kT0 + 120));
}

// A full page of a temporal query links to the next one (an after= cursor, as GET /entities);
// following the links visits every entity with history once, in id order, and ends on a page
// without a link. The q path (current state) pages the same way.
TEST_F(TemporalTest, QueryPagesFollowLinkNext) {
  std::vector<std::string> expected = {kId};
  for (int i = 2; i <= 7; ++i) {
    std::string id = "urn:ngsi-ld:Room:" + std::to_string(i);
    Create(json::object{
        {"id", id},
        {"type", "Room"},
        {"temperature",
         json::object{{"type", "Property"}, {"value", i}, {"observedAt", Iso(kT0 + 60 * i)}}}});
    expected.push_back(id);
  }
  for (const std::string filter : {"", "&q=temperature>=0"}) {
    std::vector<std::string> seen;
    std::string next = std::string(kApi) + "/temporal/entities?type=Room&lastN=1&limit=3" + filter;
    size_t pages = 0;
    while (!next.empty() && pages < 10) {
      auto r = http().Get(next);
      ASSERT_EQ(r.status, 200) << next << ": " << r.body;
      ++pages;
      const json::array page = r.Json().as_array();
      for (const auto& e : page) seen.emplace_back(e.at("id").as_string());
      const std::string link = r.Header("link");
      next.clear();
      if (size_t rel = link.find("rel=\"next\""); rel != std::string::npos) {
        EXPECT_EQ(page.size(), 3u) << link;
        EXPECT_EQ(link.find("offset="), std::string::npos) << link;
        size_t open = link.rfind('<', rel);
        next = link.substr(open + 1, link.find('>', open) - open - 1);
      }
    }
    EXPECT_EQ(seen, expected) << filter;
    EXPECT_EQ(pages, 3u) << filter;  // 3 + 3 + 1 entities: the short page has no link
  }
}

TEST_F(TemporalTest, BadParametersAreProblems) {
  for (const std::string query :
       {"?timerel=during&timeAt=2026-01-01T00:00:00Z", "?timerel=before",
        "?timerel=between&timeAt=2026-01-01T00:00:00Z", "?timeAt=2026-01-01T00:00:00Z",
        "?timerel=before&timeAt=yesterday", "?lastN=0", "?lastN=x", "?options=aggregatedValues",
        "?options=aggregatedValues&aggrMethods=median",
        "?options=aggregatedValues&aggrMethods=avg&aggrPeriodDuration=1H",
        "?timerel=between&timeAt=2026-01-02T00:00:00Z&endTimeAt=2026-01-01T00:00:00Z"}) {
    EXPECT_TRUE(IsProblem(http().Get(TemporalUrl(kId, query)), 400, "BadRequestData")) << query;
  }
  EXPECT_TRUE(IsProblem(http().Get(TemporalUrl("urn:ngsi-ld:Room:404")), 404, "ResourceNotFound"));
  EXPECT_TRUE(IsProblem(http().Get(TemporalUrl("not-a-uri")), 400, "BadRequestData"));
}

TEST_F(TemporalTest, DeletingTheEntityKeepsItsHistory) {
  ASSERT_EQ(http().Delete(EntityUrl(kId)).status, 204);
  EXPECT_EQ(Instances(Temporal("")), Expected(INT64_MIN, INT64_MAX));
  auto query = http().Get(std::string(kApi) + "/temporal/entities?type=Room&idPattern=.*Room.*");
  ASSERT_EQ(query.status, 200) << query.body;
  ASSERT_EQ(query.Json().as_array().size(), 1u);
  EXPECT_EQ(Instances(query.Json().at(0).as_object()), Expected(INT64_MIN, INT64_MAX));
  ASSERT_EQ(http().Delete(TemporalUrl(kId)).status, 204);
  EXPECT_TRUE(IsProblem(http().Get(TemporalUrl(kId)), 404, "ResourceNotFound"));
  EXPECT_TRUE(IsProblem(http().Delete(TemporalUrl(kId)), 404, "ResourceNotFound"));
}

TEST_F(TemporalTest, TemporalWritesCreateAppendAndDelete) {
  const std::string id = "urn:ngsi-ld:Sensor:9";
  auto instances = [](std::initializer_list<std::pair<int64_t, double>> list) {
    json::array arr;
    for (auto [t, v] : list) {
      arr.push_back(json::object{{"type", "Property"}, {"value", v}, {"observedAt", Iso(t)}});
    }
    return arr;
  };
  auto WithUnit = [](json::array arr) {
    for (auto& i : arr) i.as_object()["unitCode"] = "MTR";
    return arr;
  };
  auto created =
      http().Post(std::string(kApi) + "/temporal/entities",
                  json::object{{"id", id},
                               {"type", "Sensor"},
                               {"level", WithUnit(instances({{kT0, 1}, {kT0 + 7200, 3}}))},
                               {"state", json::array{json::object{{"type", "Relationship"},
                                                                  {"object", "urn:ngsi-ld:Mode:on"},
                                                                  {"observedAt", Iso(kT0)}}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Header("location"), "/ngsi-ld/v1/temporal/entities/" + id);
  auto again = http().Post(
      std::string(kApi) + "/temporal/entities",
      json::object{
          {"id", id}, {"type", "Sensor"}, {"level", WithUnit(instances({{kT0 + 3600, 2}}))}});
  ASSERT_EQ(again.status, 204) << again.body;
  auto appended = http().Post(TemporalUrl(id, "/attrs"),
                              json::object{{"level", WithUnit(instances({{kT0 + 7200, 4}}))}});
  ASSERT_EQ(appended.status, 204) << appended.body;
  auto r = http().Get(TemporalUrl(id, "?options=temporalValues"));
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object e = r.Json().as_object();
  EXPECT_EQ(e.at("type").as_string(), "Sensor");
  EXPECT_EQ(e.at("level").at("values"),
            (json::value(json::array{json::array{1, Iso(kT0)}, json::array{2, Iso(kT0 + 3600)},
                                     json::array{4, Iso(kT0 + 7200)}})));
  EXPECT_EQ(e.at("level").at("unitCode").as_string(), "MTR");
  EXPECT_EQ(http().Get(TemporalUrl(id)).Json().at("level").at(0).at("unitCode").as_string(), "MTR");
  EXPECT_EQ(e.at("state").at("objects"),
            json::value(json::array{json::array{"urn:ngsi-ld:Mode:on", Iso(kT0)}}));
  // An entity that exists only in history is found by temporal queries.
  auto query = http().Get(std::string(kApi) + "/temporal/entities?type=Sensor&attrs=level");
  ASSERT_EQ(query.status, 200) << query.body;
  ASSERT_EQ(query.Json().as_array().size(), 1u);
  EXPECT_EQ(query.Json().at(0).at("id").as_string(), id);
  query = http().Get(std::string(kApi) + "/temporal/entities?type=Sensor&attrs=humidity");
  EXPECT_EQ(query.Json().as_array().size(), 0u);
  EXPECT_TRUE(IsProblem(http().Post(TemporalUrl("urn:ngsi-ld:Sensor:none", "/attrs"),
                                    json::object{{"level", instances({{kT0, 1}})}}),
                        404, "ResourceNotFound"));

  ASSERT_EQ(http().Delete(TemporalUrl(id, "/attrs/level")).status, 204);
  EXPECT_TRUE(IsProblem(http().Delete(TemporalUrl(id, "/attrs/level")), 404, "ResourceNotFound"));
  const json::object after = http().Get(TemporalUrl(id)).Json().as_object();
  EXPECT_FALSE(after.contains("level"));
  EXPECT_TRUE(after.contains("state"));
}

TEST_F(TemporalTest, PatchAndDeleteOneInstance) {
  auto first = Temporal("").at("temperature").at(3).as_object();
  const std::string instance(first.at("instanceId").as_string());
  const std::string url = TemporalUrl(kId, "/attrs/temperature/" + instance);
  auto r = http().Patch(url, json::object{{"value", 55.5}});
  ASSERT_EQ(r.status, 204) << r.body;
  const int64_t t3 = std::next(sent_.begin(), 3)->first;
  sent_[t3] = 55.5;
  EXPECT_EQ(Instances(Temporal("")), Expected(INT64_MIN, INT64_MAX));
  // Moving the instance in time.
  r = http().Patch(url, json::object{{"value", 1.5}, {"observedAt", Iso(kT0 - 3600)}});
  ASSERT_EQ(r.status, 204) << r.body;
  sent_.erase(t3);
  sent_[kT0 - 3600] = 1.5;
  EXPECT_EQ(Instances(Temporal("")), Expected(INT64_MIN, INT64_MAX));
  EXPECT_TRUE(IsProblem(http().Patch(url, json::object{{"value", 2}}), 404, "ResourceNotFound"));
  auto moved = Temporal("?lastN=100").at("temperature").at(0).at("instanceId");
  ASSERT_EQ(http()
                .Delete(TemporalUrl(kId, "/attrs/temperature/" + std::string(moved.as_string())))
                .status,
            204);
  sent_.erase(kT0 - 3600);
  EXPECT_EQ(Instances(Temporal("")), Expected(INT64_MIN, INT64_MAX));
  EXPECT_TRUE(IsProblem(http().Delete(TemporalUrl(kId, "/attrs/temperature/urn:x")), 404,
                        "ResourceNotFound"));
}

// A PATCH that moves an instance without giving its payload keeps the payload, under the
// member of its attribute's type.
TEST_F(TemporalTest, PatchMovingAnInstanceKeepsAPayloadOfAnyType) {
  const std::string id = "urn:ngsi-ld:Street:1";
  const json::object names{{"fr", "Grand Place"}, {"nl", "Grote Markt"}};
  auto created =
      http().Post(std::string(kApi) + "/temporal/entities",
                  json::object{{"id", id},
                               {"type", "Street"},
                               {"name", json::array{json::object{{"type", "LanguageProperty"},
                                                                 {"languageMap", names},
                                                                 {"observedAt", Iso(kT0)}}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  auto r = http().Get(TemporalUrl(id));
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value before = r.Json();
  const std::string instance(before.at("name").at(0).at("instanceId").as_string());
  auto patched = http().Patch(TemporalUrl(id, "/attrs/name/" + instance),
                              json::object{{"observedAt", Iso(kT0 + 60)}});
  ASSERT_EQ(patched.status, 204) << patched.body;
  r = http().Get(TemporalUrl(id));
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value after = r.Json();
  ASSERT_EQ(after.at("name").as_array().size(), 1u) << r.body;
  const auto& moved = after.at("name").at(0);
  EXPECT_EQ(moved.at("type"), "LanguageProperty");
  EXPECT_EQ(moved.at("languageMap"), names);
  EXPECT_EQ(MicrosOf(std::string(moved.at("observedAt").as_string())), (kT0 + 60) * 1'000'000);
}

TEST_F(TemporalTest, ModifiedAtTimelineRecordsEntityWrites) {
  const std::string id = "urn:ngsi-ld:Counter:1";
  Create(json::object{{"id", id}, {"type", "Counter"}, {"count", Prop(0)}});
  std::vector<std::string> modified;
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(http().Patch(EntityUrl(id) + "/attrs/count", json::object{{"value", i}}).status, 204);
  }
  // Instances come in time order, so the values 0..3 say the writes were recorded in order.
  auto by_modified = http().Get(TemporalUrl(id, "?timeproperty=modifiedAt"));
  ASSERT_EQ(by_modified.status, 200) << by_modified.body;
  const json::array instances = by_modified.Json().at("count").as_array();
  ASSERT_EQ(instances.size(), 4u);
  for (size_t i = 0; i < instances.size(); ++i) {
    EXPECT_EQ(instances[i].at("value").as_int64(), static_cast<int64_t>(i));
    modified.emplace_back(instances[i].at("modifiedAt").as_string());
  }
  auto entity = Fetch(id, "?options=sysAttrs");
  EXPECT_EQ(entity.at("count").at("modifiedAt").as_string(), modified.back());
  auto last = http().Get(
      TemporalUrl(id, "?timeproperty=modifiedAt&timerel=before&timeAt=" + modified.back()));
  EXPECT_EQ(last.Json().at("count").as_array().size(), 3u);
  auto observed = http().Get(TemporalUrl(id)).Json();
  EXPECT_EQ(observed.at("count").at(3).at("observedAt").as_string(), modified.back());
  // Each instance was created when it was written: createdAt reads the same timeline.
  auto by_created = http().Get(TemporalUrl(id, "?timeproperty=createdAt&lastN=2"));
  ASSERT_EQ(by_created.status, 200) << by_created.body;
  const json::array created = by_created.Json().at("count").as_array();
  ASSERT_EQ(created.size(), 2u);
  EXPECT_EQ(created[1].at("createdAt").as_string(), modified.back());
  EXPECT_EQ(created[0].at("createdAt").as_string(), modified[2]);
  EXPECT_FALSE(created[1].as_object().contains("modifiedAt"));
  EXPECT_TRUE(IsProblem(http().Get(TemporalUrl(id, "?timeproperty=deletedAt")), 422,
                        "OperationNotSupported"));
  EXPECT_TRUE(
      IsProblem(http().Get(TemporalUrl(id, "?timeproperty=whenever")), 400, "BadRequestData"));
}

// Every write of an instance moves its modifiedAt: an entity write, a correction of the same
// observedAt, a temporal POST and an instance PATCH. The modifiedAt view lists each instance
// once, at its last write, with its observedAt and the instanceId the observedAt view gives it.
TEST_F(TemporalTest, ModifiedAtFollowsEveryWriteOfAnInstance) {
  auto modified_at = [](const json::value& instance) {
    return MicrosOf(std::string(instance.at("modifiedAt").as_string()));
  };
  auto newest = [&] {
    return Temporal("?timeproperty=modifiedAt&lastN=1").at("temperature").at(0);
  };
  auto instance_at = [&](int64_t observed) {
    const json::object history = Temporal("");
    for (const auto& i : history.at("temperature").as_array()) {
      if (i.at("observedAt").as_string() == Iso(observed)) return i;
    }
    ADD_FAILURE() << "no instance at " << Iso(observed);
    return json::value();
  };

  // The fixture's last write corrected observation 7.
  json::value last = newest();
  EXPECT_EQ(last.at("observedAt").as_string(), Iso(kT0 + 7 * kStep));
  EXPECT_EQ(last.at("value").to_number<double>(), 99.5);
  EXPECT_EQ(last.at("instanceId"), instance_at(kT0 + 7 * kStep).at("instanceId"));
  const json::array all = Temporal("?timeproperty=modifiedAt").at("temperature").as_array();
  ASSERT_EQ(all.size(), sent_.size());
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_LT(modified_at(all[i - 1]), modified_at(all[i])) << "unique write times, in order";
  }

  // A temporal POST of an old observation is its newest write.
  auto posted = http().Post(
      TemporalUrl(kId, "/attrs"),
      json::object{{"temperature",
                    json::array{json::object{
                        {"type", "Property"}, {"value", 5}, {"observedAt", Iso(kT0 - 3600)}}}}});
  ASSERT_EQ(posted.status, 204) << posted.body;
  json::value after_post = newest();
  EXPECT_EQ(after_post.at("observedAt").as_string(), Iso(kT0 - 3600));
  EXPECT_EQ(after_post.at("value").to_number<double>(), 5);
  EXPECT_GT(modified_at(after_post), modified_at(last));

  // So is an instance PATCH.
  const std::string third(instance_at(kT0 + 3 * kStep).at("instanceId").as_string());
  ASSERT_EQ(
      http()
          .Patch(TemporalUrl(kId, "/attrs/temperature/" + third), json::object{{"value", 1.25}})
          .status,
      204);
  json::value after_patch = newest();
  EXPECT_EQ(after_patch.at("observedAt").as_string(), Iso(kT0 + 3 * kStep));
  EXPECT_EQ(after_patch.at("value").to_number<double>(), 1.25);
  EXPECT_EQ(after_patch.at("instanceId").as_string(), third);
  EXPECT_GT(modified_at(after_patch), modified_at(after_post));
  EXPECT_EQ(Temporal("?timeproperty=modifiedAt").at("temperature").as_array().size(),
            sent_.size() + 1);

  // Ranges and buckets go by modifiedAt: the last two writes are after the fixture's.
  const std::string since =
      "&timerel=after&timeAt=" + std::string(last.at("modifiedAt").as_string());
  auto recent = Temporal("?timeproperty=modifiedAt" + since).at("temperature").as_array();
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent[1].at("value").to_number<double>(), 5);
  auto counted = Temporal(
      "?timeproperty=modifiedAt&options=aggregatedValues&aggrMethods=totalCount,sum" + since);
  EXPECT_EQ(counted.at("temperature").at("totalCount").at(0).at(0).as_int64(), 3);
  EXPECT_EQ(counted.at("temperature").at("sum").at(0).at(0).to_number<double>(), 99.5 + 5 + 1.25);
}

TEST_F(TemporalTest, TenantsHaveSeparateHistories) {
  const std::map<std::string, std::string> city{{"NGSILD-Tenant", "city-a"}};
  Create(json::object{{"id", kId},
                      {"type", "Room"},
                      {"temperature",
                       json::object{{"type", "Property"}, {"value", 7}, {"observedAt", Iso(kT0)}}}},
         city);
  auto r = http().Get(TemporalUrl(kId), city);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Instances(r.Json().as_object()),
            (std::vector<std::pair<std::string, double>>{{Iso(kT0), 7}}));
  EXPECT_EQ(Instances(Temporal("")), Expected(INT64_MIN, INT64_MAX));  // default tenant
  EXPECT_TRUE(IsProblem(http().Get(TemporalUrl(kId), {{"NGSILD-Tenant", "city-b"}}), 404,
                        "NonexistentTenant"));
  ASSERT_EQ(http().Delete(TemporalUrl(kId), city).status, 204);
  EXPECT_EQ(Instances(Temporal("")), Expected(INT64_MIN, INT64_MAX));
}

TEST_F(TemporalTest, LdJsonCarriesTheContext) {
  auto r = http().Get(TemporalUrl(kId, "?lastN=1"), {{"Accept", "application/ld+json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/ld+json");
  EXPECT_TRUE(r.Json().as_object().contains("@context"));
  EXPECT_EQ(r.Json().at("temperature").as_array().size(), 1u);
}

// Every representation's shape where it branches: an attribute with two datasetIds (one
// member holding both), text and JSON values, a Relationship, two types, and ld+json on a query
// (each entity carries the @context).
TEST_F(TemporalTest, RepresentationsOfDatasetsTextRelationshipsAndTypes) {
  const std::string id = "urn:ngsi-ld:Meter:1";
  auto property = [](json::value value, int64_t t, const char* dataset) {
    json::object p{{"type", "Property"}, {"value", std::move(value)}, {"observedAt", Iso(t)}};
    if (dataset != nullptr) p["datasetId"] = dataset;
    return p;
  };
  Create(json::object{
      {"id", id},
      {"type", json::array{"Meter", "Device"}},
      {"reading", json::array{property(5, kT0, "urn:a"), property(7.5, kT0 + 60, "urn:b")}},
      {"status", property("on", kT0, nullptr)},
      {"feeds",
       json::object{{"type", "Relationship"}, {"object", kId}, {"observedAt", Iso(kT0)}}}});
  ASSERT_EQ(http()
                .Patch(EntityUrl(id) + "/attrs/status",
                       json::object{{"value", json::object{{"mode", "eco"}}},
                                    {"observedAt", Iso(kT0 + 120)}})
                .status,
            204);
  const std::string query = std::string(kApi) + "/temporal/entities?id=" + id;

  auto r = http().Get(query + "&options=temporalValues", {{"Accept", "application/ld+json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/ld+json");
  const json::value values_body = r.Json();
  ASSERT_EQ(values_body.as_array().size(), 1u) << r.body;
  const json::object& values = values_body.as_array()[0].as_object();
  EXPECT_TRUE(values.contains("@context")) << r.body;
  EXPECT_EQ(values.at("type"), (json::array{"Device", "Meter"}));
  const json::array& readings = values.at("reading").as_array();
  ASSERT_EQ(readings.size(), 2u) << r.body;
  EXPECT_EQ(readings[0].at("datasetId"), "urn:a");
  EXPECT_EQ(readings[0].at("values"), (json::array{json::array{5, Iso(kT0)}}));
  EXPECT_EQ(readings[1].at("datasetId"), "urn:b");
  EXPECT_EQ(readings[1].at("values"), (json::array{json::array{7.5, Iso(kT0 + 60)}}));
  EXPECT_EQ(values.at("status").at("values"),
            (json::array{json::array{"on", Iso(kT0)},
                         json::array{json::object{{"mode", "eco"}}, Iso(kT0 + 120)}}));
  EXPECT_EQ(values.at("feeds").at("type"), "Relationship");
  EXPECT_EQ(values.at("feeds").at("objects"), (json::array{json::array{kId, Iso(kT0)}}));

  r = http().Get(query + "&attrs=reading,feeds");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value normalized_body = r.Json();
  const json::object& normalized = normalized_body.as_array()[0].as_object();
  EXPECT_FALSE(normalized.contains("@context"));
  EXPECT_FALSE(normalized.contains("status"));
  const json::array& instances = normalized.at("reading").as_array();
  ASSERT_EQ(instances.size(), 2u) << r.body;
  EXPECT_EQ(instances[0].at("datasetId"), "urn:a");
  EXPECT_EQ(instances[0].at("value"), 5);
  EXPECT_EQ(instances[1].at("datasetId"), "urn:b");
  EXPECT_EQ(instances[1].at("observedAt").as_string(), Iso(kT0 + 60));
  ASSERT_EQ(normalized.at("feeds").as_array().size(), 1u) << r.body;
  EXPECT_EQ(normalized.at("feeds").at(0).at("object"), kId);

  r = http().Get(query +
                 "&attrs=reading&options=aggregatedValues&aggrMethods=sum,totalCount,sum"
                 "&aggrPeriodDuration=PT1H");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value aggregated_body = r.Json();
  const json::array& aggregated = aggregated_body.as_array()[0].at("reading").as_array();
  ASSERT_EQ(aggregated.size(), 2u) << r.body;
  const json::array hour = {Iso(kT0), Iso(kT0 + 3600)};
  EXPECT_EQ(aggregated[1].at("sum"), (json::array{json::array{7.5, hour[0], hour[1]}}));
  EXPECT_EQ(aggregated[1].at("totalCount"), (json::array{json::array{1, hour[0], hour[1]}}));
  EXPECT_EQ(aggregated[1].as_object().size(), 4u) << "type, datasetId, sum, totalCount";
}

// A broker capped at 5 instances per attribute pages temporal answers with 206.
class TemporalPagingTest : public BrokerTest {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(
        dir_.path(), std::vector<std::string>{"--max-temporal-instances", "5"});
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<HttpClient>(server_->port());
  }
};

TEST_F(TemporalPagingTest, LongHistoriesAreCutWithContentRange) {
  json::array instances;
  for (int i = 0; i < 12; ++i) {
    instances.push_back(
        json::object{{"type", "Property"}, {"value", i}, {"observedAt", Iso(kT0 + i * 60)}});
  }
  ASSERT_EQ(http()
                .Post(std::string(kApi) + "/temporal/entities",
                      json::object{{"id", kId}, {"type", "Room"}, {"level", instances}})
                .status,
            201);
  auto r = http().Get(TemporalUrl(kId, "?options=temporalValues"));
  ASSERT_EQ(r.status, 206) << r.body;
  EXPECT_EQ(r.Json().at("level").at("values").as_array().size(), 5u);
  // The range ends (exclusive) just after the last instance returned...
  const std::string range = r.Header("content-range");
  EXPECT_EQ(range, "date-time " + Iso(kT0) + "-2026-01-01T00:04:00.000001Z/*");
  // ...so the next page starts there, with no instance repeated or skipped.
  const std::string end =
      range.substr(range.find("Z-") + 2, range.size() - 2 - range.find("Z-") - 2);
  r = http().Get(TemporalUrl(kId, "?options=temporalValues&timerel=after&timeAt=" + end));
  ASSERT_EQ(r.status, 206) << r.body;
  EXPECT_EQ(r.Json().at("level").at("values").at(0).at(0).as_int64(), 5);
  r = http().Get(TemporalUrl(kId, "?options=temporalValues&lastN=3"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("level").at("values").at(0).at(0).as_int64(), 9);
  r = http().Get(TemporalUrl(kId, "?options=temporalValues&lastN=8"));
  ASSERT_EQ(r.status, 206) << r.body;
  EXPECT_EQ(r.Json().at("level").at("values").at(0).at(0).as_int64(), 7);
  EXPECT_EQ(r.Header("content-range").substr(0, 30), "date-time " + Iso(kT0 + 7 * 60));
  EXPECT_EQ(r.Header("content-range").back(), '8');
  // Aggregates are never cut.
  r = http().Get(TemporalUrl(kId, "?options=aggregatedValues&aggrMethods=totalCount"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("level").at("totalCount").at(0).at(0).as_int64(), 12);
}

// On the modifiedAt view the instances of one request share their modifiedAt: a page never
// cuts between them (it ends just after that time), so paging loses none.
TEST_F(TemporalPagingTest, ModifiedAtPagesKeepInstancesOfOneWriteTogether) {
  auto post = [&](int first, int count) {
    json::array instances;
    for (int i = first; i < first + count; ++i) {
      instances.push_back(
          json::object{{"type", "Property"}, {"value", i}, {"observedAt", Iso(kT0 + i * 60)}});
    }
    return http()
        .Post(std::string(kApi) + "/temporal/entities",
              json::object{{"id", kId}, {"type", "Room"}, {"level", instances}})
        .status;
  };
  ASSERT_EQ(post(0, 3), 201);
  ASSERT_EQ(post(3, 4), 204);  // with the 3 before: past the cap of 5
  ASSERT_EQ(post(7, 2), 204);
  std::vector<int64_t> seen;
  std::string query = "?options=temporalValues&timeproperty=modifiedAt";
  for (int page = 0; page < 5; ++page) {
    auto r = http().Get(TemporalUrl(kId, query));
    ASSERT_TRUE(r.status == 200 || r.status == 206) << r.body;
    const json::value body = r.Json();
    for (const auto& pair : body.at("level").at("values").as_array()) {
      seen.push_back(pair.at(0).as_int64());
    }
    if (r.status == 200) break;
    const std::string range = r.Header("content-range");
    const size_t dash = range.find("Z-");
    query = "?options=temporalValues&timeproperty=modifiedAt&timerel=after&timeAt=" +
            range.substr(dash + 2, range.find('/') - dash - 2);
  }
  EXPECT_EQ(seen, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
}

// A long page is rendered in parts on several threads (forced to 3 here, whatever the
// machine's cores, with a cap of 3 instances per attribute): the parts join in id order, every
// entity's instances and buckets are its own, and a cut in any part cuts the response.
class TemporalQueryThreadsTest : public BrokerTest {
 protected:
  static constexpr size_t kCap = 3;
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(
        dir_.path(), std::vector<std::string>{"--query-threads", "3", "--max-temporal-instances",
                                              std::to_string(kCap)});
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<HttpClient>(server_->port());
    // Rooms 00-29 have 1-3 observations, rooms 30-36 (the last part's) five: only the last
    // part is cut, the first holds the earliest instance.
    for (int r = 0; r < 37; ++r) {
      char id[32];
      std::snprintf(id, sizeof id, "urn:ngsi-ld:Room:%02d", r);
      json::array instances;
      for (int i = 0; i < (r >= 30 ? 5 : 1 + r % 3); ++i) {
        const int64_t t = kT0 + r * 7 + i * 1300;
        const double v = r * 10 + i;
        instances.push_back(
            json::object{{"type", "Property"}, {"value", v}, {"observedAt", Iso(t)}});
        rooms_[id].emplace_back(t, v);
      }
      auto posted =
          http().Post(std::string(kApi) + "/temporal/entities",
                      json::object{{"id", id}, {"type", "Room"}, {"temperature", instances}});
      ASSERT_EQ(posted.status, 201) << posted.body;
    }
  }
  std::map<std::string, std::vector<std::pair<int64_t, double>>> rooms_;  // id → (s, value)
};

TEST_F(TemporalQueryThreadsTest, LongAggregatedPagesJoinInIdOrder) {
  auto r = http().Get(std::string(kApi) +
                      "/temporal/entities?type=Room&limit=100&options=aggregatedValues"
                      "&aggrMethods=totalCount,sum&aggrPeriodDuration=PT1H&timerel=between"
                      "&timeAt=" +
                      Iso(kT0) + "&endTimeAt=" + Iso(kT0 + 3 * 3600));
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value body = r.Json();
  ASSERT_EQ(body.as_array().size(), rooms_.size());
  auto room = rooms_.begin();
  for (const auto& e : body.as_array()) {
    ASSERT_EQ(e.at("id").as_string(), room->first);
    std::map<int64_t, std::pair<int64_t, double>> hourly;  // hour → count, sum
    for (auto [t, v] : room->second) {
      auto& [n, sum] = hourly[kT0 + (t - kT0) / 3600 * 3600];
      ++n;
      sum += v;
    }
    const auto& counts = e.at("temperature").at("totalCount").as_array();
    const auto& sums = e.at("temperature").at("sum").as_array();
    ASSERT_EQ(counts.size(), hourly.size()) << room->first;
    size_t k = 0;
    for (const auto& [hour, bucket] : hourly) {
      EXPECT_EQ(counts.at(k).at(0).as_int64(), bucket.first) << room->first;
      EXPECT_EQ(sums.at(k).at(0).to_number<double>(), bucket.second) << room->first;
      EXPECT_EQ(sums.at(k).at(1).as_string(), Iso(hour)) << room->first;
      ++k;
    }
    ++room;
  }
}

TEST_F(TemporalQueryThreadsTest, CutsInAnyPartCutTheResponse) {
  auto r = http().Get(std::string(kApi) + "/temporal/entities?type=Room&limit=100");
  ASSERT_EQ(r.status, 206) << r.body;
  // Each room keeps its oldest kCap instances; the range is complete up to just after the
  // earliest last-kept instance of a cut room, and starts at the earliest instance returned.
  int64_t first = INT64_MAX, end = INT64_MAX;
  const json::value body = r.Json();
  ASSERT_EQ(body.as_array().size(), rooms_.size());
  auto room = rooms_.begin();
  for (const auto& e : body.as_array()) {
    ASSERT_EQ(e.at("id").as_string(), room->first);
    const auto& sent = room->second;
    const size_t kept = std::min(sent.size(), kCap);
    const auto& instances = e.at("temperature").as_array();
    ASSERT_EQ(instances.size(), kept) << room->first;
    for (size_t i = 0; i < kept; ++i) {
      EXPECT_EQ(MicrosOf(std::string(instances.at(i).at("observedAt").as_string())),
                sent[i].first * 1'000'000);
      EXPECT_EQ(instances.at(i).at("value").to_number<double>(), sent[i].second);
    }
    first = std::min(first, sent.front().first * 1'000'000);
    if (sent.size() > kCap) end = std::min(end, sent[kCap - 1].first * 1'000'000 + 1);
    ++room;
  }
  const std::string range = r.Header("content-range");
  const std::string prefix = "date-time ";
  ASSERT_EQ(range.rfind(prefix, 0), 0u) << range;
  const size_t dash = range.find('-', range.find('T'));  // after the first time's date
  const size_t slash = range.rfind('/');
  ASSERT_NE(dash, std::string::npos);
  ASSERT_NE(slash, std::string::npos);
  EXPECT_EQ(MicrosOf(range.substr(prefix.size(), dash - prefix.size())), first) << range;
  EXPECT_EQ(MicrosOf(range.substr(dash + 1, slash - dash - 1)), end) << range;
  EXPECT_EQ(range.substr(slash), "/*");
}

TEST_F(TemporalTest, HistorySurvivesRestart) {
  auto before = Temporal("");
  auto aggregated_query =
      "?options=aggregatedValues&aggrMethods=avg,max&aggrPeriodDuration=PT1H"
      "&timerel=after&timeAt=" +
      Iso(kT0);
  auto aggregated = Temporal(aggregated_query);
  Restart();
  EXPECT_EQ(Temporal(""), before);
  EXPECT_EQ(Temporal(aggregated_query), aggregated);
  Observe(kN + 3, 42);  // and history keeps growing after the restart
  EXPECT_EQ(Instances(Temporal("")), Expected(INT64_MIN, INT64_MAX));
}

}  // namespace
}  // namespace civitas::testing
