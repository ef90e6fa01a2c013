#pragma once

// The heads of the temporal history: each series' samples of its open hours (the newest, and
// the one before while late samples may still come) that are not yet in a chunk, kept in memory and
// made durable by the head log (docs/formats/temporal-store.md, "Heads and the head log"). One
// head-log record per mutation replaces the key per sample the pending hour used to cost: on an
// ingest-heavy store those memtable inserts were a third of the server's CPU. Internal to store/.

#include <absl/base/thread_annotations.h>
#include <absl/container/btree_set.h>
#include <absl/container/node_hash_map.h>
#include <absl/synchronization/mutex.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/store/temporal_store.h"
#include "src/store/absl_view.h"

namespace civitas::store {

// The value of one sample, owned, and when it was written.
struct SampleValue {
  SampleKind kind = SampleKind::kNumber;
  double number = 0;
  std::string text;
  int64_t modified_at_us = kNoModifiedAt;
};

// What a write needs to know about a series.
struct HeadState {
  std::optional<int64_t> newest_us;  // the time of its newest sample, in the head or a chunk
  uint64_t count = 0;                // samples in the head
  uint64_t newest_hour_count = 0;    // of them, in the hour of newest_us
  // The newest chunk's last sample (every head sample is later) and size. Once that chunk is
  // emptied, its last sample stays as a bound (size 0): which older chunk is now the newest is
  // not known, and a bound too late only sends a few more samples to the chunks.
  std::optional<int64_t> chunk_last_us;
  uint64_t chunk_samples = 0;
};

// One series' head in memory (SeriesHeads).
struct SeriesHead {
  HeadState state;
  std::vector<std::pair<int64_t, SampleValue>> samples;  // by time: appends are at the end
  uint64_t first_seq = 0;                                // the log record of the oldest sample
  std::chrono::steady_clock::time_point first_at;
};

// What one committed write changes in one head.
struct HeadUpdate {
  std::string key;  // the head key: series prefix + the head tag
  HeadState state;
  bool folded = false;  // the head's samples before this write went into a chunk
  std::vector<std::pair<int64_t, SampleValue>> appended;
  // Where the head is, when SeriesHeads::State found it under the locks the write still holds:
  // Apply then needs no second lookup.
  SeriesHead* head = nullptr;
};

// Every series' head, by head key (series prefix + the head tag). Thread-safe. A series'
// head is changed only under its entity's stripe lock, after the write that produced the change
// committed; so a reader that copies a head and then reads the chunks misses nothing (a fold
// commits its chunk before the head lets go of the samples).
class SeriesHeads {
 public:
  using Clock = std::chrono::steady_clock;

  // nullopt when the series has no head in memory (never written since open). `at`, when
  // given, is set to the head: it stays valid while the caller holds the stripe lock of its
  // entity, since heads are created, changed and erased only under that lock, and the map's
  // nodes never move.
  std::optional<HeadState> State(std::string_view key, SeriesHead** at = nullptr) const;
  // The head's samples in [from_us, to_us), in time order.
  std::vector<std::pair<int64_t, SampleValue>> Samples(std::string_view key, int64_t from_us,
                                                       int64_t to_us) const;
  // `updates` (one per head) were committed with head-log sequence number `seq` at `now`.
  void Apply(std::vector<HeadUpdate> updates, uint64_t seq, Clock::time_point now);
  // Counts the folds applied so far. A reader whose chunk view predates a fold must renew it
  // before trusting a head copy taken after that fold: the folded samples left the head.
  uint64_t folds() const { return folds_.load(); }
  void ErasePrefix(std::string_view prefix);
  // The keys under `prefix` whose heads hold samples.
  std::vector<std::string> KeysWithSamples(std::string_view prefix) const;
  // The lowest head-log sequence number a head still needs, or `bound` when that is lower (or
  // no head holds samples).
  uint64_t OldestNeededSeq(uint64_t bound) const;
  // The keys of heads holding samples written before `held_before` or logged before
  // `seq_before`.
  std::vector<std::string> KeysToFold(Clock::time_point held_before, uint64_t seq_before) const;

 private:
  // Hashed: lookups by key are the hot path; prefix operations (deletions, upkeep) are rare and
  // visit one shard. Nodes, so that a write's State and Apply find the head once.
  struct Shard {
    mutable absl::Mutex mu;
    absl::node_hash_map<std::string, SeriesHead> heads ABSL_GUARDED_BY(mu);
  };
  static constexpr size_t kShards = 64;
  // By entity, so every prefix operation (entity, attribute, series) visits one shard.
  static size_t ShardIndexOf(std::string_view key);
  Shard& ShardOf(std::string_view key) const { return shards_[ShardIndexOf(key)]; }
  void ApplyLocked(Shard& shard, HeadUpdate update, uint64_t seq, Clock::time_point now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);

  mutable std::array<Shard, kShards> shards_;
  std::atomic<uint64_t> folds_{0};
};

// Hands out the head log's sequence numbers, one per mutation, and remembers the mutations
// that hold one and have not yet applied their samples to the heads. Truncating the log below
// the heads' oldest needed record must also spare theirs: such a record may already be in the
// log while the heads do not show it yet. Thread-safe.
class HeadLogSequence {
 public:
  // Before any Take: the first number to hand out.
  void StartAt(uint64_t next);
  // A number higher than any taken before; call Done with it once the mutation's samples are
  // in the heads (or it wrote nothing).
  uint64_t Take();
  void Done(uint64_t seq);
  // The lowest number taken and not Done; the next one to hand out when there is none.
  uint64_t OldestPending() const;
  uint64_t next() const;

 private:
  mutable absl::Mutex mu_;
  uint64_t next_ ABSL_GUARDED_BY(mu_) = 1;
  absl::btree_set<uint64_t> pending_ ABSL_GUARDED_BY(mu_);
};

// The `temporal_log` column family holds
//   be64(sequence number)  → the record of the samples one mutation appended to heads
//   \xff head key          → u64 LE fold mark: records before it hold nothing of that head
// (sequence numbers stay below 2^56, so marks sort after every record).
std::string EncodeHeadLogRecord(const std::vector<HeadUpdate>& updates);
// Calls `on_sample` for every sample of the record, in order (`key` lives only for the call).
// kInternal when corrupt.
Status DecodeHeadLogRecord(
    std::string_view record,
    const std::function<Status(std::string_view key, int64_t t, SampleValue value)>& on_sample);

std::string HeadLogKey(uint64_t seq);
uint64_t HeadLogSeqOf(std::string_view key);  // 0 when the key is malformed
inline constexpr char kFoldMarkTag = '\xff';
std::string FoldMarkKey(std::string_view head_key);
std::string EncodeFoldMark(uint64_t seq);

}  // namespace civitas::store
