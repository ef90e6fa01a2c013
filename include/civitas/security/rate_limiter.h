#pragma once

// Token buckets keyed by a principal id or a source address.

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace civitas::security {

// Thread-safe (one mutex; a bucket update is a few arithmetic operations). Memory is bounded by
// `max_keys`: when full, idle (full) buckets are dropped first, then all of them, which only
// ever errs towards letting clients through.
class RateLimiter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  struct Options {
    double capacity = 100;          // burst size, in requests
    double refill_per_second = 50;  // sustained rate
    size_t max_keys = 100000;
  };
  struct Decision {
    bool allowed = true;
    std::chrono::seconds retry_after{0};  // when refused: until one token is back (>= 1 s)
  };

  // `now` defaults to std::chrono::steady_clock::now; tests inject their own.
  explicit RateLimiter(Options options, Clock now = {});

  // Takes one token from `key`'s bucket if there is one.
  Decision Take(std::string_view key);
  // Whether a Take would succeed now, without taking.
  Decision Peek(std::string_view key);
  // Takes one token even when that empties the bucket (never below zero): counts a failure.
  void Charge(std::string_view key);

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point updated;
  };
  Bucket& Refilled(std::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Decision Refusal(const Bucket& bucket) const;

  Options options_;
  Clock now_;
  absl::Mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace civitas::security
