// Decoder of the time-series chunk (docs/formats/time-series-chunk.md). Every length, code and
// timestamp read from the chunk is checked before use: arbitrary bytes give kInternal, never an
// out-of-range read, an overflow or a huge allocation.
#include <bit>
#include <cstring>
#include <limits>
#include <utility>

#include "civitas/store/time_series_chunk.h"
#include "src/store/bit_stream.h"
#include "src/store/time_series_chunk_format.h"

namespace civitas::store {

using internal::BitReader;
using internal::Int128;
using internal::Uint128;

struct TimeSeriesChunkReader::State {
  BitReader timestamps;
  BitReader kinds;
  BitReader numbers;
  BitReader codes;            // dictionary text codes
  BitReader lag_steps;        // modifiedAt column: steps of q
  BitReader lag_remainders;   // and remainders
  std::string_view raw_text;  // raw text values, consumed from the front
  uint64_t decoded = 0;       // samples returned so far
  uint64_t numbers_decoded = 0;
  bool finished = false;
  uint8_t flags = 0;
  bool rice = false;  // version 2: Rice-coded timestamps and decimal numbers
  int ts_rice = 0;
  int number_rice = 0;
  int64_t first_scaled = 0;  // version 2 decimal: the first number times 10^scale

  uint64_t unit = 1;
  uint64_t previous_delta = 0;
  int64_t previous_timestamp = 0;

  uint64_t previous_bits = 0;  // XOR: the previous value; decimal: the previous scaled integer
  int window_lead = -1;
  int window_trail = 0;
  double divisor = 1;

  int code_width = 0;
  int64_t previous_code = -1;

  bool modified = false;  // the chunk has a modifiedAt column
  uint64_t lag_q = 0;     // of the previous sample: lag = q * unit + r
  uint64_t lag_unit = 1;
  uint64_t lag_base = 0;
  int lag_q_rice = 0;
  int lag_r_rice = internal::kAllZero;
  // Sparse remainders (version 3): the pairs not yet read, and the pending one.
  std::string_view sparse_remainders;
  uint64_t sparse_next = 0;  // the index after the pending remainder's
  uint64_t sparse_at = 0;    // the pending remainder's sample index
  uint64_t sparse_r = 0;
  bool sparse_pending = false;

  // Reads the next (index, remainder) pair, if any. False when it is malformed.
  bool NextSparseRemainder() {
    sparse_pending = !sparse_remainders.empty();
    if (!sparse_pending) return true;
    uint64_t gap = 0;
    // Zero remainders are not listed; indices only grow.
    return GetVarint64(sparse_remainders, gap) && GetVarint64(sparse_remainders, sparse_r) &&
           sparse_r != 0 && !__builtin_add_overflow(sparse_next, gap, &sparse_at) &&
           !__builtin_add_overflow(sparse_at, uint64_t{1}, &sparse_next);
  }
};

TimeSeriesChunkReader::TimeSeriesChunkReader() : state_(std::make_unique<State>()) {}
TimeSeriesChunkReader::~TimeSeriesChunkReader() = default;
TimeSeriesChunkReader::TimeSeriesChunkReader(TimeSeriesChunkReader&&) noexcept = default;
TimeSeriesChunkReader& TimeSeriesChunkReader::operator=(TimeSeriesChunkReader&&) noexcept = default;

namespace {

Status Corrupt(std::string_view what) {
  return Internal("corrupt time-series chunk: " + std::string(what));
}

bool TakeSection(std::string_view& in, uint64_t length, std::string_view& section) {
  if (length > in.size()) return false;
  section = in.substr(0, length);
  in.remove_prefix(length);
  return true;
}

// A bit section is exhausted when fewer than 8 unread bits (the padding) remain.
bool Exhausted(const BitReader& r) { return r.size_bits() - r.position_bits() < 8; }

bool GetByte(std::string_view& in, int& value) {
  if (in.empty()) return false;
  value = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  return true;
}
bool GetScale(std::string_view& in, int& scale) {
  return GetByte(in, scale) && scale <= internal::kMaxDecimalScale;
}
bool GetRiceParameter(std::string_view& in, int& k) {
  return GetByte(in, k) && k <= internal::kMaxRiceParameter;
}

// What the header says: the summary, how the streams are encoded, and where the sections are.
struct Header {
  ChunkSummary summary;
  bool rice = false;  // version 2 or 3, else version 1
  uint8_t flags = 0;
  uint64_t unit = 1;
  int ts_rice = 0;
  int scale = 0;
  int number_rice = 0;
  int64_t first_scaled = 0;
  uint64_t dictionary_size = 0;
  bool modified = false;
  uint64_t lag_unit = 1;
  uint64_t lag_first = 0;
  uint64_t lag_base = 0;
  int lag_q_rice = 0;
  int lag_r_rice = internal::kAllZero;
  std::string_view ts_section;
  std::string_view kinds_section;
  std::string_view numbers_section;
  std::string_view lag_steps_section;
  std::string_view lag_remainders_section;
  std::string_view text_section;  // dictionary + codes, or raw values
};

Status ParseHeader(std::string_view in, Header& h) {
  ChunkSummary& sum = h.summary;
  if (in.size() < 2) return Corrupt("shorter than its header");
  const uint8_t version = static_cast<uint8_t>(in[0]);
  if (version != internal::kChunkVersion && version != internal::kChunkVersionRice &&
      version != internal::kChunkVersionBucketed) {
    return Corrupt("unknown version");
  }
  h.rice = version >= internal::kChunkVersionRice;
  const bool rice = h.rice;
  const bool v3 = version >= internal::kChunkVersion;
  h.flags = static_cast<uint8_t>(in[1]);
  in.remove_prefix(2);
  if ((h.flags & ~internal::kKnownFlags) != 0) return Corrupt("unknown flags");
  const bool has_numbers = (h.flags & internal::kFlagNumbers) != 0;
  const bool has_text = (h.flags & internal::kFlagText) != 0;
  const bool decimal = (h.flags & internal::kFlagDecimal) != 0;
  const bool dictionary = (h.flags & internal::kFlagDictionary) != 0;
  sum.rolled_up = (h.flags & internal::kFlagRolledUp) != 0;
  h.modified = (h.flags & internal::kFlagModifiedAt) != 0;
  const bool exact_sums = (h.flags & internal::kFlagExactSums) != 0;
  if ((decimal && !has_numbers) || (dictionary && !has_text)) return Corrupt("flags disagree");
  if (exact_sums && !(decimal && v3)) return Corrupt("flags disagree");
  if (sum.rolled_up && (decimal || dictionary || h.modified)) return Corrupt("flags disagree");
  if (h.modified && !rice) return Corrupt("flags disagree");

  if (!GetVarint64(in, sum.sample_count)) return Corrupt("truncated sample count");
  if (sum.sample_count == 0) {
    if (h.flags != 0 || !in.empty()) return Corrupt("empty chunk with content");
    return Status::Ok();
  }
  if (!has_numbers && !has_text) return Corrupt("samples of no kind");
  uint64_t span = 0;
  if (v3) {
    // first = q * unit + r, span in units.
    uint64_t q = 0, r = 0, span_units = 0;
    if (!GetVarint64(in, h.unit) || !GetVarint64(in, q) || !GetVarint64(in, r) ||
        !GetVarint64(in, span_units)) {
      return Corrupt("truncated timestamps");
    }
    if (h.unit == 0) return Corrupt("zero timestamp unit");
    if (r >= h.unit) return Corrupt("timestamp remainder beyond its unit");
    // |q| <= 2^63 and unit < 2^64: the product fits 128 bits.
    const Int128 first = static_cast<Int128>(ZigZagDecode(q)) * h.unit + r;
    if (first > INT64_MAX || first < INT64_MIN) return Corrupt("first timestamp out of range");
    sum.first_timestamp_us = static_cast<int64_t>(first);
    const Uint128 span_us = static_cast<Uint128>(span_units) * h.unit;
    if (span_us > UINT64_MAX) return Corrupt("last timestamp out of range");
    span = static_cast<uint64_t>(span_us);
  } else {
    uint64_t first = 0;
    if (!GetVarint64(in, first) || !GetVarint64(in, span) || !GetVarint64(in, h.unit)) {
      return Corrupt("truncated timestamps");
    }
    sum.first_timestamp_us = ZigZagDecode(first);
  }
  const uint64_t room = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) -
                        static_cast<uint64_t>(sum.first_timestamp_us);
  if (span > room) return Corrupt("last timestamp out of range");
  sum.last_timestamp_us =
      static_cast<int64_t>(static_cast<uint64_t>(sum.first_timestamp_us) + span);
  if (h.unit == 0) return Corrupt("zero timestamp unit");
  if (sum.sample_count == 1 && span != 0) return Corrupt("one sample spanning time");
  if (rice && !GetRiceParameter(in, h.ts_rice)) return Corrupt("bad timestamp code");

  if (has_numbers) {
    if (!GetVarint64(in, sum.number_count)) return Corrupt("truncated summary");
    if (sum.number_count == 0 || sum.number_count > sum.sample_count) {
      return Corrupt("bad number count");
    }
    if (has_text == (sum.number_count == sum.sample_count)) return Corrupt("bad number count");
    if (decimal && v3) {
      uint64_t first_n = 0, below = 0, above = 0;
      if (!GetScale(in, h.scale) || !GetVarint64(in, first_n) || !GetVarint64(in, below) ||
          !GetVarint64(in, above)) {
        return Corrupt("truncated summary");
      }
      h.first_scaled = ZigZagDecode(first_n);
      const uint64_t first = static_cast<uint64_t>(h.first_scaled);
      const double divisor = internal::kPow10[static_cast<std::size_t>(h.scale)];
      sum.min = static_cast<double>(static_cast<int64_t>(first - below)) / divisor;
      sum.max = static_cast<double>(static_cast<int64_t>(first + above)) / divisor;
      if (exact_sums) {
        uint64_t d1 = 0, d2 = 0, sum_ulps = 0, sumsq_ulps = 0;
        if (!GetVarint64(in, d1) || !GetVarint64(in, d2) || !GetVarint64(in, sum_ulps) ||
            !GetVarint64(in, sumsq_ulps)) {
          return Corrupt("truncated summary");
        }
        const internal::ExactSums exact =
            internal::ExactSumsOf(h.first_scaled, sum.number_count, ZigZagDecode(d1), d2, h.scale);
        sum.sum = std::bit_cast<double>(std::bit_cast<uint64_t>(exact.sum) +
                                        static_cast<uint64_t>(ZigZagDecode(sum_ulps)));
        sum.sumsq = std::bit_cast<double>(std::bit_cast<uint64_t>(exact.sumsq) +
                                          static_cast<uint64_t>(ZigZagDecode(sumsq_ulps)));
      } else {
        uint64_t bits[2];
        if (!GetFixed64(in, bits[0]) || !GetFixed64(in, bits[1])) {
          return Corrupt("truncated summary");
        }
        sum.sum = std::bit_cast<double>(bits[0]);
        sum.sumsq = std::bit_cast<double>(bits[1]);
      }
      if (!GetRiceParameter(in, h.number_rice)) return Corrupt("truncated summary");
    } else if (decimal && rice) {
      uint64_t min = 0;
      uint64_t max = 0;
      uint64_t bits[2];
      uint64_t first_scaled = 0;
      if (!GetScale(in, h.scale) || !GetVarint64(in, min) || !GetVarint64(in, max) ||
          !GetFixed64(in, bits[0]) || !GetFixed64(in, bits[1]) ||
          !GetRiceParameter(in, h.number_rice) || !GetVarint64(in, first_scaled)) {
        return Corrupt("truncated summary");
      }
      const double divisor = internal::kPow10[static_cast<std::size_t>(h.scale)];
      sum.min = static_cast<double>(ZigZagDecode(min)) / divisor;
      sum.max = static_cast<double>(ZigZagDecode(max)) / divisor;
      sum.sum = std::bit_cast<double>(bits[0]);
      sum.sumsq = std::bit_cast<double>(bits[1]);
      h.first_scaled = ZigZagDecode(first_scaled);
    } else {
      uint64_t bits[4];
      if (!GetFixed64(in, bits[0]) || !GetFixed64(in, bits[1]) || !GetFixed64(in, bits[2]) ||
          !GetFixed64(in, bits[3])) {
        return Corrupt("truncated summary");
      }
      sum.min = std::bit_cast<double>(bits[0]);
      sum.max = std::bit_cast<double>(bits[1]);
      sum.sum = std::bit_cast<double>(bits[2]);
      sum.sumsq = std::bit_cast<double>(bits[3]);
      if (decimal && !GetScale(in, h.scale)) return Corrupt("bad decimal scale");
    }
  }
  if (dictionary && !GetVarint64(in, h.dictionary_size)) return Corrupt("truncated dictionary");
  if (h.modified) {
    uint64_t first_q = 0, base = 0;
    if (!GetVarint64(in, h.lag_unit) || !GetVarint64(in, first_q) || !GetVarint64(in, base) ||
        !GetByte(in, h.lag_q_rice) || !GetByte(in, h.lag_r_rice)) {
      return Corrupt("truncated modifiedAt column");
    }
    const bool relative = v3 && (h.lag_q_rice & internal::kLagBaseRelative) != 0;
    if (v3) h.lag_q_rice &= ~internal::kLagBaseRelative;
    const int last_r_code = v3 ? internal::kSparseRemainders : internal::kAllZero;
    if (h.lag_q_rice > internal::kAllZero || h.lag_r_rice > last_r_code) {
      return Corrupt("bad modifiedAt code");
    }
    if (h.lag_unit == 0) return Corrupt("zero modifiedAt unit");
    h.lag_first = static_cast<uint64_t>(ZigZagDecode(first_q));
    h.lag_base = static_cast<uint64_t>(ZigZagDecode(base));
    if (relative) h.lag_base += internal::PredictedLagStep(span, sum.sample_count, h.lag_unit);
  }
  uint64_t ts_length = 0;
  uint64_t kinds_length = 0;
  uint64_t numbers_length = 0;
  uint64_t lag_steps_length = 0;
  uint64_t lag_remainders_length = 0;
  if (!GetVarint64(in, ts_length)) return Corrupt("truncated section lengths");
  if (has_numbers && has_text && !GetVarint64(in, kinds_length)) {
    return Corrupt("truncated section lengths");
  }
  if (has_numbers && !GetVarint64(in, numbers_length)) {
    return Corrupt("truncated section lengths");
  }
  if (h.modified &&
      ((h.lag_q_rice != internal::kAllZero && !GetVarint64(in, lag_steps_length)) ||
       (h.lag_r_rice != internal::kAllZero && !GetVarint64(in, lag_remainders_length)))) {
    return Corrupt("truncated section lengths");
  }
  if (!TakeSection(in, ts_length, h.ts_section) ||
      !TakeSection(in, kinds_length, h.kinds_section) ||
      !TakeSection(in, numbers_length, h.numbers_section) ||
      !TakeSection(in, lag_steps_length, h.lag_steps_section) ||
      !TakeSection(in, lag_remainders_length, h.lag_remainders_section)) {
    return Corrupt("section beyond the end");
  }
  if (sum.rolled_up) {
    if (ts_length != 0 || kinds_length != 0 || numbers_length != 0 || !in.empty()) {
      return Corrupt("rolled-up chunk with samples");
    }
    return Status::Ok();
  }
  // Every sample after the first costs at least one timestamp bit; this bounds the loop a
  // forged count can drive before the reader overruns.
  if (sum.sample_count - 1 > h.ts_section.size() * 8) return Corrupt("more samples than bits");
  if (!has_text && !in.empty()) return Corrupt("trailing bytes");
  // Each dictionary entry takes at least one byte, which bounds the dictionary allocation.
  if (dictionary && (h.dictionary_size == 0 || h.dictionary_size > in.size())) {
    return Corrupt("bad dictionary size");
  }
  h.text_section = in;
  return Status::Ok();
}

}  // namespace

Result<ChunkSummary> ReadTimeSeriesChunkSummary(std::string_view bytes) {
  Header header;
  CIVITAS_RETURN_IF_ERROR(ParseHeader(bytes, header));
  return header.summary;
}

Result<TimeSeriesChunkReader> TimeSeriesChunkReader::Open(std::string_view bytes) {
  Header h;
  CIVITAS_RETURN_IF_ERROR(ParseHeader(bytes, h));
  TimeSeriesChunkReader reader;
  State& st = *reader.state_;
  reader.summary_ = h.summary;
  st.flags = h.flags;
  st.rice = h.rice;
  st.ts_rice = h.ts_rice;
  st.number_rice = h.number_rice;
  st.first_scaled = h.first_scaled;
  st.unit = h.unit;
  st.divisor = internal::kPow10[static_cast<std::size_t>(h.scale)];
  st.timestamps = BitReader(h.ts_section);
  st.kinds = BitReader(h.kinds_section);
  st.numbers = BitReader(h.numbers_section);
  st.modified = h.modified;
  st.lag_steps = BitReader(h.lag_steps_section);
  st.lag_remainders = BitReader(h.lag_remainders_section);
  st.lag_q = h.lag_first;
  st.lag_unit = h.lag_unit;
  st.lag_base = h.lag_base;
  st.lag_q_rice = h.lag_q_rice;
  st.lag_r_rice = h.lag_r_rice;
  if (h.lag_r_rice == internal::kSparseRemainders) {
    st.lag_remainders = BitReader();
    st.sparse_remainders = h.lag_remainders_section;
    if (!st.NextSparseRemainder()) return Corrupt("bad sparse remainder");
  }
  std::string_view in = h.text_section;
  if (h.flags & internal::kFlagDictionary) {
    reader.dictionary_.reserve(h.dictionary_size);
    for (uint64_t i = 0; i < h.dictionary_size; ++i) {
      uint64_t length = 0;
      std::string_view entry;
      if (!GetVarint64(in, length) || !TakeSection(in, length, entry)) {
        return Corrupt("truncated dictionary entry");
      }
      reader.dictionary_.push_back(entry);
    }
    st.code_width = std::bit_width(h.dictionary_size - 1);
    st.codes = BitReader(in);
  } else {
    st.raw_text = in;
  }
  st.previous_timestamp = h.summary.first_timestamp_us;
  return reader;
}

bool TimeSeriesChunkReader::Fail(std::string message) {
  status_ = Corrupt(message);
  state_->finished = true;
  return false;
}

bool TimeSeriesChunkReader::Finish() {
  State& st = *state_;
  st.finished = true;
  if (st.previous_timestamp != summary_.last_timestamp_us) {
    return Fail("last timestamp disagrees with the header");
  }
  if (st.numbers_decoded != summary_.number_count) return Fail("number count disagrees");
  if (!Exhausted(st.timestamps) || !Exhausted(st.kinds) || !Exhausted(st.numbers) ||
      !Exhausted(st.lag_steps) || !Exhausted(st.lag_remainders)) {
    return Fail("bits left after the last sample");
  }
  if ((st.flags & internal::kFlagDictionary) ? !Exhausted(st.codes) : !st.raw_text.empty()) {
    return Fail("text left after the last sample");
  }
  if (st.sparse_pending) return Fail("remainders left after the last sample");
  return false;
}

bool TimeSeriesChunkReader::Next(Sample& sample) {
  State& st = *state_;
  if (st.finished) return false;
  if (summary_.rolled_up) {
    st.finished = true;  // its samples are gone; the summary is all there is
    return false;
  }
  if (st.decoded == summary_.sample_count) return Finish();

  if (st.decoded > 0) {
    const uint64_t delta_of_delta =
        st.rice ? internal::ReadRice(st.timestamps, st.ts_rice)
                : internal::ReadBucketed(st.timestamps, internal::kTimestampCode);
    // Wraps modulo 2^64 exactly as the encoder did.
    const uint64_t delta =
        st.previous_delta + static_cast<uint64_t>(ZigZagDecode(delta_of_delta));
    const uint64_t room = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) -
                          static_cast<uint64_t>(st.previous_timestamp);
    uint64_t step;  // no division: it would be the costliest instruction per sample
    if (__builtin_mul_overflow(delta, st.unit, &step) || step > room) {
      return Fail("timestamp out of range");
    }
    st.previous_delta = delta;
    st.previous_timestamp =
        static_cast<int64_t>(static_cast<uint64_t>(st.previous_timestamp) + step);
  }
  sample.timestamp_us = st.previous_timestamp;
  if (st.modified) {
    // Modulo 2^64, as the encoder computed the lags.
    if (st.decoded > 0) {
      st.lag_q += st.lag_base;
      if (st.lag_q_rice != internal::kAllZero) {
        st.lag_q +=
            static_cast<uint64_t>(ZigZagDecode(internal::ReadRice(st.lag_steps, st.lag_q_rice)));
      }
    }
    uint64_t r = 0;
    if (st.lag_r_rice == internal::kSparseRemainders) {
      if (st.sparse_pending && st.sparse_at == st.decoded) {
        r = st.sparse_r;
        if (!st.NextSparseRemainder()) return Fail("bad sparse remainder");
      }
    } else if (st.lag_r_rice != internal::kAllZero) {
      r = internal::ReadRice(st.lag_remainders, st.lag_r_rice);
    }
    sample.modified_at_us = static_cast<int64_t>(static_cast<uint64_t>(sample.timestamp_us) +
                                                 st.lag_q * st.lag_unit + r);
    // The encoder never writes it: that value means "none", which would drop the column.
    if (sample.modified_at_us == kNoModifiedAt) return Fail("modifiedAt out of range");
  } else {
    sample.modified_at_us = kNoModifiedAt;
  }

  bool text;
  if ((st.flags & internal::kFlagNumbers) && (st.flags & internal::kFlagText)) {
    text = st.kinds.ReadBit();
  } else {
    text = (st.flags & internal::kFlagText) != 0;
  }

  if (!text) {
    sample.kind = SampleKind::kNumber;
    if (st.flags & internal::kFlagDecimal) {
      if (!st.rice) {
        const uint64_t zigzag = internal::ReadBucketed(st.numbers, internal::kDecimalCode);
        st.previous_bits += static_cast<uint64_t>(ZigZagDecode(zigzag));
      } else if (st.numbers_decoded == 0) {
        st.previous_bits = static_cast<uint64_t>(st.first_scaled);
      } else {
        const uint64_t zigzag = internal::ReadRice(st.numbers, st.number_rice);
        st.previous_bits += static_cast<uint64_t>(ZigZagDecode(zigzag));
      }
      sample.number = static_cast<double>(static_cast<int64_t>(st.previous_bits)) / st.divisor;
    } else {
      const uint64_t word = st.numbers.Peek();
      if ((word >> 63) == 0) {
        st.numbers.Skip(1);  // the previous value again
      } else {
        uint64_t x;
        if (((word >> 62) & 1) == 0) {
          if (st.window_lead < 0) return Fail("XOR window used before it was set");
          const int length = 64 - st.window_lead - st.window_trail;
          if (2 + length <= 56) {
            x = (word << 2) >> (64 - length);
            st.numbers.Skip(2 + length);
          } else {
            st.numbers.Skip(2);
            x = st.numbers.Read(length);
          }
          x <<= st.window_trail;
        } else {
          const int lead = static_cast<int>((word >> 56) & 63);
          const int length = static_cast<int>((word >> 50) & 63) + 1;
          if (lead + length > 64) return Fail("XOR window beyond 64 bits");
          st.window_lead = lead;
          st.window_trail = 64 - lead - length;
          st.numbers.Skip(14);
          x = st.numbers.Read(length) << st.window_trail;
        }
        st.previous_bits ^= x;
      }
      sample.number = std::bit_cast<double>(st.previous_bits);
    }
    ++st.numbers_decoded;
  } else {
    sample.kind = SampleKind::kText;
    if (st.flags & internal::kFlagDictionary) {
      if (st.codes.ReadBit()) {
        const uint64_t code = st.codes.Read(st.code_width);
        if (code >= dictionary_.size()) return Fail("text code beyond the dictionary");
        st.previous_code = static_cast<int64_t>(code);
      } else if (st.previous_code < 0) {
        return Fail("text repeat before any text");
      }
      sample.text = dictionary_[static_cast<std::size_t>(st.previous_code)];
      if (st.codes.overrun()) return Fail("text codes truncated");
    } else {
      uint64_t length = 0;
      if (!GetVarint64(st.raw_text, length) || length > st.raw_text.size()) {
        return Fail("text value truncated");
      }
      sample.text = st.raw_text.substr(0, length);
      st.raw_text.remove_prefix(length);
    }
  }
  if (st.timestamps.overrun() || st.kinds.overrun() || st.numbers.overrun() ||
      st.lag_steps.overrun() || st.lag_remainders.overrun()) {
    return Fail("bit section truncated");
  }
  ++st.decoded;
  return true;
}

Result<std::vector<Sample>> DecodeTimeSeriesChunk(std::string_view bytes) {
  CIVITAS_ASSIGN_OR_RETURN(TimeSeriesChunkReader reader, TimeSeriesChunkReader::Open(bytes));
  std::vector<Sample> samples;
  // A rolled-up chunk keeps its hour's count but decodes to no sample: that count is no bound.
  if (!reader.summary().rolled_up) samples.reserve(reader.summary().sample_count);
  Sample sample;
  while (reader.Next(sample)) samples.push_back(sample);
  if (!reader.status().ok()) return reader.status();
  return samples;
}

}  // namespace civitas::store
