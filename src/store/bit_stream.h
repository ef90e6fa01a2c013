#pragma once

// Bit-granular writer and reader for the time-series chunk codec (its header's byte-level
// varints are civitas/core/varint.h's). Private to store/. Bits are packed most significant
// first (the first bit written is bit 7 of byte 0), so a section reads the same on any host.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "civitas/core/varint.h"

namespace civitas::store::internal {

// Appends bits to an owned std::string. Not thread-safe.
class BitWriter {
 public:
  // Writes the low `n` bits of `value`, most significant first. 0 <= n <= 64.
  void Write(uint64_t value, int n) {
    if (n == 0) return;
    if (n < 64) value &= (uint64_t{1} << n) - 1;
    // Keep at most 63 pending bits so the shifts below stay defined.
    if (n > 32) {
      WriteSmall(value >> 32, n - 32);
      WriteSmall(value & 0xffffffffu, 32);
    } else {
      WriteSmall(value, n);
    }
  }
  void WriteBit(bool bit) { WriteSmall(bit ? 1 : 0, 1); }

  // Total bits written so far.
  uint64_t bit_count() const { return bytes_.size() * 8 + pending_bits_; }

  // Flushes the last partial byte (zero-padded) and returns the bytes. The writer is left empty.
  std::string Finish() {
    if (pending_bits_ > 0) {
      bytes_.push_back(static_cast<char>(pending_ << (8 - pending_bits_)));
    }
    pending_ = 0;
    pending_bits_ = 0;
    std::string out;
    out.swap(bytes_);
    return out;
  }

 private:
  // n <= 32 and value < 2^n.
  void WriteSmall(uint64_t value, int n) {
    pending_ = (pending_ << n) | value;
    pending_bits_ += n;
    while (pending_bits_ >= 8) {
      pending_bits_ -= 8;
      bytes_.push_back(static_cast<char>((pending_ >> pending_bits_) & 0xff));
    }
    pending_ &= (uint64_t{1} << pending_bits_) - 1;
  }

  std::string bytes_;
  uint64_t pending_ = 0;  // the low pending_bits_ bits are not yet in bytes_
  int pending_bits_ = 0;  // < 8 between calls
};

// Reads bits from a borrowed byte range. Reading past the end never touches memory outside the
// range: it yields zero bits and sets overrun(), which the caller checks once per sample rather
// than once per read.
class BitReader {
 public:
  BitReader() = default;
  explicit BitReader(std::string_view bytes)
      : data_(reinterpret_cast<const uint8_t*>(bytes.data())),
        size_bits_(static_cast<uint64_t>(bytes.size()) * 8) {}

  // Reads `n` bits (0 <= n <= 64) as an unsigned integer, first bit most significant.
  uint64_t Read(int n) {
    if (n == 0) return 0;
    if (n > 56) {
      uint64_t high = ReadSmall(n - 32);
      return (high << 32) | ReadSmall(32);
    }
    return ReadSmall(n);
  }
  bool ReadBit() { return ReadSmall(1) != 0; }

  // The next 57 or more bits, left-aligned (bit 63 is the next bit to read); bits past the end
  // read as zero. Does not consume anything.
  [[gnu::always_inline]] uint64_t Peek() const {
    const uint64_t byte = pos_ >> 3;
    const uint64_t size_bytes = (size_bits_ + 7) >> 3;
    uint64_t word = 0;
    if (byte + 8 <= size_bytes) {
      std::memcpy(&word, data_ + byte, 8);
      word = __builtin_bswap64(word);  // the stream is big-endian by bit order
    } else {
      for (uint64_t i = 0; i < 8; ++i) {
        word <<= 8;
        if (byte + i < size_bytes) word |= data_[byte + i];
      }
    }
    return word << (pos_ & 7);
  }

  // Consumes `n` bits; past the end it sets overrun() instead.
  [[gnu::always_inline]] void Skip(int n) {
    pos_ += static_cast<uint64_t>(n);
    if (pos_ > size_bits_) {
      overrun_ = true;
      pos_ = size_bits_;
    }
  }

  bool overrun() const { return overrun_; }
  uint64_t position_bits() const { return pos_; }
  uint64_t size_bits() const { return size_bits_; }

 private:
  // 1 <= n <= 56: a bit offset of at most 7 plus n bits fits in one 64-bit load.
  uint64_t ReadSmall(int n) {
    const uint64_t value = Peek() >> (64 - n);
    Skip(n);
    return value;
  }

  const uint8_t* data_ = nullptr;
  uint64_t size_bits_ = 0;
  uint64_t pos_ = 0;
  bool overrun_ = false;
};

}  // namespace civitas::store::internal
