// Encoder of the time-series chunk (docs/formats/time-series-chunk.md).
#include "civitas/store/time_series_chunk.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "src/store/bit_stream.h"
#include "src/store/time_series_chunk_format.h"

namespace civitas::store {
namespace {

using internal::BitWriter;

uint64_t BitsOf(double v) { return std::bit_cast<uint64_t>(v); }

using internal::Int128;
using internal::Uint128;

// gcd(g, v), cheap when v is a multiple of g (most of a column's values, once g has settled):
// one division instead of the binary GCD's dozens of steps on 40-bit values.
uint64_t GcdWith(uint64_t g, uint64_t v) {
  if (g == 1 || (g != 0 && v % g == 0)) return g;
  return std::gcd(g, v);
}

// True if `v` is bit-exactly n / 10^scale for the integer n = round(v * 10^scale), |n| < 2^53.
// The check runs the decoder's own expression, so a chunk that passes decodes bit-exactly.
bool ScaledExactly(double v, int scale, int64_t& n) {
  const double scaled = v * internal::kPow10[scale];
  if (!(std::fabs(scaled) < internal::kTwoPow53)) return false;
  n = std::llround(scaled);
  return BitsOf(static_cast<double>(n) / internal::kPow10[scale]) == BitsOf(v);
}

// The smallest decimal scale at which every number is exact, or -1 (NaN, infinities, -0.0,
// values too large or too fine). Exactness at scale s implies exactness at any larger scale (both
// are the correctly rounded quotient of the same rational) as long as n stays below 2^53; the
// final pass in ScaleAll verifies it anyway.
int ChooseDecimalScale(const std::vector<double>& numbers) {
  int scale = 0;
  int64_t n = 0;
  for (double v : numbers) {
    if (!std::isfinite(v)) return -1;
    while (!ScaledExactly(v, scale, n)) {
      if (++scale > internal::kMaxDecimalScale) return -1;
    }
  }
  return scale;
}

// The scaled integers of the numbers. False if some value is not exact at `scale` after all.
bool ScaleAll(const std::vector<double>& numbers, int scale, std::vector<int64_t>& scaled) {
  scaled.resize(numbers.size());
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    if (!ScaledExactly(numbers[i], scale, scaled[i])) return false;
  }
  return true;
}

std::string RiceSection(const std::vector<uint64_t>& values, int k) {
  BitWriter bits;
  for (uint64_t z : values) internal::WriteRice(bits, z, k);
  return bits.Finish();
}

// Rice codes `values` with the parameter that makes them shortest; returns that parameter.
int EncodeRice(const std::vector<uint64_t>& values, std::string& out) {
  const int k = internal::ChooseRiceParameter(values).k;
  out = RiceSection(values, k);
  return k;
}

// Gorilla XOR: "0" repeats the previous value; "10" + the meaningful bits inside the previous
// leading/trailing-zero window; "11" + 6 bits leading zeros + 6 bits (length - 1) + the bits.
std::string EncodeXor(const std::vector<double>& numbers) {
  BitWriter bits;
  uint64_t previous = 0;
  int window_lead = -1;  // no window yet
  int window_trail = 0;
  for (double v : numbers) {
    const uint64_t x = BitsOf(v) ^ previous;
    previous = BitsOf(v);
    if (x == 0) {
      bits.WriteBit(false);
      continue;
    }
    const int lead = std::countl_zero(x);
    const int trail = std::countr_zero(x);
    if (window_lead >= 0 && lead >= window_lead && trail >= window_trail) {
      bits.Write(0b10, 2);
      bits.Write(x >> window_trail, 64 - window_lead - window_trail);
      continue;
    }
    const int length = 64 - lead - trail;
    bits.Write(0b11, 2);
    bits.Write(static_cast<uint64_t>(lead), 6);
    bits.Write(static_cast<uint64_t>(length - 1), 6);
    bits.Write(x >> trail, length);
    window_lead = lead;
    window_trail = trail;
  }
  return bits.Finish();
}

// v = q * unit + r with 0 <= r < unit (floor division): version 3 writes the first timestamp so,
// which takes a minute series' first time in minutes, 4 bytes instead of 8.
std::pair<int64_t, uint64_t> FloorSplit(int64_t v, uint64_t unit) {
  const Int128 divisor = unit;
  Int128 q = v / divisor;
  Int128 r = v % divisor;
  if (r < 0) {
    r += divisor;
    --q;
  }
  return {static_cast<int64_t>(q), static_cast<uint64_t>(r)};
}

// A decimal chunk's sums in a few bytes where two doubles took 16: d1 = sum(n - n0) and
// d2 = sum((n - n0)^2) over its integers n (n0 the first), which give the exact sums, and how
// many units in the last place the summary's sums (added in sample order, as a head's loose
// samples are aggregated) lie from the exact ones' doubles, which gives them back bit-exactly.
// Empty when d2 or sum(n^2) leave their ranges (the decoder recomputes sum(n^2) in 128 bits).
struct DecimalSums {
  int64_t d1 = 0;
  uint64_t d2 = 0;
  uint64_t sum_ulps = 0;  // zigzag(bits(sum) - bits(exact sum)), modulo 2^64
  uint64_t sumsq_ulps = 0;
};
std::optional<DecimalSums> ExactDecimalSums(const std::vector<int64_t>& scaled, int scale,
                                            const ChunkSummary& summary) {
  const int64_t first = scaled.front();
  Int128 d1 = 0;
  Uint128 d2 = 0;
  Uint128 sumsq = 0;
  constexpr Uint128 kSumsqLimit = static_cast<Uint128>(1) << 126;
  for (int64_t n : scaled) {
    const Int128 d = static_cast<Int128>(n) - first;  // |d| < 2^54
    d1 += d;                                          // |d1| <= d2 below: no overflow
    d2 += static_cast<Uint128>(d * d);
    sumsq += static_cast<Uint128>(static_cast<Int128>(n) * n);  // n^2 < 2^106
    if (d2 > UINT64_MAX || sumsq >= kSumsqLimit) return std::nullopt;
  }
  if (d1 > INT64_MAX || d1 < INT64_MIN) return std::nullopt;
  DecimalSums sums{static_cast<int64_t>(d1), static_cast<uint64_t>(d2)};
  const internal::ExactSums exact =
      internal::ExactSumsOf(first, scaled.size(), sums.d1, sums.d2, scale);
  sums.sum_ulps = ZigZagEncode(static_cast<int64_t>(BitsOf(summary.sum) - BitsOf(exact.sum)));
  sums.sumsq_ulps = ZigZagEncode(static_cast<int64_t>(BitsOf(summary.sumsq) - BitsOf(exact.sumsq)));
  return sums;
}

// The modifiedAt column as lags behind the timestamps, lag = modifiedAt - timestamp (modulo
// 2^64): a sensor's write follows its observation by a network delay, so lags vary far less
// than the modifiedAt times themselves. Each lag is q * unit + r with 0 <= r < unit. The q are
// written as steps from the previous q minus the median step (a history loaded after the fact
// steps by about minus the sampling interval), the r as they are; a stream of zeros (every
// step the median, no remainder) is left out.
// The server stamps whole milliseconds, plus a µs or two when writes crowd one millisecond
// (Clock::Now), so a unit of 1000 leaves small, mostly zero remainders; the encoder also tries
// the GCD of the lags, which leaves none.
struct LagColumn {
  uint64_t unit = 1;
  int64_t first = 0;  // q of the first sample
  int64_t base = 0;   // the median step of q
  int q_rice = internal::kAllZero;
  int r_rice = internal::kAllZero;
  std::vector<uint64_t> q_steps;  // zigzag(step of q - base), from the second sample on
  std::vector<uint64_t> remainders;
  std::string sparse_remainders;  // the remainders section when r_rice is kSparseRemainders
  uint64_t bits = 0;              // of both sections
};

// The lags split into q * unit + r with 0 <= r < unit (floor division). `Unit` is an int64_t or
// a std::integral_constant: the common units (1, 1000) divide by a constant, a multiply, where
// a runtime divisor costs tens of cycles per lag.
template <typename Unit>
bool SplitLags(const std::vector<int64_t>& lags, Unit unit, std::vector<int64_t>& q,
               std::vector<uint64_t>& r) {
  bool remainders = false;
  for (std::size_t i = 0; i < lags.size(); ++i) {
    const int64_t divisor = unit;
    q[i] = lags[i] / divisor;
    int64_t rest = lags[i] % divisor;
    if (rest < 0) {
      rest += divisor;
      --q[i];
    }
    r[i] = static_cast<uint64_t>(rest);
    remainders |= rest != 0;
  }
  return remainders;
}

// The remainders section that lists only the nonzero remainders: for each, varint(its index -
// the index after the previous one) and varint(remainder). The server's clock adds a µs to a
// write time only when writes crowd a millisecond, so most chunks have a few such remainders,
// which a Rice stream would pay a bit per sample for.
std::string SparseRemaindersSection(const std::vector<uint64_t>& remainders) {
  std::string out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < remainders.size(); ++i) {
    if (remainders[i] == 0) continue;
    PutVarint64(out, i - next);
    PutVarint64(out, remainders[i]);
    next = i + 1;
  }
  return out;
}

// The column of `lags` in `unit`, its sections' parameters and size chosen, not yet written.
LagColumn MeasureLags(const std::vector<int64_t>& lags, int64_t unit) {
  LagColumn column;
  column.unit = static_cast<uint64_t>(unit);
  std::vector<int64_t> q(lags.size());
  column.remainders.resize(lags.size());
  const bool remainders =
      unit == 1 ? SplitLags(lags, std::integral_constant<int64_t, 1>(), q, column.remainders)
      : unit == 1000
          ? SplitLags(lags, std::integral_constant<int64_t, 1000>(), q, column.remainders)
          : SplitLags(lags, unit, q, column.remainders);
  column.first = q.front();
  std::vector<int64_t> steps;
  steps.reserve(q.size());
  for (std::size_t i = 1; i < q.size(); ++i) {
    steps.push_back(
        static_cast<int64_t>(static_cast<uint64_t>(q[i]) - static_cast<uint64_t>(q[i - 1])));
  }
  if (!steps.empty()) {
    std::vector<int64_t> sorted = steps;
    std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
    column.base = sorted[sorted.size() / 2];
  }
  column.q_steps.reserve(steps.size());
  bool irregular = false;
  for (int64_t step : steps) {
    column.q_steps.push_back(ZigZagEncode(
        static_cast<int64_t>(static_cast<uint64_t>(step) - static_cast<uint64_t>(column.base))));
    irregular |= column.q_steps.back() != 0;
  }
  if (irregular) {
    const internal::RiceParameter rice = internal::ChooseRiceParameter(column.q_steps);
    column.q_rice = rice.k;
    column.bits = rice.bits;
  }
  if (remainders) {
    const internal::RiceParameter rice = internal::ChooseRiceParameter(column.remainders);
    std::string sparse = SparseRemaindersSection(column.remainders);
    const uint64_t sparse_bits = 8 * sparse.size();
    if (sparse_bits < rice.bits) {
      column.r_rice = internal::kSparseRemainders;
      column.sparse_remainders = std::move(sparse);
    } else {
      column.r_rice = rice.k;
    }
    column.bits += std::min(sparse_bits, rice.bits);
  }
  return column;
}

// The column in the lags' GCD (no remainders) or in milliseconds, whichever is shorter.
LagColumn MeasureModifiedAt(const std::vector<int64_t>& timestamps,
                            const std::vector<int64_t>& modified) {
  std::vector<int64_t> lags(timestamps.size());
  uint64_t gcd = 0;
  for (std::size_t i = 0; i < lags.size(); ++i) {
    const uint64_t lag = static_cast<uint64_t>(modified[i]) - static_cast<uint64_t>(timestamps[i]);
    lags[i] = static_cast<int64_t>(lag);
    gcd = GcdWith(gcd, static_cast<int64_t>(lag) < 0 ? 0 - lag : lag);
  }
  // A GCD of 0 (every lag 0) or 2^63 (lags of 0 and INT64_MIN only) is no int64 unit.
  const int64_t unit = gcd == 0 || gcd > INT64_MAX ? 1 : static_cast<int64_t>(gcd);
  LagColumn best = MeasureLags(lags, unit);
  constexpr int64_t kMillisecond = 1000;
  if (unit % kMillisecond != 0) {
    LagColumn ms = MeasureLags(lags, kMillisecond);
    if (ms.bits < best.bits) best = std::move(ms);
  }
  return best;
}

std::size_t VarintLength(uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

}  // namespace

Status TimeSeriesChunkBuilder::AppendTime(int64_t timestamp_us, int64_t modified_at_us) {
  if (!timestamps_.empty() && timestamp_us < timestamps_.back()) {
    return InvalidRequest("time-series samples must be appended in timestamp order");
  }
  timestamps_.push_back(timestamp_us);
  if (modified_at_us == kNoModifiedAt) all_modified_ = false;
  if (all_modified_) {
    modified_.push_back(modified_at_us);
  } else {
    modified_.clear();
  }
  return Status::Ok();
}

Status TimeSeriesChunkBuilder::Append(int64_t timestamp_us, double value, int64_t modified_at_us) {
  CIVITAS_RETURN_IF_ERROR(AppendTime(timestamp_us, modified_at_us));
  kinds_.push_back(SampleKind::kNumber);
  numbers_.push_back(value);
  return Status::Ok();
}

Status TimeSeriesChunkBuilder::Append(int64_t timestamp_us, std::string_view text,
                                      int64_t modified_at_us) {
  CIVITAS_RETURN_IF_ERROR(AppendTime(timestamp_us, modified_at_us));
  kinds_.push_back(SampleKind::kText);
  text_arena_.append(text);
  text_ends_.push_back(text_arena_.size());
  return Status::Ok();
}

Status TimeSeriesChunkBuilder::Append(const Sample& sample) {
  return sample.kind == SampleKind::kNumber
             ? Append(sample.timestamp_us, sample.number, sample.modified_at_us)
             : Append(sample.timestamp_us, sample.text, sample.modified_at_us);
}

std::size_t TimeSeriesChunkBuilder::buffered_bytes() const {
  return timestamps_.size() * (sizeof(int64_t) + sizeof(SampleKind)) +
         modified_.size() * sizeof(int64_t) + numbers_.size() * sizeof(double) +
         text_arena_.size() + text_ends_.size() * sizeof(uint64_t);
}

void TimeSeriesChunkBuilder::Reset() {
  timestamps_.clear();
  modified_.clear();
  all_modified_ = true;
  kinds_.clear();
  numbers_.clear();
  text_arena_.clear();
  text_ends_.clear();
}

std::string TimeSeriesChunkBuilder::Finish() {
  const uint64_t count = timestamps_.size();
  const bool has_numbers = !numbers_.empty();
  const bool has_text = !text_ends_.empty();

  // Timestamps: delta-of-delta in units of the GCD of the deltas, so a jittery series stamped in
  // whole seconds or minutes pays for the jitter in seconds, not microseconds. Deltas are
  // unsigned (non-decreasing input) and the delta-of-delta wraps modulo 2^64, which the decoder
  // undoes exactly; zigzag keeps small negative ones small.
  uint64_t unit = 0;
  for (std::size_t i = 1; i < timestamps_.size(); ++i) {
    unit = GcdWith(
        unit, static_cast<uint64_t>(timestamps_[i]) - static_cast<uint64_t>(timestamps_[i - 1]));
  }
  if (unit == 0) unit = 1;
  std::vector<uint64_t> zigzags;
  zigzags.reserve(timestamps_.size());
  uint64_t previous_delta = 0;
  for (std::size_t i = 1; i < timestamps_.size(); ++i) {
    const uint64_t delta =
        (static_cast<uint64_t>(timestamps_[i]) - static_cast<uint64_t>(timestamps_[i - 1])) / unit;
    zigzags.push_back(ZigZagEncode(static_cast<int64_t>(delta - previous_delta)));
    previous_delta = delta;
  }
  std::string ts_section;
  const int ts_rice = EncodeRice(zigzags, ts_section);

  std::string kind_section;
  if (has_numbers && has_text) {
    BitWriter kind_bits;
    for (SampleKind kind : kinds_) kind_bits.WriteBit(kind == SampleKind::kText);
    kind_section = kind_bits.Finish();
  }

  ChunkSummary summary;
  std::string number_section;
  int scale = -1;
  std::vector<int64_t> scaled;  // decimal: the numbers times 10^scale
  int number_rice = 0;
  if (has_numbers) {
    for (double v : numbers_) {
      summary.sum += v;
      summary.sumsq += v * v;
      if (v < summary.min) summary.min = v;
      if (v > summary.max) summary.max = v;
    }
    scale = ChooseDecimalScale(numbers_);
    if (scale >= 0 && ScaleAll(numbers_, scale, scaled)) {
      // The first integer is in the header; the stream holds the deltas after it.
      zigzags.clear();
      for (std::size_t i = 1; i < scaled.size(); ++i) {
        zigzags.push_back(ZigZagEncode(scaled[i] - scaled[i - 1]));
      }
      number_rice = EncodeRice(zigzags, number_section);
    } else {
      scale = -1;
      number_section = EncodeXor(numbers_);
    }
  }

  // Text: a dictionary of the distinct values (first-appearance order) and per sample "0" for
  // "same as the previous text" or "1" + a fixed-width code; or, when that is not smaller, the
  // raw values. Exact sizes of both are cheap to compute, so the smaller one is chosen.
  std::string text_section;
  bool dictionary = false;
  uint64_t dictionary_size = 0;
  if (has_text) {
    absl::flat_hash_map<std::string_view, uint32_t> codes;
    std::vector<uint32_t> sample_codes;
    sample_codes.reserve(text_ends_.size());
    std::size_t raw_bytes = 0;
    std::size_t dictionary_bytes = 0;
    uint64_t begin = 0;
    for (uint64_t end : text_ends_) {
      std::string_view text(text_arena_.data() + begin, end - begin);
      begin = end;
      raw_bytes += VarintLength(text.size()) + text.size();
      auto [it, inserted] = codes.try_emplace(text, static_cast<uint32_t>(codes.size()));
      if (inserted) dictionary_bytes += VarintLength(text.size()) + text.size();
      sample_codes.push_back(it->second);
    }
    dictionary_size = codes.size();
    const int width = std::bit_width(dictionary_size - 1);
    uint64_t code_bits = 0;
    for (std::size_t i = 0; i < sample_codes.size(); ++i) {
      code_bits += (i > 0 && sample_codes[i] == sample_codes[i - 1]) ? 1 : 1 + width;
    }
    dictionary_bytes += (code_bits + 7) / 8 + VarintLength(dictionary_size);
    dictionary = dictionary_bytes < raw_bytes && codes.size() <= UINT32_MAX;
    if (dictionary) {
      std::vector<std::string_view> by_code(codes.size());
      for (const auto& [text, code] : codes) by_code[code] = text;
      for (std::string_view text : by_code) {
        PutVarint64(text_section, text.size());
        text_section.append(text);
      }
      BitWriter code_writer;
      for (std::size_t i = 0; i < sample_codes.size(); ++i) {
        if (i > 0 && sample_codes[i] == sample_codes[i - 1]) {
          code_writer.WriteBit(false);
        } else {
          code_writer.WriteBit(true);
          code_writer.Write(sample_codes[i], width);
        }
      }
      text_section.append(code_writer.Finish());
    } else {
      begin = 0;
      for (uint64_t end : text_ends_) {
        PutVarint64(text_section, end - begin);
        text_section.append(text_arena_, begin, end - begin);
        begin = end;
      }
    }
  }

  const bool has_modified = all_modified_ && count > 0;
  LagColumn lags;
  std::string lag_q_section, lag_r_section;
  if (has_modified) {
    lags = MeasureModifiedAt(timestamps_, modified_);
    if (lags.q_rice != internal::kAllZero) lag_q_section = RiceSection(lags.q_steps, lags.q_rice);
    if (lags.r_rice == internal::kSparseRemainders) {
      lag_r_section = std::move(lags.sparse_remainders);
    } else if (lags.r_rice != internal::kAllZero) {
      lag_r_section = RiceSection(lags.remainders, lags.r_rice);
    }
  }
  std::optional<DecimalSums> sums;
  if (scale >= 0) sums = ExactDecimalSums(scaled, scale, summary);

  uint8_t flags = 0;
  if (has_modified) flags |= internal::kFlagModifiedAt;
  if (has_numbers) flags |= internal::kFlagNumbers;
  if (has_text) flags |= internal::kFlagText;
  if (scale >= 0) flags |= internal::kFlagDecimal;
  if (dictionary) flags |= internal::kFlagDictionary;
  if (sums) flags |= internal::kFlagExactSums;

  std::string out;
  out.reserve(80 + ts_section.size() + kind_section.size() + number_section.size() +
              lag_q_section.size() + lag_r_section.size() + text_section.size());
  out.push_back(static_cast<char>(internal::kChunkVersion));
  out.push_back(static_cast<char>(flags));
  PutVarint64(out, count);
  if (count == 0) return out;  // nothing else: the builder is already empty
  const uint64_t span =
      static_cast<uint64_t>(timestamps_.back()) - static_cast<uint64_t>(timestamps_.front());
  const auto [first_q, first_r] = FloorSplit(timestamps_.front(), unit);
  PutVarint64(out, unit);
  PutVarint64(out, ZigZagEncode(first_q));
  PutVarint64(out, first_r);
  PutVarint64(out, span / unit);  // exact: unit divides every delta
  out.push_back(static_cast<char>(ts_rice));
  if (has_numbers) {
    PutVarint64(out, numbers_.size());
    if (scale >= 0) {
      // Exact at the chunk's scale, and near its first number: small varints, not 32 bytes.
      const int64_t first_n = scaled.front();
      const auto [min_n, max_n] = std::minmax_element(scaled.begin(), scaled.end());
      out.push_back(static_cast<char>(scale));
      PutVarint64(out, ZigZagEncode(first_n));
      PutVarint64(out, static_cast<uint64_t>(first_n) - static_cast<uint64_t>(*min_n));
      PutVarint64(out, static_cast<uint64_t>(*max_n) - static_cast<uint64_t>(first_n));
      if (sums) {
        PutVarint64(out, ZigZagEncode(sums->d1));
        PutVarint64(out, sums->d2);
        PutVarint64(out, sums->sum_ulps);
        PutVarint64(out, sums->sumsq_ulps);
      } else {
        PutFixed64(out, BitsOf(summary.sum));
        PutFixed64(out, BitsOf(summary.sumsq));
      }
      out.push_back(static_cast<char>(number_rice));
    } else {
      PutFixed64(out, BitsOf(summary.min));
      PutFixed64(out, BitsOf(summary.max));
      PutFixed64(out, BitsOf(summary.sum));
      PutFixed64(out, BitsOf(summary.sumsq));
    }
  }
  if (dictionary) PutVarint64(out, dictionary_size);
  if (has_modified) {
    // The step base as it is (a live series: about 0) or relative to the predicted step (a
    // backfill: about minus the sampling interval), whichever is shorter.
    const uint64_t predicted = internal::PredictedLagStep(span, count, lags.unit);
    const uint64_t plain = ZigZagEncode(lags.base);
    const uint64_t relative =
        ZigZagEncode(static_cast<int64_t>(static_cast<uint64_t>(lags.base) - predicted));
    uint8_t q_byte = static_cast<uint8_t>(lags.q_rice);
    if (relative < plain) q_byte |= internal::kLagBaseRelative;
    PutVarint64(out, lags.unit);
    PutVarint64(out, ZigZagEncode(lags.first));
    PutVarint64(out, std::min(plain, relative));
    out.push_back(static_cast<char>(q_byte));
    out.push_back(static_cast<char>(lags.r_rice));
  }
  PutVarint64(out, ts_section.size());
  if (has_numbers && has_text) PutVarint64(out, kind_section.size());
  if (has_numbers) PutVarint64(out, number_section.size());
  if (has_modified && lags.q_rice != internal::kAllZero) PutVarint64(out, lag_q_section.size());
  if (has_modified && lags.r_rice != internal::kAllZero) PutVarint64(out, lag_r_section.size());
  out.append(ts_section);
  out.append(kind_section);
  out.append(number_section);
  out.append(lag_q_section);
  out.append(lag_r_section);
  out.append(text_section);  // the rest of the chunk
  Reset();
  return out;
}

Result<std::string> RollUpTimeSeriesChunk(std::string_view chunk) {
  CIVITAS_ASSIGN_OR_RETURN(const ChunkSummary summary, ReadTimeSeriesChunkSummary(chunk));
  if (summary.rolled_up || summary.sample_count == 0) return std::string(chunk);
  const bool has_numbers = summary.number_count > 0;
  const bool has_text = summary.number_count < summary.sample_count;
  uint8_t flags = internal::kFlagRolledUp;
  if (has_numbers) flags |= internal::kFlagNumbers;
  if (has_text) flags |= internal::kFlagText;
  std::string out;
  out.push_back(static_cast<char>(internal::kChunkVersion));
  out.push_back(static_cast<char>(flags));
  PutVarint64(out, summary.sample_count);
  PutVarint64(out, 1);  // timestamp unit: no timestamps follow
  PutVarint64(out, ZigZagEncode(summary.first_timestamp_us));
  PutVarint64(out, 0);
  PutVarint64(out, static_cast<uint64_t>(summary.last_timestamp_us) -
                       static_cast<uint64_t>(summary.first_timestamp_us));
  out.push_back(0);  // timestamp Rice parameter
  if (has_numbers) {
    PutVarint64(out, summary.number_count);
    PutFixed64(out, BitsOf(summary.min));
    PutFixed64(out, BitsOf(summary.max));
    PutFixed64(out, BitsOf(summary.sum));
    PutFixed64(out, BitsOf(summary.sumsq));
  }
  PutVarint64(out, 0);  // every section is empty
  if (has_numbers && has_text) PutVarint64(out, 0);
  if (has_numbers) PutVarint64(out, 0);
  return out;
}

namespace internal {

// Every k's exact cost in one pass. A value z of bit width b escapes (q >= kRiceEscape) for
// k < b - 4, at kRiceEscape + 6 + b bits whatever k; from k = b - 4 on it costs (z >> k) + 1 + k,
// whose quotient is 0 from k = b on. So a value adds its escape cost to the k below b - 4, its
// quotient to at most four k, and to the rest only 1 + k: counted per k, not per value and k.
RiceParameter ChooseRiceParameter(const std::vector<uint64_t>& values) {
  if (values.empty()) return {};
  uint64_t largest = 0;
  for (uint64_t z : values) largest |= z;
  // Beyond bit_width(max z) every value has q = 0, so a larger k only adds bits.
  const int last = std::min<int>(std::bit_width(largest), kMaxRiceParameter);
  constexpr int kEscapeWidth = std::bit_width(static_cast<unsigned>(kRiceEscape)) - 1;  // 4
  std::array<uint64_t, kMaxRiceParameter + 2> escaped_from{};  // escape costs, by first plain k
  std::array<uint64_t, kMaxRiceParameter + 2> plain_from{};    // values, by first plain k
  std::array<uint64_t, kMaxRiceParameter + 2> quotients{};     // sums of z >> k, by k
  for (uint64_t z : values) {
    const int width = std::bit_width(z);
    const int first_plain = std::max(0, width - kEscapeWidth);
    escaped_from[first_plain] += static_cast<uint64_t>(kRiceEscape + 6 + width);
    plain_from[first_plain] += 1;
    for (int k = first_plain; k < width && k <= last; ++k) quotients[k] += z >> k;
  }
  // escaped[k] = the escape costs of values plain only above k: a suffix sum.
  std::array<uint64_t, kMaxRiceParameter + 2> escaped{};
  for (int k = last; k >= 0; --k) escaped[k] = escaped[k + 1] + escaped_from[k + 1];
  RiceParameter best{0, UINT64_MAX};
  uint64_t plain = 0;
  for (int k = 0; k <= last; ++k) {
    plain += plain_from[k];
    const uint64_t bits = escaped[k] + plain * static_cast<uint64_t>(1 + k) + quotients[k];
    if (bits < best.bits) best = {k, bits};
  }
  return best;
}

}  // namespace internal

}  // namespace civitas::store
