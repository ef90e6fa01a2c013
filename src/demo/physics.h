#pragma once

// The city's shared drivers, as pure functions of time: calendar, traffic demand, weather and
// daylight. The device models in measures.cc are built on them (src/demo/README.md). Private to
// src/demo/.

#include <cstdint>

namespace civitas::demo {

inline constexpr int64_t kSecondUs = 1'000'000;
inline constexpr int64_t kMinuteUs = 60 * kSecondUs;
inline constexpr int64_t kHourUs = 60 * kMinuteUs;
inline constexpr int64_t kDayUs = 24 * kHourUs;

// Local time is UTC in the demo city.
struct CivilTime {
  int64_t day = 0;  // days since 1970-01-01
  double hour = 0;  // 0 <= hour < 24, fractional
  bool weekend = false;
};
CivilTime CivilTimeOf(int64_t t_us);

// Road traffic demand in [0, 1]: weekday rush hours around 08:00 and 17:30, a midday plateau,
// quiet nights; weekends one broad early-afternoon hump.
double TrafficDemand(const CivilTime& t);

// People out and about in [0, 1] (shops, parks, Wi-Fi): daytime and evening, more at weekends.
double Footfall(const CivilTime& t);

// Household water use in [0, 1]: morning and evening peaks, near zero at night.
double WaterUse(const CivilTime& t);

// Daylight in [0, 1]: 0 before 07:00 and after 19:00, a sine arch in between.
double Daylight(const CivilTime& t);

// City-wide weather, the same for every device at an instant (per-day draws from `seed`).
struct Weather {
  double temperature_c = 0;
  double relative_humidity = 0;  // 0..1
  double wind_speed_ms = 0;
  double wind_direction_deg = 0;
  double precipitation_mm = 0;  // in the current hour
  double pressure_hpa = 0;
  double solar_w_m2 = 0;
};
Weather WeatherAt(uint64_t seed, int64_t t_us);

}  // namespace civitas::demo
