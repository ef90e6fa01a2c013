#include "civitas/security/rate_limiter.h"

#include <gtest/gtest.h>

namespace civitas::security {
namespace {

class RateLimiterTest : public ::testing::Test {
 protected:
  RateLimiter Make(RateLimiter::Options options) {
    return RateLimiter(options, [this] { return now_; });
  }
  std::chrono::steady_clock::time_point now_{};
};

TEST_F(RateLimiterTest, BurstThenRefusesWithRetryAfter) {
  auto limiter = Make({.capacity = 3, .refill_per_second = 0.5});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("a").allowed);
  auto refused = limiter.Take("a");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, std::chrono::seconds(2));
  EXPECT_TRUE(limiter.Take("b").allowed) << "buckets are per key";
  now_ += std::chrono::seconds(2);
  EXPECT_TRUE(limiter.Take("a").allowed);
  EXPECT_FALSE(limiter.Take("a").allowed);
}

TEST_F(RateLimiterTest, RefillIsCappedAtCapacity) {
  auto limiter = Make({.capacity = 2, .refill_per_second = 100});
  now_ += std::chrono::hours(1);
  EXPECT_TRUE(limiter.Take("a").allowed);
  EXPECT_TRUE(limiter.Take("a").allowed);
  EXPECT_FALSE(limiter.Take("a").allowed);
}

TEST_F(RateLimiterTest, ChargeCountsFailuresAndPeekDoesNotTake) {
  auto limiter = Make({.capacity = 2, .refill_per_second = 1.0 / 6});
  EXPECT_TRUE(limiter.Peek("ip").allowed);
  EXPECT_TRUE(limiter.Peek("ip").allowed);
  limiter.Charge("ip");
  limiter.Charge("ip");
  limiter.Charge("ip");  // never below zero
  auto locked = limiter.Peek("ip");
  EXPECT_FALSE(locked.allowed);
  EXPECT_EQ(locked.retry_after, std::chrono::seconds(6));
  now_ += std::chrono::seconds(6);
  EXPECT_TRUE(limiter.Peek("ip").allowed);
}

TEST_F(RateLimiterTest, MemoryStaysBounded) {
  auto limiter = Make({.capacity = 1, .refill_per_second = 1, .max_keys = 100});
  for (int i = 0; i < 10000; ++i) limiter.Take("k" + std::to_string(i));
  // Whatever was evicted, a fresh key is served and a just-used key is limited.
  EXPECT_TRUE(limiter.Take("new").allowed);
  EXPECT_FALSE(limiter.Take("new").allowed);
}

}  // namespace
}  // namespace civitas::security
