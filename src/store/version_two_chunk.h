#pragma once

// A version 2 chunk (written 2026-12-04 to 2026-12-06), assembled by hand from that layout with
// a modifiedAt column, for the tests that check such chunks stay readable. Test-only.

#include <bit>
#include <cstdint>
#include <string>

#include "civitas/core/varint.h"
#include "src/store/bit_stream.h"
#include "src/store/time_series_chunk_format.h"

namespace civitas::store {

// Three samples a minute apart from `first_us`: 21.5, 21.6, 21.4, written 1 s, 1.02 s and
// 1.010001 s after their observations.
inline std::string VersionTwoChunk(int64_t first_us) {
  constexpr int64_t kMinute = 60'000'000;
  auto bits = [](double v) { return std::bit_cast<uint64_t>(v); };
  using internal::BitWriter;
  BitWriter ts;
  internal::WriteRice(ts, ZigZagEncode(1), 0);  // delta-of-delta in minutes
  internal::WriteRice(ts, ZigZagEncode(0), 0);
  BitWriter numbers;
  internal::WriteRice(numbers, ZigZagEncode(1), 1);  // tenths after the first, 215
  internal::WriteRice(numbers, ZigZagEncode(-2), 1);
  BitWriter steps;  // lag q in ms: 1000, 1020, 1010; steps 20, -10 around a base of 20
  internal::WriteRice(steps, ZigZagEncode(0), 6);
  internal::WriteRice(steps, ZigZagEncode(-30), 6);
  BitWriter remainders;  // µs
  for (uint64_t r : {0, 0, 1}) internal::WriteRice(remainders, r, 0);
  const std::string sections[] = {ts.Finish(), numbers.Finish(), steps.Finish(),
                                  remainders.Finish()};
  std::string chunk = {internal::kChunkVersionRice,
                       internal::kFlagNumbers | internal::kFlagDecimal | internal::kFlagModifiedAt};
  PutVarint64(chunk, 3);
  PutVarint64(chunk, ZigZagEncode(first_us));
  PutVarint64(chunk, 2 * kMinute);
  PutVarint64(chunk, kMinute);
  chunk.push_back(0);  // ts_rice
  PutVarint64(chunk, 3);
  chunk.push_back(1);  // scale
  PutVarint64(chunk, ZigZagEncode(214));
  PutVarint64(chunk, ZigZagEncode(216));
  PutFixed64(chunk, bits(21.5 + 21.6 + 21.4));
  PutFixed64(chunk, bits(21.5 * 21.5 + 21.6 * 21.6 + 21.4 * 21.4));
  chunk.push_back(1);  // number_rice
  PutVarint64(chunk, ZigZagEncode(215));
  PutVarint64(chunk, 1000);  // lag unit
  PutVarint64(chunk, ZigZagEncode(1000));
  PutVarint64(chunk, ZigZagEncode(20));
  chunk.push_back(6);  // q_rice
  chunk.push_back(0);  // r_rice
  for (const std::string& section : sections) PutVarint64(chunk, section.size());
  for (const std::string& section : sections) chunk += section;
  return chunk;
}

}  // namespace civitas::store
