#include "src/api/iso_duration.h"

#include <string>

namespace civitas::api {

Result<int64_t> ParseIsoDurationUs(std::string_view text) {
  auto bad = [&] {
    return BadRequestData("'" + std::string(text) +
                          "' is not an ISO 8601 duration (e.g. PT1H, P1D)");
  };
  constexpr int64_t kSecond = 1'000'000;
  constexpr int64_t kDay = 86'400 * kSecond;
  constexpr int64_t kLimit = int64_t{1} << 62;
  if (text.size() < 3 || text[0] != 'P') return bad();
  size_t i = 1;
  bool in_time = false, any = false;
  // Units must appear in this order; `rank` is the position of the last one seen.
  constexpr std::string_view kDateUnits = "YMWD";
  constexpr std::string_view kTimeUnits = "HMS";
  int rank = -1;
  int64_t total = 0;
  while (i < text.size()) {
    if (text[i] == 'T') {
      if (in_time) return bad();
      in_time = true;
      rank = -1;
      ++i;
      if (i == text.size()) return bad();
      continue;
    }
    int64_t whole = 0;
    size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (whole > kLimit / 10) return bad();
      whole = whole * 10 + (text[i] - '0');
      ++i;
      ++digits;
    }
    int64_t fraction_us = 0;
    bool has_fraction = false;
    if (i < text.size() && (text[i] == '.' || text[i] == ',')) {
      has_fraction = true;
      ++i;
      int64_t scale = 100'000;
      size_t fraction_digits = 0;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        if (fraction_digits >= 6) return bad();
        fraction_us += (text[i] - '0') * scale;
        scale /= 10;
        ++i;
        ++fraction_digits;
      }
      if (fraction_digits == 0) return bad();
    }
    if (digits == 0 || i == text.size()) return bad();
    char unit = text[i++];
    std::string_view units = in_time ? kTimeUnits : kDateUnits;
    size_t position = units.find(unit);
    if (position == std::string_view::npos || static_cast<int>(position) <= rank) return bad();
    rank = static_cast<int>(position);
    if (has_fraction && !(in_time && unit == 'S')) return bad();
    int64_t unit_us = 0;
    if (!in_time) {
      unit_us = unit == 'Y' ? 365 * kDay : unit == 'M' ? 30 * kDay : unit == 'W' ? 7 * kDay : kDay;
    } else {
      unit_us = unit == 'H' ? 3600 * kSecond : unit == 'M' ? 60 * kSecond : kSecond;
    }
    if (whole > (kLimit - total - fraction_us) / unit_us) return bad();
    total += whole * unit_us + fraction_us;
    any = true;
  }
  if (!any || total == 0) return bad();
  return static_cast<int64_t>(total);
}

}  // namespace civitas::api
