// The length of the prefix two byte strings share, for the stored formats' prefix compression.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace civitas {

// The number of leading bytes `a` and `b` have in common. Eight bytes at a time: the keys and
// IRIs it compares share most of their 50-100 bytes, and a write compares one per series.
inline std::size_t SharedPrefixSize(std::string_view a, std::string_view b) {
  static_assert(std::endian::native == std::endian::little ||
                std::endian::native == std::endian::big);
  const std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x = 0, y = 0;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) {
      // The first differing byte is the lowest-addressed one: the low end on little-endian.
      const int bit = std::endian::native == std::endian::little ? std::countr_zero(x ^ y)
                                                                 : std::countl_zero(x ^ y);
      return i + static_cast<std::size_t>(bit) / 8;
    }
  }
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

}  // namespace civitas
