#pragma once

// Byte-level integer encodings shared by the stored formats (entity records, time-series
// chunks): LEB128 varints, zigzag for signed values, little-endian fixed 64-bit words.
// Readers take a std::string_view, advance it past what they read, and return false on input
// that is truncated or malformed, leaving the output unspecified.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace civitas {

// Maps signed to unsigned so small magnitudes stay small: 0, -1, 1, -2 → 0, 1, 2, 3.
inline uint64_t ZigZagEncode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t ZigZagDecode(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

inline void PutVarint64(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// False if truncated or longer than 10 bytes / 64 bits.
inline bool GetVarint64(std::string_view& in, uint64_t& v) {
  // Most stored varints (lengths, counts, small deltas) are one byte.
  if (!in.empty() && static_cast<uint8_t>(in.front()) < 0x80) {
    v = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    return true;
  }
  uint64_t result = 0;
  for (int i = 0; i < 10; ++i) {
    if (static_cast<size_t>(i) >= in.size()) return false;
    const uint8_t byte = static_cast<uint8_t>(in[static_cast<size_t>(i)]);
    if (i == 9 && byte > 1) return false;
    result |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      in.remove_prefix(static_cast<size_t>(i) + 1);
      v = result;
      return true;
    }
  }
  return false;
}

inline void PutFixed64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

inline bool GetFixed64(std::string_view& in, uint64_t& v) {
  if (in.size() < 8) return false;
  v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  in.remove_prefix(8);
  return true;
}

}  // namespace civitas
