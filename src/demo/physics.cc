#include "src/demo/physics.h"

#include <algorithm>
#include <cmath>

#include "src/demo/random.h"

namespace civitas::demo {
namespace {

constexpr double kPi = 3.14159265358979323846;

double Bump(double hour, double centre, double width) {
  double d = (hour - centre) / width;
  return std::exp(-0.5 * d * d);
}

// Smooth interpolation of a per-day random draw, so weather does not jump at midnight.
double DailyDraw(uint64_t seed, int64_t t_us, uint64_t salt) {
  double days = static_cast<double>(t_us) / static_cast<double>(kDayUs);
  double day0 = std::floor(days);
  double f = days - day0;
  double w = 0.5 - 0.5 * std::cos(kPi * f);
  auto at = [&](double day) { return Normal(seed, static_cast<uint64_t>(day), salt); };
  return at(day0) * (1 - w) + at(day0 + 1) * w;
}

}  // namespace

CivilTime CivilTimeOf(int64_t t_us) {
  int64_t day = t_us >= 0 ? t_us / kDayUs : -((-t_us + kDayUs - 1) / kDayUs);
  int64_t in_day = t_us - day * kDayUs;
  // 1970-01-01 was a Thursday; Monday = 0.
  int64_t weekday = ((day % 7) + 7 + 3) % 7;
  return {.day = day,
          .hour = static_cast<double>(in_day) / static_cast<double>(kHourUs),
          .weekend = weekday >= 5};
}

double TrafficDemand(const CivilTime& t) {
  double h = t.hour;
  double d = t.weekend ? 0.08 + 0.5 * Bump(h, 13.5, 3.5) + 0.15 * Bump(h, 20, 2)
                       : 0.06 + 0.85 * Bump(h, 8.0, 1.1) + 0.8 * Bump(h, 17.5, 1.5) +
                             0.4 * Bump(h, 12.5, 2.5);
  return std::clamp(d, 0.0, 1.0);
}

double Footfall(const CivilTime& t) {
  double h = t.hour;
  double f = 0.03 + 0.55 * Bump(h, 12.5, 3.0) + 0.4 * Bump(h, 18.5, 2.0);
  if (t.weekend) f *= 1.3;
  return std::clamp(f, 0.0, 1.0);
}

double WaterUse(const CivilTime& t) {
  double h = t.hour;
  double morning = t.weekend ? Bump(h, 9.0, 1.5) : Bump(h, 7.3, 1.0);
  return std::clamp(0.04 + 0.8 * morning + 0.6 * Bump(h, 20.0, 1.8) + 0.25 * Bump(h, 13, 2), 0.0,
                    1.0);
}

double Daylight(const CivilTime& t) {
  if (t.hour < 7 || t.hour >= 19) return 0;
  return std::sin(kPi * (t.hour - 7) / 12);
}

Weather WeatherAt(uint64_t seed, int64_t t_us) {
  CivilTime civil = CivilTimeOf(t_us);
  Weather w;
  double day_mean = 13 + 4 * DailyDraw(seed, t_us, 1);
  double cloud = std::clamp(0.5 + 0.35 * DailyDraw(seed, t_us, 2), 0.0, 1.0);
  // Coldest just before dawn, warmest mid-afternoon; clouds flatten the swing.
  w.temperature_c = day_mean + (1 - 0.6 * cloud) * 5 * std::sin(2 * kPi * (civil.hour - 9) / 24);
  w.wind_speed_ms =
      std::max(0.3, 3.5 + 2.2 * DailyDraw(seed, t_us, 3) + 1.0 * Bump(civil.hour, 15, 3));
  w.wind_direction_deg = std::fmod(360 + 220 + 60 * DailyDraw(seed, t_us, 4), 360.0);
  // Rain on cloudy days, in showers that come and go by the hour.
  int64_t hour_slot = t_us / kHourUs;
  double shower = Uniform(seed, static_cast<uint64_t>(hour_slot), 5);
  w.precipitation_mm =
      cloud > 0.7 && shower < cloud - 0.3 ? 0.2 + 4 * (cloud - 0.7) * shower * 10 : 0.0;
  w.relative_humidity = std::clamp(
      0.55 + 0.3 * cloud - 0.01 * (w.temperature_c - 13) + (w.precipitation_mm > 0 ? 0.15 : 0.0),
      0.1, 1.0);
  w.pressure_hpa = 1013 - 12 * (cloud - 0.5) + 2 * DailyDraw(seed, t_us, 6);
  w.solar_w_m2 = 850 * Daylight(civil) * (1 - 0.75 * cloud);
  return w;
}

}  // namespace civitas::demo
