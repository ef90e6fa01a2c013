#include "src/store/committed_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace civitas::store {
namespace {

TEST(CommittedCacheTest, ReadersFillOnlyWhatNoWriteTouchedSinceTheirRead) {
  CommittedCache<int> cache(1);  // 64 shards of one entry
  const uint64_t before = cache.Evictions();
  EXPECT_TRUE(cache.SetIfAbsent("a", 1, before));
  EXPECT_FALSE(cache.SetIfAbsent("a", 2, before));  // never replaces an entry
  EXPECT_EQ(cache.Get("a"), 1);
  std::string same_shard, other_shard;
  for (int i = 0; same_shard.empty() || other_shard.empty(); ++i) {
    std::string key = "k" + std::to_string(i);
    (cache.Accepts(key) ? other_shard : same_shard) = key;  // "a"'s shard is full
  }
  cache.Set(same_shard, 3);  // a writer: the full shard starts over
  EXPECT_EQ(cache.Get("a"), std::nullopt);
  EXPECT_NE(cache.Evictions(), before);
  // A reader that read before the eviction may hold what a dropped entry replaced.
  EXPECT_FALSE(cache.SetIfAbsent(other_shard, 4, before));
  EXPECT_EQ(cache.Get(other_shard), std::nullopt);
  EXPECT_TRUE(cache.SetIfAbsent(other_shard, 4, cache.Evictions()));
  EXPECT_EQ(cache.Get(other_shard), 4);
}

// A failed write drops its marks as evictions: the key can be filled again, but not by a
// reader that looked before the drop.
TEST(CommittedCacheTest, EvictDropsTheEntryAndStopsFillsInFlight) {
  CommittedCache<int> cache(4);
  cache.Set("a", 1);
  const uint64_t before = cache.Evictions();
  cache.Evict("a");
  EXPECT_EQ(cache.Get("a"), std::nullopt);
  EXPECT_FALSE(cache.SetIfAbsent("a", 2, before));
  EXPECT_TRUE(cache.SetIfAbsent("a", 2, cache.Evictions()));
  EXPECT_EQ(cache.Get("a"), 2);
}

TEST(CommittedCacheTest, FullShardsKeepWritesMarks) {
  CommittedCache<CommittedEntity> cache(1);
  cache.Set("marked", {.entity = nullptr, .visible_from = 0, .writing = true});
  // Every other key lands in some shard; the one of "marked" starts over when another key of
  // it is set, and must keep the mark.
  for (int i = 0; i < 1000; ++i) cache.Set("k" + std::to_string(i), {});
  ASSERT_TRUE(cache.Get("marked"));
  EXPECT_TRUE(cache.Get("marked")->writing);
}

}  // namespace
}  // namespace civitas::store
