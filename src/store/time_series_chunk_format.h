#pragma once

// Constants and small codecs shared by the time-series chunk encoder and decoder. The layout they
// implement is docs/formats/time-series-chunk.md; change both together.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "src/store/bit_stream.h"

namespace civitas::store::internal {

// Version 3 shortens the header: timestamps and a decimal chunk's summary relative to the first
// sample, exact integer sums, a predicted modifiedAt step and sparse remainders. Version 2
// Rice-codes the timestamps and decimal numbers and writes a decimal chunk's min/max/first value
// as scaled integers; version 1 chunks (before 2026-12-04) and version 2 are still read.
inline constexpr uint8_t kChunkVersion = 3;
inline constexpr uint8_t kChunkVersionRice = 2;
inline constexpr uint8_t kChunkVersionBucketed = 1;

// Header flag bits.
inline constexpr uint8_t kFlagNumbers = 1 << 0;     // at least one numeric sample
inline constexpr uint8_t kFlagText = 1 << 1;        // at least one text sample
inline constexpr uint8_t kFlagDecimal = 1 << 2;     // numbers as scaled integers, else XOR
inline constexpr uint8_t kFlagDictionary = 1 << 3;  // text as dictionary codes, else raw
inline constexpr uint8_t kFlagRolledUp = 1 << 4;    // summary only: retention dropped the samples
inline constexpr uint8_t kFlagModifiedAt = 1 << 5;  // a modifiedAt per sample
inline constexpr uint8_t kFlagExactSums = 1 << 6;   // version 3 decimal: sums as integers
inline constexpr uint8_t kKnownFlags = kFlagNumbers | kFlagText | kFlagDecimal | kFlagDictionary |
                                       kFlagRolledUp | kFlagModifiedAt | kFlagExactSums;

// Largest decimal scale: numbers are n / 10^scale with |n| < 2^53.
inline constexpr int kMaxDecimalScale = 9;
inline constexpr std::array<double, kMaxDecimalScale + 1> kPow10 = {1e0, 1e1, 1e2, 1e3, 1e4,
                                                                    1e5, 1e6, 1e7, 1e8, 1e9};
inline constexpr double kTwoPow53 = 9007199254740992.0;

__extension__ using Int128 = __int128;
__extension__ using Uint128 = unsigned __int128;

// Version 3 decimal chunks: the sums of their integers n, recomputed from the first n0 and
// d1 = sum(n - n0), d2 = sum((n - n0)^2) modulo 2^128 (exact: the encoder keeps sum(n^2) below
// 2^126), as doubles: sum(n) / 10^scale and sum(n^2) / 10^(2 scale).
struct ExactSums {
  double sum = 0;
  double sumsq = 0;
};
inline ExactSums ExactSumsOf(int64_t n0, uint64_t count, int64_t d1, uint64_t d2, int scale) {
  const Uint128 first = static_cast<Uint128>(static_cast<Int128>(n0));
  const Uint128 deltas = static_cast<Uint128>(static_cast<Int128>(d1));
  const Uint128 sum = count * first + deltas;
  const Uint128 sumsq = count * first * first + 2 * first * deltas + d2;
  const double divisor = kPow10[static_cast<std::size_t>(scale)];
  return {static_cast<double>(static_cast<Int128>(sum)) / divisor,
          static_cast<double>(static_cast<Int128>(sumsq)) / (divisor * divisor)};
}

// Version 1: a prefix code for zigzagged integers: bucket k is k one-bits, a zero bit unless k is
// the last bucket, then the value in kWidths[k] bits. Bucket 0 has width 0: the single bit "0" is
// zero.
struct BucketCode {
  std::array<int, 6> widths;
};
// Timestamps: delta-of-delta in chunk units. A regular series is all "0" bits.
inline constexpr BucketCode kTimestampCode = {{0, 7, 9, 12, 32, 64}};
// Decimal numbers: delta of the scaled integers. A sensor moving by one step costs 4 bits.
inline constexpr BucketCode kDecimalCode = {{0, 2, 6, 12, 24, 64}};

inline void WriteBucketed(BitWriter& out, const BucketCode& code, uint64_t zigzag) {
  constexpr int kLast = 5;
  int k = 0;
  while (k < kLast && code.widths[k] < 64 && (zigzag >> code.widths[k]) != 0) ++k;
  if (k > 0) out.Write((uint64_t{1} << k) - 1, k);
  if (k < kLast) out.WriteBit(false);
  out.Write(zigzag, code.widths[k]);
}

// One load for the prefix and, for widths up to 50 bits, the value too.
[[gnu::always_inline]] inline uint64_t ReadBucketed(BitReader& in, const BucketCode& code) {
  constexpr int kLast = 5;
  const uint64_t word = in.Peek();
  const int ones = std::countl_one(word);
  const int k = ones < kLast ? ones : kLast;
  const int prefix = k < kLast ? k + 1 : k;
  const int width = code.widths[k];
  if (width == 0) {
    in.Skip(prefix);
    return 0;
  }
  if (prefix + width <= 56) {
    in.Skip(prefix + width);
    return (word << prefix) >> (64 - width);
  }
  in.Skip(prefix);
  return in.Read(width);
}

// Version 2: a Rice code with a per-stream parameter k for zigzagged integers z. With q = z >> k,
// q < kRiceEscape is q one-bits, a zero, then the low k bits of z; a larger q is kRiceEscape
// one-bits, 6 bits of bit_width(z) - 1 and bit_width(z) bits of z. The encoder picks the k that
// makes the stream shortest (ChooseRiceParameter), so the code follows the chunk's own spread of
// values: a 60 s sensor's tenths (±5 jitter) take ~4 bits, a bulk load's write times ~18 bits
// per sample.
inline constexpr int kRiceEscape = 16;
inline constexpr int kMaxRiceParameter = 63;

// The k that makes the Rice stream of `values` shortest (the smallest such k), and its length
// in bits; {0, 0} for no values.
struct RiceParameter {
  int k = 0;
  uint64_t bits = 0;
};
RiceParameter ChooseRiceParameter(const std::vector<uint64_t>& values);
// The Rice parameter of a modifiedAt column's stream whose values are all 0: it is absent.
inline constexpr int kAllZero = 64;
// Version 3: the remainders' "parameter" when the section lists only the nonzero remainders.
inline constexpr int kSparseRemainders = 65;
// Version 3: this bit of the q_rice byte says the step base is written relative to
// PredictedLagStep, the step of a history loaded after the fact.
inline constexpr uint8_t kLagBaseRelative = 0x80;
// Minus the mean timestamp step, in lag units (modulo 2^64): a backfill's modifiedAt advances
// little per sample while its timestamps advance by the sampling interval.
inline uint64_t PredictedLagStep(uint64_t span, uint64_t sample_count, uint64_t lag_unit) {
  if (sample_count < 2) return 0;
  return 0 - span / (sample_count - 1) / lag_unit;
}

inline void WriteRice(BitWriter& out, uint64_t z, int k) {
  const uint64_t q = z >> k;
  if (q < kRiceEscape) {
    out.Write((uint64_t{1} << q) - 1, static_cast<int>(q));
    out.WriteBit(false);
    out.Write(z, k);
    return;
  }
  const int width = std::bit_width(z);
  out.Write((uint64_t{1} << kRiceEscape) - 1, kRiceEscape);
  out.Write(static_cast<uint64_t>(width - 1), 6);
  out.Write(z, width);
}

// One load for the common case. Bits past the end read as zero (and set overrun).
[[gnu::always_inline]] inline uint64_t ReadRice(BitReader& in, int k) {
  const uint64_t word = in.Peek();
  const int q = std::countl_one(word);
  if (q < kRiceEscape) {
    const int prefix = q + 1;
    if (k == 0) {
      in.Skip(prefix);
      return static_cast<uint64_t>(q);
    }
    if (prefix + k <= 56) {
      in.Skip(prefix + k);
      return (static_cast<uint64_t>(q) << k) | ((word << prefix) >> (64 - k));
    }
    in.Skip(prefix);
    return (static_cast<uint64_t>(q) << k) | in.Read(k);
  }
  in.Skip(kRiceEscape);
  const int width = static_cast<int>(in.Read(6)) + 1;
  return in.Read(width);
}

}  // namespace civitas::store::internal
