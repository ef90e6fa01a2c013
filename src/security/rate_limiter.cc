#include "civitas/security/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace civitas::security {

RateLimiter::RateLimiter(Options options, Clock now)
    : options_(options),
      now_(now ? std::move(now) : [] { return std::chrono::steady_clock::now(); }) {}

RateLimiter::Bucket& RateLimiter::Refilled(std::string_view key) {
  const auto now = now_();
  // One allocation per new key only; lookups of known keys reuse this string's buffer.
  thread_local std::string lookup;
  lookup.assign(key);
  auto it = buckets_.find(lookup);
  if (it == buckets_.end()) {
    if (buckets_.size() >= options_.max_keys) {
      std::erase_if(buckets_, [&](const auto& entry) {
        const auto& b = entry.second;
        double elapsed = std::chrono::duration<double>(now - b.updated).count();
        return b.tokens + elapsed * options_.refill_per_second >= options_.capacity;
      });
      if (buckets_.size() >= options_.max_keys) buckets_.clear();
    }
    it = buckets_.emplace(lookup, Bucket{options_.capacity, now}).first;
    return it->second;
  }
  Bucket& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.updated).count();
  if (elapsed > 0) {
    b.tokens = std::min(options_.capacity, b.tokens + elapsed * options_.refill_per_second);
    b.updated = now;
  }
  return b;
}

RateLimiter::Decision RateLimiter::Refusal(const Bucket& bucket) const {
  double missing = 1.0 - bucket.tokens;
  double seconds = options_.refill_per_second > 0 ? missing / options_.refill_per_second : 3600;
  return {false, std::chrono::seconds(std::max<int64_t>(1, std::llround(std::ceil(seconds))))};
}

RateLimiter::Decision RateLimiter::Take(std::string_view key) {
  absl::MutexLock lock(&mu_);
  Bucket& b = Refilled(key);
  if (b.tokens < 1.0) return Refusal(b);
  b.tokens -= 1.0;
  return {};
}

RateLimiter::Decision RateLimiter::Peek(std::string_view key) {
  absl::MutexLock lock(&mu_);
  Bucket& b = Refilled(key);
  if (b.tokens < 1.0) return Refusal(b);
  return {};
}

void RateLimiter::Charge(std::string_view key) {
  absl::MutexLock lock(&mu_);
  Bucket& b = Refilled(key);
  b.tokens = std::max(0.0, b.tokens - 1.0);
}

}  // namespace civitas::security
