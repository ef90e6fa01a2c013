#pragma once

// Counter-based randomness for the demo city: every random number is a hash of (stream, slot,
// salt), so a value at any instant can be computed without replaying the ones before it, in any
// order, and is identical on every platform (no std:: distributions, whose output is
// implementation-defined). Private to src/demo/.

#include <cmath>
#include <cstdint>
#include <string_view>

namespace civitas::demo {

// SplitMix64's finaliser: a bijective 64-bit mix.
inline uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

inline uint64_t Hash(uint64_t a, uint64_t b, uint64_t c = 0) { return Mix(Mix(Mix(a) ^ b) ^ c); }

// FNV-1a, for deriving a stream from a name.
inline uint64_t HashName(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// Uniform in [0, 1).
inline double Uniform(uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }
inline double Uniform(uint64_t stream, uint64_t slot, uint64_t salt) {
  return Uniform(Hash(stream, slot, salt));
}

// Standard normal (Box-Muller on two hashed uniforms).
inline double Normal(uint64_t stream, uint64_t slot, uint64_t salt) {
  double u1 = Uniform(stream, slot, salt * 2 + 1);
  double u2 = Uniform(stream, slot, salt * 2 + 2);
  if (u1 < 1e-300) u1 = 1e-300;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
}

// Poisson-distributed count with mean `mean` (Knuth; means here are small).
inline int Poisson(uint64_t stream, uint64_t slot, uint64_t salt, double mean) {
  double limit = std::exp(-mean);
  double product = 1.0;
  int k = 0;
  for (;; ++k) {
    product *= Uniform(stream, slot, salt * 1000 + static_cast<uint64_t>(k));
    if (product <= limit || k > 1000) return k;
  }
}

}  // namespace civitas::demo
