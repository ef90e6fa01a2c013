#include "civitas/core/time.h"

#include <algorithm>
#include <atomic>
#include <cstdio>

namespace civitas {
namespace {

bool ReadDigits(std::string_view s, size_t& pos, int count, int& out) {
  if (pos + count > s.size()) return false;
  int v = 0;
  for (int i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += count;
  out = v;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

Status Invalid(std::string_view text) {
  return BadRequestData("'" + std::string(text) +
                        "' is not an ISO 8601 date-time such as 2024-05-01T10:00:00Z");
}

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override {
    const int64_t wall =
        std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now())
            .time_since_epoch()
            .count() *
        1000;
    int64_t last = last_us_.load(std::memory_order_relaxed);
    int64_t next;
    do {
      next = std::max(wall, last + 1);
    } while (!last_us_.compare_exchange_weak(last, next, std::memory_order_relaxed));
    return Timestamp(std::chrono::microseconds(next));
  }

 private:
  mutable std::atomic<int64_t> last_us_{0};
};

}  // namespace

Result<Timestamp> ParseTimestamp(std::string_view s) {
  using namespace std::chrono;
  size_t pos = 0;
  int y, mo, d, h, mi, sec = 0;
  if (!ReadDigits(s, pos, 4, y) || !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, mo) ||
      !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, d)) {
    return Invalid(s);
  }
  if (!(Expect(s, pos, 'T') || Expect(s, pos, 't') || Expect(s, pos, ' ')) ||
      !ReadDigits(s, pos, 2, h) || !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, mi)) {
    return Invalid(s);
  }
  if (Expect(s, pos, ':') && !ReadDigits(s, pos, 2, sec)) return Invalid(s);
  int64_t micros = 0;
  if (Expect(s, pos, '.') || Expect(s, pos, ',')) {
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return Invalid(s);
    for (int i = digits; i < 6; ++i) micros *= 10;
  }
  int offset_minutes = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int sign = s[pos] == '+' ? 1 : -1;
      ++pos;
      int oh, om = 0;
      if (!ReadDigits(s, pos, 2, oh)) return Invalid(s);
      if (Expect(s, pos, ':')) {
        if (!ReadDigits(s, pos, 2, om)) return Invalid(s);
      } else if (pos < s.size() && !ReadDigits(s, pos, 2, om)) {
        return Invalid(s);
      }
      if (oh > 23 || om > 59) return Invalid(s);
      offset_minutes = sign * (oh * 60 + om);
    }
  }
  if (pos != s.size()) return Invalid(s);
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return Invalid(s);
  auto t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + microseconds{micros} -
           minutes{offset_minutes};
  // An offset can carry the instant out of years 0000-9999 (9999-12-31T23:00:00-05:00), where
  // FormatTimestamp's four-digit year could not write it back in a form read here.
  constexpr auto kFirst = sys_days{year{0} / January / 1};
  constexpr auto kEnd = sys_days{year{10000} / January / 1};
  if (t < kFirst || t >= kEnd) return Invalid(s);
  return Timestamp{duration_cast<microseconds>(t.time_since_epoch())};
}

namespace {

// Writes `v` as exactly `width` decimal digits (zero-padded).
char* PutDigits(char* p, long long v, int width) {
  for (int i = width - 1; i >= 0; --i, v /= 10) p[i] = static_cast<char>('0' + v % 10);
  return p + width;
}

}  // namespace

// By hand rather than snprintf: temporal replies format two timestamps per aggregate bucket.
std::string FormatTimestamp(Timestamp t) {
  using namespace std::chrono;
  auto day_point = floor<days>(t);
  year_month_day ymd{day_point};
  hh_mm_ss<microseconds> tod{t - day_point};
  char buf[48];
  char* p = buf;
  const int year = static_cast<int>(ymd.year());
  if (year >= 0 && year <= 9999) {
    p = PutDigits(p, year, 4);
  } else {
    p += std::snprintf(p, 16, "%04d", year);
  }
  *p++ = '-';
  p = PutDigits(p, static_cast<unsigned>(ymd.month()), 2);
  *p++ = '-';
  p = PutDigits(p, static_cast<unsigned>(ymd.day()), 2);
  *p++ = 'T';
  p = PutDigits(p, tod.hours().count(), 2);
  *p++ = ':';
  p = PutDigits(p, tod.minutes().count(), 2);
  *p++ = ':';
  p = PutDigits(p, tod.seconds().count(), 2);
  const long long micros = tod.subseconds().count();
  if (micros % 1000 == 0 && micros != 0) {
    *p++ = '.';
    p = PutDigits(p, micros / 1000, 3);
  } else if (micros != 0) {
    *p++ = '.';
    p = PutDigits(p, micros, 6);
  }
  *p++ = 'Z';
  return std::string(buf, p);
}

const Clock& Clock::System() {
  static const SystemClock clock;
  return clock;
}

}  // namespace civitas
