#include "civitas/query/geo_query_cache.h"

#include <utility>

namespace civitas::query {
namespace {

// Longer coordinates (a polygon of a few hundred vertices) are parsed per request, so that the
// cache's memory stays small whatever clients send.
constexpr size_t kMaxKeptCoordinates = 4096;

}  // namespace

Result<std::shared_ptr<const PlannedGeoQuery>> GeoQueryCache::Get(std::string_view georel,
                                                                  std::string_view geometry,
                                                                  std::string_view coordinates,
                                                                  std::string geoproperty) {
  std::string key;
  key.reserve(georel.size() + geometry.size() + coordinates.size() + geoproperty.size() + 3);
  key.append(georel).append(1, '\0').append(geometry).append(1, '\0');
  key.append(coordinates).append(1, '\0').append(geoproperty);
  {
    std::lock_guard lock(mutex_);
    if (auto found = by_key_.find(key); found != by_key_.end()) {
      recent_.splice(recent_.begin(), recent_, found->second);
      return found->second->second;
    }
  }
  CIVITAS_ASSIGN_OR_RETURN(GeoQuery query,
                           ParseGeoQuery(georel, geometry, coordinates, std::move(geoproperty)));
  GeoQuery::IndexPlan plan = query.PlanIndexScan();
  auto planned =
      std::make_shared<const PlannedGeoQuery>(PlannedGeoQuery{std::move(query), std::move(plan)});
  if (coordinates.size() > kMaxKeptCoordinates || capacity_ == 0) return planned;
  std::lock_guard lock(mutex_);
  if (by_key_.contains(key)) return planned;  // another request planned it meanwhile
  recent_.emplace_front(std::move(key), planned);
  by_key_.emplace(recent_.front().first, recent_.begin());
  if (recent_.size() > capacity_) {
    by_key_.erase(recent_.back().first);
    recent_.pop_back();
  }
  return planned;
}

}  // namespace civitas::query
