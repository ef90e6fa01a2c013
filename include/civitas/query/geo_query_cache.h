#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "civitas/core/result.h"
#include "civitas/query/geo_query.h"

namespace civitas::query {

// A geo-query with its index plan, shared by the requests that ask the same.
struct PlannedGeoQuery {
  GeoQuery query;
  GeoQuery::IndexPlan plan;
};

// The geo-queries of recent requests, parsed and planned, by their parameters: a map view that
// polls the same area (a dashboard, the portal) parses its geometry and covers it with S2 cells
// once instead of per request (~17 us, a tenth of a small near query's CPU). Least recently
// used entries go first; queries with long coordinates (large polygons) are not kept. Safe to
// call from several threads.
class GeoQueryCache {
 public:
  static constexpr size_t kDefaultCapacity = 256;

  GeoQueryCache() : GeoQueryCache(kDefaultCapacity) {}
  explicit GeoQueryCache(size_t capacity) : capacity_(capacity) {}

  // ParseGeoQuery's result for these parameters, planned; its errors as they are (not kept).
  Result<std::shared_ptr<const PlannedGeoQuery>> Get(std::string_view georel,
                                                     std::string_view geometry,
                                                     std::string_view coordinates,
                                                     std::string geoproperty);

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const PlannedGeoQuery>>;

  const size_t capacity_;
  std::mutex mutex_;
  std::list<Entry> recent_;  // most recently used first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> by_key_;
};

}  // namespace civitas::query
