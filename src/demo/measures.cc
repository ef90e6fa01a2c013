#include "civitas/demo/measures.h"

#include <algorithm>
#include <cmath>

#include "src/demo/physics.h"
#include "src/demo/random.h"
#include "src/demo/wifi_sessions.h"

namespace civitas::demo {
namespace {

constexpr double kPi = 3.14159265358979323846;

const PlantedAnomaly* ActiveAnomaly(const City& city, const Device& device, AnomalyKind kind,
                                    int64_t t_us) {
  for (const PlantedAnomaly& a : city.anomalies) {
    if (a.kind == kind && &city.devices[a.device] == &device && t_us >= a.from_us &&
        t_us < a.to_us) {
      return &a;
    }
  }
  return nullptr;
}

// Busier districts have more traffic: a fixed factor per district in [0.7, 1.3].
double DistrictTraffic(const City& city, int district, const CivilTime& c) {
  double factor = 0.7 + 0.6 * Uniform(city.options.seed, district, HashName("traffic"));
  return std::clamp(TrafficDemand(c) * factor, 0.0, 1.0);
}

// Rounds to `decimals` places; dividing by a power of ten gives the nearest double to the
// decimal (multiplying by 0.1 would not).
double Round(double value, int decimals) {
  double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

void Push(std::vector<Reading>& out, const DeviceKindInfo& info, size_t i, double number) {
  out.push_back({&info.measurements[i], number, {}});
}
void PushText(std::vector<Reading>& out, const DeviceKindInfo& info, size_t i,
              std::string_view text) {
  out.push_back({&info.measurements[i], 0, text});
}

void AirQuality(const City& city, const Device& d, int64_t t, std::vector<Reading>& out) {
  const auto& info = InfoOf(d.kind);
  CivilTime c = CivilTimeOf(t);
  Weather w = WeatherAt(city.options.seed, t);
  uint64_t slot = static_cast<uint64_t>(t / kMinuteUs);
  double demand = DistrictTraffic(city, d.district, c);
  // Wind disperses and rain washes out what traffic emits.
  double dispersion = 2.5 / (w.wind_speed_ms + 1.0);
  double washout = w.precipitation_mm > 0 ? 0.6 : 1.0;
  double pm25 = (6 + 28 * demand * dispersion) * washout * (1 + 0.08 * Normal(d.stream, slot, 1));
  double pm10 = pm25 * 1.7 + 4 + Normal(d.stream, slot, 2);
  double no2 = (12 + 55 * demand * dispersion) * (1 + 0.08 * Normal(d.stream, slot, 3));
  if (ActiveAnomaly(city, d, AnomalyKind::kPollutionSpike, t) != nullptr) {
    pm25 *= 6;
    pm10 *= 5;
    no2 *= 3;
  }
  // Ozone forms in sunlight and is consumed by fresh NO.
  double o3 = 25 + 0.12 * w.solar_w_m2 * std::max(0.3, w.temperature_c / 20) - 0.25 * no2 +
              3 * Normal(d.stream, slot, 4);
  Push(out, info, 0, Round(std::max(1.0, pm25), 1));
  Push(out, info, 1, Round(std::max(2.0, pm10), 1));
  Push(out, info, 2, Round(std::max(1.0, no2), 1));
  Push(out, info, 3, Round(std::max(2.0, o3), 1));
  Push(out, info, 4, Round(w.temperature_c + 0.3 * Normal(d.stream, slot, 5), 1));
}

void Noise(const City& city, const Device& d, int64_t t, std::vector<Reading>& out) {
  // A stuck sensor repeats what it measured when it got stuck.
  if (const auto* stuck = ActiveAnomaly(city, d, AnomalyKind::kStuckSensor, t)) {
    t = FirstSampleAtOrAfter(d, stuck->from_us);
  }
  const auto& info = InfoOf(d.kind);
  uint64_t slot = static_cast<uint64_t>(t / kMinuteUs);
  double demand = DistrictTraffic(city, d.district, CivilTimeOf(t));
  bool arterial = d.segment >= 0 && city.segments[d.segment].arterial;
  double laeq =
      42 + (arterial ? 4 : 0) + 10 * std::log10(1 + 40 * demand) + 1.5 * Normal(d.stream, slot, 1);
  double lamax = laeq + 8 + 3 * std::fabs(Normal(d.stream, slot, 2));
  Push(out, info, 0, Round(laeq, 1));
  Push(out, info, 1, Round(lamax, 1));
}

void Traffic(const City& city, const Device& d, int64_t t, std::vector<Reading>& out) {
  const auto& info = InfoOf(d.kind);
  const RoadSegment& road = city.segments[d.segment];
  uint64_t slot = static_cast<uint64_t>(t / kMinuteUs);
  double demand = DistrictTraffic(city, d.district, CivilTimeOf(t));
  double rain = WeatherAt(city.options.seed, t).precipitation_mm > 0 ? 0.9 : 1.0;
  // Vehicles in the 5-minute period over both directions; ~800 vehicles/h/lane at capacity.
  double intensity = demand * road.lanes * 2 * 800 / 12 * (1 + 0.1 * Normal(d.stream, slot, 1));
  double occupancy =
      std::clamp(0.02 + 0.75 * std::pow(demand, 1.5) + 0.02 * Normal(d.stream, slot, 2), 0.0, 1.0);
  double speed = road.speed_limit_kmh * rain * (1.05 - 0.7 * std::max(0.0, demand - 0.5) / 0.5) *
                 (1 + 0.05 * Normal(d.stream, slot, 3));
  Push(out, info, 0, std::max(0.0, std::round(intensity)));
  Push(out, info, 1, Round(std::max(3.0, speed), 1));
  Push(out, info, 2, Round(occupancy, 3));
  Push(out, info, 3, occupancy > 0.5 ? 1 : 0);
}

void Parking(const Device& d, int64_t t, std::vector<Reading>& out) {
  CivilTime c = CivilTimeOf(t);
  double p = 0.25 + 0.65 * std::max(Footfall(c), 0.8 * TrafficDemand(c));
  // A car stays at least a quarter of an hour: the draw changes per 15-minute slot.
  bool occupied = Uniform(d.stream, static_cast<uint64_t>(t / (15 * kMinuteUs)), 1) < p;
  PushText(out, InfoOf(d.kind), 0, occupied ? "occupied" : "free");
}

void Streetlight(const Device& d, int64_t t, std::vector<Reading>& out) {
  const auto& info = InfoOf(d.kind);
  CivilTime c = CivilTimeOf(t);
  bool on = Daylight(c) == 0;
  // Dimmed to half in the small hours.
  double level = !on ? 0.0 : (c.hour < 5 ? 0.5 : 1.0);
  double rating = 60 + 90 * Uniform(d.stream, 0, 7);
  double power = on ? rating * level * (1 + 0.02 * Normal(d.stream, t / kMinuteUs, 1)) : 1.5;
  PushText(out, info, 0, on ? "on" : "off");
  Push(out, info, 1, level);
  Push(out, info, 2, Round(power, 1));
}

void Waste(const Device& d, int64_t t, std::vector<Reading>& out) {
  // Collected every `every` days at 06:00; fills at a rate that peaks at 14:00. The fill is the
  // closed-form integral of that rate since the last collection, so it only grows until the
  // next one.
  int64_t every = 2 + static_cast<int64_t>(d.stream % 3);
  int64_t offset = static_cast<int64_t>((d.stream >> 8) % static_cast<uint64_t>(every));
  int64_t shifted = t - 6 * kHourUs;
  int64_t day = CivilTimeOf(shifted).day;
  int64_t last = day - (((day - offset) % every) + every) % every;
  int64_t collected_us = last * kDayUs + 6 * kHourUs;
  auto hours = [](int64_t us) { return static_cast<double>(us) / static_cast<double>(kHourUs); };
  auto integral = [&](double h) {
    return h + 0.8 * 24 / (2 * kPi) * std::sin(2 * kPi * (h - 14) / 24);
  };
  double rate = (0.4 + 0.7 * Uniform(d.stream, 0, 9)) / (static_cast<double>(every) * 24);
  double fill = 0.02 + rate * (integral(hours(t)) - integral(hours(collected_us)));
  Push(out, InfoOf(d.kind), 0, std::floor(std::clamp(fill, 0.0, 1.0) * 100) / 100);
}

void Water(const City& city, const Device& d, int64_t t, std::vector<Reading>& out) {
  double households = static_cast<double>(city.districts[d.district].population) / 2.3;
  double mean_lh = households * 12;  // litres per hour per household, on average
  double flow = mean_lh * (0.15 + 1.7 * WaterUse(CivilTimeOf(t)));
  if (ActiveAnomaly(city, d, AnomalyKind::kHiddenLeak, t) != nullptr) flow += 0.35 * mean_lh;
  if (ActiveAnomaly(city, d, AnomalyKind::kBurstPipe, t) != nullptr) flow += 2.0 * mean_lh;
  flow *= 1 + 0.03 * Normal(d.stream, t / kMinuteUs, 1);
  Push(out, InfoOf(d.kind), 0, std::round(std::max(0.0, flow)));
}

void Electricity(const City& city, const Device& d, int64_t t, std::vector<Reading>& out) {
  CivilTime c = CivilTimeOf(t);
  Weather w = WeatherAt(city.options.seed, t);
  double people = static_cast<double>(city.districts[d.district].population);
  // Base load, activity, lighting after dark and electric heating below 12 °C.
  double watts = people * (45 + 40 * Footfall(c) + (Daylight(c) == 0 ? 15 : 0)) +
                 people * 4 * std::max(0.0, 12 - w.temperature_c);
  watts *= 1 + 0.02 * Normal(d.stream, t / kMinuteUs, 1);
  Push(out, InfoOf(d.kind), 0, std::round(watts));
}

void WeatherStation(const City& city, const Device& d, int64_t t, std::vector<Reading>& out) {
  const auto& info = InfoOf(d.kind);
  Weather w = WeatherAt(city.options.seed, t);
  uint64_t slot = static_cast<uint64_t>(t / kMinuteUs);
  Push(out, info, 0, Round(w.temperature_c + 0.2 * Normal(d.stream, slot, 1), 1));
  Push(out, info, 1, Round(w.relative_humidity, 2));
  Push(out, info, 2, Round(std::max(0.0, w.wind_speed_ms + 0.3 * Normal(d.stream, slot, 2)), 1));
  Push(out, info, 3, std::round(w.wind_direction_deg));
  Push(out, info, 4, Round(w.precipitation_mm, 1));
  Push(out, info, 5, Round(w.pressure_hpa, 1));
  Push(out, info, 6, std::round(w.solar_w_m2));
}

void AccessPoint(const City& city, const Device& d, int64_t t, std::vector<Reading>& out) {
  const auto& info = InfoOf(d.kind);
  Push(out, info, 0, ConnectedDevices(city, d, t));
  PushText(out, info, 1, "up");
}

}  // namespace

int64_t FirstSampleAtOrAfter(const Device& device, int64_t t_us) {
  int64_t period = InfoOf(device.kind).period_s * kSecondUs;
  int64_t phase = device.phase_s * kSecondUs;
  int64_t k = (t_us - phase) / period;
  int64_t first = k * period + phase;
  while (first < t_us) first += period;
  while (first - period >= t_us) first -= period;
  return first;
}

void SampleDevice(const City& city, const Device& device, int64_t t_us, std::vector<Reading>& out) {
  out.clear();
  switch (device.kind) {
    case DeviceKind::kAirQuality:
      return AirQuality(city, device, t_us, out);
    case DeviceKind::kNoise:
      return Noise(city, device, t_us, out);
    case DeviceKind::kTraffic:
      return Traffic(city, device, t_us, out);
    case DeviceKind::kParking:
      return Parking(device, t_us, out);
    case DeviceKind::kStreetlight:
      return Streetlight(device, t_us, out);
    case DeviceKind::kWaste:
      return Waste(device, t_us, out);
    case DeviceKind::kWater:
      return Water(city, device, t_us, out);
    case DeviceKind::kElectricity:
      return Electricity(city, device, t_us, out);
    case DeviceKind::kWeather:
      return WeatherStation(city, device, t_us, out);
    case DeviceKind::kWifi:
      return AccessPoint(city, device, t_us, out);
  }
}

}  // namespace civitas::demo
