#include "civitas/demo/city.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <map>

#include "src/demo/random.h"

namespace civitas::demo {
namespace {

using V = ValueType;
constexpr MeasurementSpec kAirQuality[] = {{"pm25", "GQ", V::kNumber},
                                           {"pm10", "GQ", V::kNumber},
                                           {"no2", "GQ", V::kNumber},
                                           {"o3", "GQ", V::kNumber},
                                           {"temperature", "CEL", V::kNumber}};
constexpr MeasurementSpec kNoise[] = {{"LAeq", "2N", V::kNumber}, {"LAmax", "2N", V::kNumber}};
constexpr MeasurementSpec kTraffic[] = {{"intensity", "", V::kNumber},
                                        {"averageVehicleSpeed", "KMH", V::kNumber},
                                        {"occupancy", "C62", V::kNumber},
                                        {"congested", "", V::kBoolean}};
constexpr MeasurementSpec kParking[] = {{"status", "", V::kText}};
constexpr MeasurementSpec kStreetlight[] = {{"powerState", "", V::kText},
                                            {"illuminanceLevel", "C62", V::kNumber},
                                            {"powerConsumption", "WTT", V::kNumber}};
constexpr MeasurementSpec kWaste[] = {{"fillingLevel", "C62", V::kNumber}};
constexpr MeasurementSpec kWater[] = {{"flow", "E32", V::kNumber}};
constexpr MeasurementSpec kElectricity[] = {{"totalActivePower", "WTT", V::kNumber}};
constexpr MeasurementSpec kWeather[] = {
    {"temperature", "CEL", V::kNumber},   {"relativeHumidity", "C62", V::kNumber},
    {"windSpeed", "MTS", V::kNumber},     {"windDirection", "DD", V::kNumber},
    {"precipitation", "MMT", V::kNumber}, {"atmosphericPressure", "A97", V::kNumber},
    {"solarRadiation", "D54", V::kNumber}};
constexpr MeasurementSpec kWifi[] = {{"clientsConnected", "C62", V::kNumber},
                                     {"apState", "", V::kText}};

// Indexed by DeviceKind. Shares sum to 1; water and electricity have one meter per district.
constexpr std::array<DeviceKindInfo, kDeviceKindCount> kKinds = {{
    {DeviceKind::kAirQuality, "AirQualityObserved", "aq", 600, 0.05, kAirQuality},
    {DeviceKind::kNoise, "NoiseLevelObserved", "noise", 300, 0.05, kNoise},
    {DeviceKind::kTraffic, "TrafficFlowObserved", "traffic", 300, 0.08, kTraffic},
    {DeviceKind::kParking, "ParkingSpot", "parking", 300, 0.33, kParking},
    {DeviceKind::kStreetlight, "Streetlight", "light", 900, 0.28, kStreetlight},
    {DeviceKind::kWaste, "WasteContainer", "bin", 3600, 0.15, kWaste},
    {DeviceKind::kWater, "WaterConsumptionObserved", "water", 900, 0.0, kWater},
    {DeviceKind::kElectricity, "ACMeasurement", "power", 900, 0.0, kElectricity},
    {DeviceKind::kWeather, "WeatherObserved", "weather", 600, 0.01, kWeather},
    {DeviceKind::kWifi, "AccessPoint", "wifi", 900, 0.05, kWifi},
}};

constexpr std::string_view kDistrictNames[] = {
    "Old Town",  "Harbour",   "Riverside", "University", "Market Hill", "Northgate",
    "Eastfield", "Southbank", "Westmoor",  "Ironworks",  "Garden City", "Station",
    "Lakeside",  "Vineyards", "Airport",   "Castle"};
constexpr std::string_view kStreetNames[] = {"Linden", "Mill",    "Church", "Bridge",  "Chestnut",
                                             "Union",  "Station", "Park",   "Elm",     "Canal",
                                             "Kings",  "Meadow",  "Forge",  "Orchard", "Harbour",
                                             "Tower",  "Willow",  "Quarry", "Abbey",   "Market"};
constexpr std::string_view kPoiCategories[] = {"school",   "market",  "park",
                                               "hospital", "station", "library"};

constexpr int kBlocksPerDistrict = 5;      // street blocks along each side of a district
constexpr double kDistrictKm = 2.0;        // side of a district's square
constexpr LonLat kOrigin = {7.60, 45.00};  // south-west corner of the city (fictional site)
constexpr double kKmPerDegLat = 111.2;
const double kKmPerDegLon = 111.2 * std::cos(45.0 * 3.14159265358979323846 / 180);

LonLat At(double x_km, double y_km) {
  return {kOrigin.lon + x_km / kKmPerDegLon, kOrigin.lat + y_km / kKmPerDegLat};
}

std::string Padded(int n) {
  std::string s = std::to_string(n);
  return std::string(s.size() < 3 ? 3 - s.size() : 0, '0') + s;
}

struct Grid {
  int cols = 1;
  int rows = 1;
  int districts = 1;
  int width() const { return cols * kBlocksPerDistrict + 1; }  // nodes per row
  // District of the block whose south-west corner is node (bx, by), or -1.
  int DistrictOfBlock(int bx, int by) const {
    if (bx < 0 || by < 0 || bx >= cols * kBlocksPerDistrict || by >= rows * kBlocksPerDistrict) {
      return -1;
    }
    int d = (by / kBlocksPerDistrict) * cols + bx / kBlocksPerDistrict;
    return d < districts ? d : -1;
  }
};

void LayOutDistricts(const Grid& grid, City& city) {
  for (int d = 0; d < grid.districts; ++d) {
    District district;
    district.id = "d" + std::to_string(d + 1);
    district.name = d < static_cast<int>(std::size(kDistrictNames))
                        ? std::string(kDistrictNames[d])
                        : "District " + std::to_string(d + 1);
    district.population =
        15000 + static_cast<int64_t>(60000 * Uniform(city.options.seed, d, HashName("population")));
    double x0 = (d % grid.cols) * kDistrictKm;
    double y0 = (d / grid.cols) * kDistrictKm;
    district.ring = {At(x0, y0), At(x0 + kDistrictKm, y0), At(x0 + kDistrictKm, y0 + kDistrictKm),
                     At(x0, y0 + kDistrictKm), At(x0, y0)};
    district.centre = At(x0 + kDistrictKm / 2, y0 + kDistrictKm / 2);
    city.districts.push_back(std::move(district));
  }
}

// A grid of streets 400 m apart; the lines on district borders are two-lane arterials.
void LayOutStreets(const Grid& grid, City& city) {
  const double block_km = kDistrictKm / kBlocksPerDistrict;
  std::map<int32_t, int32_t> used;  // node id → index in city.nodes
  auto node = [&](int x, int y) {
    int32_t id = y * grid.width() + x;
    if (used.emplace(id, static_cast<int32_t>(city.nodes.size())).second) {
      city.nodes.push_back({id, At(x * block_km, y * block_km)});
    }
    return id;
  };
  auto add = [&](int x0, int y0, int x1, int y1, bool horizontal) {
    // A segment belongs to a district on either side of it.
    int d = horizontal ? std::max(grid.DistrictOfBlock(x0, y0), grid.DistrictOfBlock(x0, y0 - 1))
                       : std::max(grid.DistrictOfBlock(x0, y0), grid.DistrictOfBlock(x0 - 1, y0));
    if (d < 0) return;
    int line = horizontal ? y0 : x0;
    RoadSegment segment;
    segment.id = "rs-" + std::to_string(city.segments.size() + 1);
    segment.name = std::string(kStreetNames[line % std::size(kStreetNames)]) +
                   (horizontal ? " Street" : " Avenue");
    segment.arterial = line % kBlocksPerDistrict == 0;
    segment.lanes = segment.arterial ? 2 : 1;
    segment.speed_limit_kmh = segment.arterial ? 50 : 30;
    segment.district = d;
    segment.from = node(x0, y0);
    segment.to = node(x1, y1);
    city.segments.push_back(std::move(segment));
  };
  int max_x = grid.cols * kBlocksPerDistrict;
  int max_y = grid.rows * kBlocksPerDistrict;
  for (int y = 0; y <= max_y; ++y) {
    for (int x = 0; x <= max_x; ++x) {
      if (x < max_x) add(x, y, x + 1, y, true);
      if (y < max_y) add(x, y, x, y + 1, false);
    }
  }
}

void PlacePois(City& city) {
  uint64_t seed = city.options.seed;
  for (int d = 0; d < static_cast<int>(city.districts.size()); ++d) {
    for (int k = 0; k < static_cast<int>(std::size(kPoiCategories)); ++k) {
      PointOfInterest poi;
      poi.id = "poi-" + std::to_string(city.pois.size() + 1);
      poi.category = std::string(kPoiCategories[k]);
      poi.name = city.districts[d].name + " " + poi.category;
      poi.district = d;
      const auto& ring = city.districts[d].ring;
      double u = 0.1 + 0.8 * Uniform(seed, city.pois.size(), HashName("poi-x"));
      double v = 0.1 + 0.8 * Uniform(seed, city.pois.size(), HashName("poi-y"));
      poi.at = {ring[0].lon + u * (ring[1].lon - ring[0].lon),
                ring[0].lat + v * (ring[3].lat - ring[0].lat)};
      city.pois.push_back(std::move(poi));
    }
  }
}

int MinimumOf(DeviceKind kind, int districts) {
  switch (kind) {
    case DeviceKind::kWater:        // a district meter each: the leak shows against the others
    case DeviceKind::kElectricity:  // a substation feeder each
      return districts;
    case DeviceKind::kAirQuality:  // one station gets the spike, the others stay normal
    case DeviceKind::kNoise:
      return 2;
    default:
      return 1;
  }
}

void PlaceDevices(City& city) {
  const int districts = static_cast<int>(city.districts.size());
  std::map<int32_t, LonLat> node_at;
  for (const StreetNode& n : city.nodes) node_at[n.id] = n.at;
  std::vector<std::vector<int>> segments_of(districts), arterials_of(districts);
  for (int i = 0; i < static_cast<int>(city.segments.size()); ++i) {
    segments_of[city.segments[i].district].push_back(i);
    if (city.segments[i].arterial) arterials_of[city.segments[i].district].push_back(i);
  }
  for (const DeviceKindInfo& info : kKinds) {
    int count = std::max(MinimumOf(info.kind, districts),
                         static_cast<int>(std::lround(info.share * city.options.devices)));
    std::vector<int> numbers(districts, 0);
    for (int j = 0; j < count; ++j) {
      Device device;
      device.kind = info.kind;
      device.district = j % districts;
      device.id = "demo-" + city.districts[device.district].id + "-" + std::string(info.code) +
                  "-" + Padded(++numbers[device.district]);
      device.stream = Hash(city.options.seed, HashName(device.id));
      device.phase_s = static_cast<int64_t>(device.stream % static_cast<uint64_t>(info.period_s));
      const District& district = city.districts[device.district];
      switch (info.kind) {
        case DeviceKind::kWater:
        case DeviceKind::kElectricity:
        case DeviceKind::kWeather:
          device.at = {district.centre.lon + 0.002 * (Uniform(device.stream, 0, 1) - 0.5),
                       district.centre.lat + 0.002 * (Uniform(device.stream, 0, 2) - 0.5)};
          break;
        case DeviceKind::kWifi: {
          int pois_per_district = static_cast<int>(std::size(kPoiCategories));
          device.poi = device.district * pois_per_district + (j / districts) % pois_per_district;
          device.at = city.pois[device.poi].at;
          break;
        }
        default: {
          const auto& pool =
              info.kind == DeviceKind::kTraffic && !arterials_of[device.district].empty()
                  ? arterials_of[device.district]
                  : segments_of[device.district];
          device.segment = pool[device.stream % pool.size()];
          const RoadSegment& s = city.segments[device.segment];
          LonLat a = node_at[s.from], b = node_at[s.to];
          double u = 0.1 + 0.8 * Uniform(device.stream, 0, 3);
          device.at = {a.lon + u * (b.lon - a.lon), a.lat + u * (b.lat - a.lat)};
          break;
        }
      }
      city.devices.push_back(std::move(device));
    }
  }
}

// Index of the `k`-th (mod count) device of `kind`, optionally of one district.
int NthDevice(const City& city, DeviceKind kind, uint64_t k, int district = -1) {
  std::vector<int> matches;
  for (int i = 0; i < static_cast<int>(city.devices.size()); ++i) {
    const Device& d = city.devices[i];
    if (d.kind == kind && (district < 0 || d.district == district)) matches.push_back(i);
  }
  return matches[k % matches.size()];
}

void PlantAnomalies(City& city) {
  const CityOptions& o = city.options;
  const int64_t span = o.anomaly_to_us - o.anomaly_from_us;
  const int districts = static_cast<int>(city.districts.size());
  auto at = [&](double fraction) {
    return o.anomaly_from_us + static_cast<int64_t>(fraction * static_cast<double>(span));
  };
  auto lasting = [&](int64_t start, int64_t wanted, int64_t low, int64_t high) {
    return start + std::clamp(wanted, low, high);
  };
  constexpr int64_t kMinute = 60'000'000;
  city.leak_district = static_cast<int>(Hash(o.seed, HashName("leak")) % districts);
  city.anomalies.push_back({AnomalyKind::kHiddenLeak,
                            NthDevice(city, DeviceKind::kWater, 0, city.leak_district), INT64_MIN,
                            INT64_MAX});
  int burst_district = districts > 1 ? (city.leak_district + 1) % districts : 0;
  int64_t burst = at(0.35);
  city.anomalies.push_back({AnomalyKind::kBurstPipe,
                            NthDevice(city, DeviceKind::kWater, 0, burst_district), burst,
                            lasting(burst, span / 8, 30 * kMinute, 360 * kMinute)});
  int64_t spike = at(0.55);
  city.anomalies.push_back({AnomalyKind::kPollutionSpike,
                            NthDevice(city, DeviceKind::kAirQuality, Hash(o.seed, 11)), spike,
                            lasting(spike, span / 10, 20 * kMinute, 180 * kMinute)});
  city.anomalies.push_back({AnomalyKind::kStuckSensor,
                            NthDevice(city, DeviceKind::kNoise, Hash(o.seed, 12)), at(0.25),
                            INT64_MAX});
}

}  // namespace

const DeviceKindInfo& InfoOf(DeviceKind kind) { return kKinds[static_cast<size_t>(kind)]; }

std::span<const DeviceKindInfo> AllKinds() { return kKinds; }

Result<City> BuildCity(const CityOptions& options) {
  if (options.districts < 1 || options.districts > 64) {
    return InvalidRequest("districts must be 1..64, got " + std::to_string(options.districts));
  }
  if (options.devices < 40 || options.devices > 200000) {
    return InvalidRequest("devices must be 40..200000, got " + std::to_string(options.devices));
  }
  if (options.anomaly_to_us <= options.anomaly_from_us) {
    return InvalidRequest("the anomaly window is empty");
  }
  City city;
  city.options = options;
  Grid grid;
  grid.districts = options.districts;
  grid.cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(options.districts))));
  grid.rows = (options.districts + grid.cols - 1) / grid.cols;
  LayOutDistricts(grid, city);
  LayOutStreets(grid, city);
  PlacePois(city);
  PlaceDevices(city);
  PlantAnomalies(city);
  return city;
}

}  // namespace civitas::demo
