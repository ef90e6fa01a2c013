#include "src/demo/wifi_sessions.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "civitas/core/check.h"
#include "civitas/demo/measures.h"
#include "src/demo/physics.h"
#include "src/demo/random.h"

namespace civitas::demo {
namespace {

constexpr int64_t kLongestSessionUs = 3 * kHourUs;

struct Session {
  int64_t start_us;
  int64_t end_us;
  uint64_t device;  // a draw that makes the synthetic MAC; not an address itself
};

// Calls `visit` for each session of `ap` starting in the hour `hour` (hours since the epoch).
template <typename Visit>
void SessionsOfHour(const Device& ap, int64_t hour, Visit visit) {
  auto h = static_cast<uint64_t>(hour);
  double mean = 2 + 30 * Footfall(CivilTimeOf(hour * kHourUs + kHourUs / 2));
  int count = Poisson(ap.stream, h, 1, mean);
  for (int k = 0; k < count; ++k) {
    auto kk = static_cast<uint64_t>(k);
    int64_t start = hour * kHourUs + static_cast<int64_t>(Uniform(ap.stream, h, 100 + kk) *
                                                          static_cast<double>(kHourUs));
    double minutes = 5 - 40 * std::log(std::max(1e-9, Uniform(ap.stream, h, 200 + kk)));
    int64_t length = std::min<int64_t>(kLongestSessionUs, static_cast<int64_t>(minutes * 60e6));
    // A third of the sessions come from 50 regulars of this access point.
    bool regular = Uniform(ap.stream, h, 300 + kk) < 1.0 / 3;
    uint64_t device = regular ? Hash(ap.stream, Hash(ap.stream, h, 400 + kk) % 50, 7)
                              : Hash(ap.stream, h, 500 + kk);
    visit(Session{start, start + length, device});
  }
}

int64_t HourOf(int64_t t_us) {
  return t_us >= 0 ? t_us / kHourUs : -((-t_us + kHourUs - 1) / kHourUs);
}

}  // namespace

int ConnectedDevices(const City&, const Device& ap, int64_t t_us) {
  int connected = 0;
  int64_t hour = HourOf(t_us);
  for (int64_t h = HourOf(t_us - kLongestSessionUs); h <= hour; ++h) {
    SessionsOfHour(ap, h, [&](const Session& s) {
      if (s.start_us <= t_us && t_us < s.end_us) ++connected;
    });
  }
  return connected;
}

SessionKey RandomSessionKey() {
  CIVITAS_CHECK(sodium_init() >= 0);
  SessionKey key;
  randombytes_buf(key.data(), key.size());
  return key;
}

std::vector<WifiSession> WifiSessionsStarting(const City&, const Device& ap, int64_t from_us,
                                              int64_t to_us, const SessionKey& key) {
  CIVITAS_CHECK(sodium_init() >= 0);
  std::vector<WifiSession> sessions;
  for (int64_t h = HourOf(from_us); h <= HourOf(to_us - 1); ++h) {
    SessionsOfHour(ap, h, [&](const Session& s) {
      if (s.start_us < from_us || s.start_us >= to_us) return;
      // A locally administered unicast address, as a phone's randomised MAC is.
      std::array<unsigned char, 6> mac;
      for (size_t i = 0; i < mac.size(); ++i)
        mac[i] = static_cast<unsigned char>(s.device >> (8 * i));
      mac[0] = static_cast<unsigned char>((mac[0] | 0x02) & 0xfe);
      std::array<unsigned char, 16> digest;
      crypto_generichash(digest.data(), digest.size(), mac.data(), mac.size(), key.data(),
                         key.size());
      sodium_memzero(mac.data(), mac.size());
      std::string hex(2 * digest.size() + 1, '\0');
      sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
      hex.pop_back();
      sessions.push_back({s.start_us, s.end_us, std::move(hex)});
    });
  }
  std::sort(sessions.begin(), sessions.end(), [](const WifiSession& a, const WifiSession& b) {
    return a.start_us != b.start_us ? a.start_us < b.start_us : a.device_hash < b.device_hash;
  });
  return sessions;
}

}  // namespace civitas::demo
