#pragma once
// What civitas_load sends: one Workload per scenario. A Workload turns a request number into a
// complete HTTP request, writing into a request object the caller reuses, so steady state
// allocates nothing beyond what Beast itself does.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/beast/http.hpp>

namespace civitas::bench {

using Request = boost::beast::http::request<boost::beast::http::string_body>;

// The synthetic city: entities are AirQualityObserved sensors (Smart Data Models,
// dataModel.Environment) spread uniformly over a square of side 10 km around central Madrid.
// Entity i is a pure function of i, so every scenario and run sees the same data.
struct City {
  uint64_t entities = 100'000;  // ids bench-0000000 .. bench-(entities-1)
  uint64_t seed = 42;
};

// The id of entity `i`: "urn:ngsi-ld:AirQualityObserved:bench-%07d".
void AppendEntityId(std::string& out, uint64_t i);
// The normalized NGSI-LD JSON of entity `i` (5 attributes: location GeoProperty Point,
// dateObserved, temperature, no2, airQualityLevel), ~450 bytes, appended to `out`.
void AppendEntity(std::string& out, const City& city, uint64_t i);

class Workload {
 public:
  virtual ~Workload() = default;
  // Fills `req` (method, target, headers, body) for request number `n`. `req` is the previous
  // request of the same connection; Build overwrites everything it set. Thread-compatible:
  // called concurrently only with distinct `req`.
  virtual void Build(uint64_t n, Request& req) const = 0;
  // Entities (or other items) carried by one request, for items/s.
  virtual uint64_t ItemsPerRequest() const { return 1; }
};

struct WorkloadOptions {
  std::string scenario;   // upsert | patch | get | near | q | offset | type
  City city;
  uint64_t first = 0;     // upsert: first entity index
  uint64_t batch = 1000;  // upsert: entities per request
  uint64_t spread = 0;    // patch/get: entity ids drawn from [0, spread); 0 = city.entities
  uint64_t offset = 50'000;  // offset: page offset
  double max_distance_m = 1000;
  int limit = 100;
};

// The workload for `options.scenario`, or null if the name is unknown.
std::unique_ptr<Workload> MakeWorkload(const WorkloadOptions& options);

}  // namespace civitas::bench
