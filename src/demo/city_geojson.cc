#include <boost/json.hpp>
#include <map>

#include "civitas/demo/city.h"

namespace civitas::demo {
namespace {

namespace json = boost::json;

json::array Position(LonLat p) { return {p.lon, p.lat}; }

json::object Feature(json::object geometry, json::object properties) {
  return {{"type", "Feature"},
          {"geometry", std::move(geometry)},
          {"properties", std::move(properties)}};
}

}  // namespace

std::string CityNetworkGeoJson(const City& city) {
  json::array features;
  for (const District& d : city.districts) {
    json::array ring;
    for (LonLat p : d.ring) ring.push_back(Position(p));
    features.push_back(Feature(
        {{"type", "Polygon"}, {"coordinates", json::array{ring}}},
        {{"layer", "district"}, {"id", d.id}, {"name", d.name}, {"population", d.population}}));
  }
  std::map<int32_t, LonLat> node_at;
  for (const StreetNode& n : city.nodes) {
    node_at[n.id] = n.at;
    features.push_back(Feature({{"type", "Point"}, {"coordinates", Position(n.at)}},
                               {{"layer", "node"}, {"id", n.id}}));
  }
  for (const RoadSegment& s : city.segments) {
    features.push_back(
        Feature({{"type", "LineString"},
                 {"coordinates", json::array{Position(node_at[s.from]), Position(node_at[s.to])}}},
                {{"layer", "road"},
                 {"id", s.id},
                 {"name", s.name},
                 {"from", s.from},
                 {"to", s.to},
                 {"lanesPerDirection", s.lanes},
                 {"speedLimitKmh", s.speed_limit_kmh},
                 {"district", city.districts[s.district].id}}));
  }
  for (const PointOfInterest& p : city.pois) {
    features.push_back(Feature({{"type", "Point"}, {"coordinates", Position(p.at)}},
                               {{"layer", "poi"},
                                {"id", p.id},
                                {"name", p.name},
                                {"category", p.category},
                                {"district", city.districts[p.district].id}}));
  }
  json::object collection{{"type", "FeatureCollection"}, {"features", std::move(features)}};
  return json::serialize(collection);
}

}  // namespace civitas::demo
