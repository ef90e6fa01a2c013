#include "bench/load/workload.h"

#include <array>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

namespace civitas::bench {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view kLink =
    "<https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/"
    "context.jsonld>; rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\"";
constexpr std::string_view kEntities = "/ngsi-ld/v1/entities";

// Central Madrid; the city is the square of +-5 km around it.
constexpr double kCenterLon = -3.7038;
constexpr double kCenterLat = 40.4168;
constexpr double kHalfSideM = 5000;
constexpr double kMetresPerDegreeLat = 111'320;

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Uniform in [0, 1) from 53 bits of a hash.
double Unit(uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }

struct Point {
  double lon, lat;
};

Point RandomPoint(uint64_t h1, uint64_t h2) {
  double dlat = kHalfSideM / kMetresPerDegreeLat;
  double dlon = kHalfSideM / (kMetresPerDegreeLat * std::cos(kCenterLat * M_PI / 180));
  return {kCenterLon + (2 * Unit(h1) - 1) * dlon, kCenterLat + (2 * Unit(h2) - 1) * dlat};
}

void SetCommon(Request& req, http::verb method) {
  req.method(method);
  req.set(http::field::link, kLink);
  req.set(http::field::accept, "application/json");
  req.body().clear();
}

class UpsertWorkload : public Workload {
 public:
  explicit UpsertWorkload(const WorkloadOptions& o) : o_(o) {}
  void Build(uint64_t n, Request& req) const override {
    SetCommon(req, http::verb::post);
    req.target("/ngsi-ld/v1/entityOperations/upsert");
    req.set(http::field::content_type, "application/json");
    std::string& body = req.body();
    body.push_back('[');
    uint64_t begin = o_.first + n * o_.batch;
    for (uint64_t i = begin; i < begin + o_.batch; ++i) {
      if (i != begin) body.push_back(',');
      AppendEntity(body, o_.city, i);
    }
    body.push_back(']');
  }
  uint64_t ItemsPerRequest() const override { return o_.batch; }

 private:
  WorkloadOptions o_;
};

// Entity numbers for patch/get are scattered over [0, spread) by a hash of n.
uint64_t PickEntity(const WorkloadOptions& o, uint64_t n) {
  uint64_t spread = o.spread != 0 ? o.spread : o.city.entities;
  return SplitMix64(n ^ (o.city.seed << 32)) % spread;
}

class PatchWorkload : public Workload {
 public:
  explicit PatchWorkload(const WorkloadOptions& o) : o_(o) {}
  void Build(uint64_t n, Request& req) const override {
    SetCommon(req, http::verb::patch);
    std::string target(kEntities);
    target.push_back('/');
    AppendEntityId(target, PickEntity(o_, n));
    target.append("/attrs");
    req.target(target);
    req.set(http::field::content_type, "application/json");
    fmt::format_to(std::back_inserter(req.body()),
                   R"({{"temperature":{{"type":"Property","value":{:.1f},"unitCode":"CEL"}}}})",
                   10 + static_cast<double>(n % 250) / 10);
  }

 private:
  WorkloadOptions o_;
};

class GetWorkload : public Workload {
 public:
  explicit GetWorkload(const WorkloadOptions& o) : o_(o) {}
  void Build(uint64_t n, Request& req) const override {
    SetCommon(req, http::verb::get);
    std::string target(kEntities);
    target.push_back('/');
    AppendEntityId(target, PickEntity(o_, n));
    req.target(target);
  }

 private:
  WorkloadOptions o_;
};

// GET /entities queries; `near` draws a fresh point in the city for every request.
class QueryWorkload : public Workload {
 public:
  explicit QueryWorkload(const WorkloadOptions& o) : o_(o) {}
  void Build(uint64_t n, Request& req) const override {
    SetCommon(req, http::verb::get);
    std::string target;
    uint64_t h = SplitMix64(n ^ 0x5eed);
    if (o_.scenario == "near") {
      Point p = RandomPoint(h, SplitMix64(h));
      target = fmt::format(
          "{}?type=AirQualityObserved&georel=near%3BmaxDistance%3D%3D{:.0f}&geometry=Point"
          "&coordinates=%5B{:.6f},{:.6f}%5D&limit={}",
          kEntities, o_.max_distance_m, p.lon, p.lat, o_.limit);
    } else if (o_.scenario == "q") {
      // no2 is uniform in 0..199 and the level one of three: about 8% of the city matches.
      target = fmt::format("{}?type=AirQualityObserved&q=no2%3E{}%3BairQualityLevel%3D%3D%22moderate%22"
                           "&limit={}",
                           kEntities, 150 + h % 20, o_.limit);
    } else if (o_.scenario == "offset") {
      target = fmt::format("{}?type=AirQualityObserved&limit={}&offset={}", kEntities, o_.limit,
                           o_.offset + h % 100);
    } else {  // type
      target = fmt::format("{}?type=AirQualityObserved&limit={}", kEntities, o_.limit);
    }
    req.target(target);
  }

 private:
  WorkloadOptions o_;
};

}  // namespace

void AppendEntityId(std::string& out, uint64_t i) {
  fmt::format_to(std::back_inserter(out), "urn:ngsi-ld:AirQualityObserved:bench-{:07d}", i);
}

void AppendEntity(std::string& out, const City& city, uint64_t i) {
  static constexpr std::array<std::string_view, 3> kLevels = {"good", "moderate", "unhealthy"};
  uint64_t h = SplitMix64(i ^ (city.seed << 40));
  uint64_t h2 = SplitMix64(h);
  Point p = RandomPoint(h, h2);
  auto it = std::back_inserter(out);
  out.append(R"({"id":")");
  AppendEntityId(out, i);
  fmt::format_to(
      it,
      R"(","type":"AirQualityObserved",)"
      R"("dateObserved":{{"type":"Property","value":{{"@type":"DateTime","@value":"2024-05-01T{:02d}:{:02d}:00Z"}}}},)"
      R"("location":{{"type":"GeoProperty","value":{{"type":"Point","coordinates":[{:.6f},{:.6f}]}}}},)"
      R"("temperature":{{"type":"Property","value":{:.1f},"unitCode":"CEL"}},)"
      R"("no2":{{"type":"Property","value":{},"unitCode":"GQ"}},)"
      R"("airQualityLevel":{{"type":"Property","value":"{}"}}}})",
      h % 24, (h >> 5) % 60, p.lon, p.lat, 5 + static_cast<double>(h2 % 300) / 10, (h2 >> 10) % 200,
      kLevels[(h2 >> 20) % 3]);
}

std::unique_ptr<Workload> MakeWorkload(const WorkloadOptions& options) {
  const std::string& s = options.scenario;
  if (s == "upsert") return std::make_unique<UpsertWorkload>(options);
  if (s == "patch") return std::make_unique<PatchWorkload>(options);
  if (s == "get") return std::make_unique<GetWorkload>(options);
  if (s == "near" || s == "q" || s == "offset" || s == "type")
    return std::make_unique<QueryWorkload>(options);
  return nullptr;
}

}  // namespace civitas::bench
