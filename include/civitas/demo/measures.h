#pragma once

// What the demo city's devices measure at an instant, and the events (citizen incident reports,
// Wi-Fi sessions) that happen in a time range. Pure functions of (City, device, time): the same
// inputs give the same outputs, in any order and on any thread; no I/O, no clock.
// The physical models are described in src/demo/README.md.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/demo/city.h"

namespace civitas::demo {

// One measured value. `spec` points into the kind's static table; `text` into static storage.
struct Reading {
  const MeasurementSpec* spec = nullptr;
  double number = 0;      // kNumber; kBoolean as 0 or 1
  std::string_view text;  // kText
};

// The readings of `device` at `t_us` (µs since the Unix epoch, UTC taken as the city's local
// time), one per MeasurementSpec of its kind, in spec order. Replaces the contents of `out`.
void SampleDevice(const City& city, const Device& device, int64_t t_us, std::vector<Reading>& out);

// The first sampling instant of `device` at or after `t_us`; the next ones follow every
// InfoOf(kind).period_s seconds.
int64_t FirstSampleAtOrAfter(const Device& device, int64_t t_us);

// A citizen's incident report (Smart Data Models Alert).
struct Incident {
  std::string id;  // "demo-inc-<district>-<hour>-<k>": the same report has the same id
  int district = 0;
  LonLat at;
  int64_t t_us = 0;
  std::string_view category;      // Alert category: "traffic", "environment", "security"
  std::string_view sub_category;  // "potholes", "overflowingBin", ...
  std::string_view severity;      // "low", "medium", "high"
  std::string_view description;
};

// The reports made in [from_us, to_us), ordered by time then id.
std::vector<Incident> IncidentsBetween(const City& city, int64_t from_us, int64_t to_us);

// A Wi-Fi connection session as the privacy pipeline will receive it: the device's synthetic
// MAC address never leaves the generator; only its keyed BLAKE2b hash (crypto_generichash,
// 16 bytes, hex) does. Use a fresh random key per run (see SessionKey).
struct WifiSession {
  int64_t start_us = 0;
  int64_t end_us = 0;
  std::string device_hash;  // 32 hex digits
};
using SessionKey = std::array<unsigned char, 32>;

// A random key from libsodium's CSPRNG.
SessionKey RandomSessionKey();

// The sessions of access point `ap` (a kWifi device) that start in [from_us, to_us).
std::vector<WifiSession> WifiSessionsStarting(const City& city, const Device& ap, int64_t from_us,
                                              int64_t to_us, const SessionKey& key);

}  // namespace civitas::demo
