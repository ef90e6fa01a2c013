#include <algorithm>

#include "civitas/demo/measures.h"
#include "src/demo/physics.h"
#include "src/demo/random.h"

namespace civitas::demo {
namespace {

struct IncidentKind {
  std::string_view category, sub_category, severity, description;
};
constexpr IncidentKind kKinds[] = {
    {"traffic", "pothole", "medium", "Deep pothole in the right lane"},
    {"traffic", "brokenTrafficLight", "high", "Traffic light stuck on red"},
    {"environment", "overflowingBin", "low", "Bin full, bags on the pavement"},
    {"environment", "illegalDumping", "medium", "Furniture dumped on the kerb"},
    {"security", "vandalism", "medium", "Bus shelter glass smashed"},
    {"environment", "noiseComplaint", "low", "Loud construction work outside permitted hours"},
    {"traffic", "streetlightOut", "low", "Street light not working"},
};
constexpr IncidentKind kWaterLeak = {"environment", "waterLeak", "high",
                                     "Water gushing from the road surface"};

LonLat RandomPointIn(const District& d, uint64_t stream, uint64_t slot) {
  double u = Uniform(stream, slot, 1), v = Uniform(stream, slot, 2);
  return {d.ring[0].lon + u * (d.ring[1].lon - d.ring[0].lon),
          d.ring[0].lat + v * (d.ring[3].lat - d.ring[0].lat)};
}

}  // namespace

std::vector<Incident> IncidentsBetween(const City& city, int64_t from_us, int64_t to_us) {
  std::vector<Incident> out;
  if (to_us <= from_us) return out;
  const uint64_t seed = city.options.seed;
  int64_t first_hour = from_us / kHourUs - (from_us < 0 ? 1 : 0);
  for (int64_t hour = first_hour; hour * kHourUs < to_us; ++hour) {
    for (int d = 0; d < static_cast<int>(city.districts.size()); ++d) {
      const District& district = city.districts[d];
      uint64_t stream = Hash(seed, HashName(district.id), HashName("incidents"));
      auto h = static_cast<uint64_t>(hour);
      // Reports follow people: about two a day per 10,000 inhabitants, mostly in daytime.
      double mean = static_cast<double>(district.population) / 10000 * 2 / 24 * 2 *
                    (0.2 + Footfall(CivilTimeOf(hour * kHourUs + kHourUs / 2)));
      int count = Poisson(stream, h, 3, mean);
      for (int k = 0; k < count; ++k) {
        uint64_t slot = Hash(h, static_cast<uint64_t>(k));
        int64_t t = hour * kHourUs +
                    static_cast<int64_t>(Uniform(stream, slot, 4) * static_cast<double>(kHourUs));
        if (t < from_us || t >= to_us) continue;
        const IncidentKind& kind = kKinds[Hash(stream, slot, 5) % std::size(kKinds)];
        out.push_back(
            {"demo-inc-" + district.id + "-" + std::to_string(hour) + "-" + std::to_string(k), d,
             RandomPointIn(district, stream, slot), t, kind.category, kind.sub_category,
             kind.severity, kind.description});
      }
    }
  }
  // A passer-by reports the burst pipe a quarter of an hour after it bursts.
  for (const PlantedAnomaly& a : city.anomalies) {
    if (a.kind != AnomalyKind::kBurstPipe) continue;
    int64_t t = a.from_us + 15 * kMinuteUs;
    if (t < from_us || t >= to_us) continue;
    const Device& meter = city.devices[a.device];
    out.push_back({"demo-inc-" + city.districts[meter.district].id + "-burst", meter.district,
                   meter.at, t, kWaterLeak.category, kWaterLeak.sub_category, kWaterLeak.severity,
                   kWaterLeak.description});
  }
  std::sort(out.begin(), out.end(), [](const Incident& a, const Incident& b) {
    return a.t_us != b.t_us ? a.t_us < b.t_us : a.id < b.id;
  });
  return out;
}

}  // namespace civitas::demo
