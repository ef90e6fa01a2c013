#include "src/store/series_heads.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "civitas/core/shared_prefix.h"
#include "civitas/core/varint.h"
#include "src/store/temporal_keys.h"

namespace civitas::store {
namespace tk = temporal_keys;
namespace {

// Puts `value` at `t` into `samples` (by time), replacing a sample at the same time. Appends are
// the common case: checked first.
void PutSample(std::vector<std::pair<int64_t, SampleValue>>& samples, int64_t t,
               SampleValue value) {
  if (samples.empty() || samples.back().first < t) {
    samples.emplace_back(t, std::move(value));
    return;
  }
  auto at = std::lower_bound(samples.begin(), samples.end(), t,
                             [](const auto& sample, int64_t time) { return sample.first < time; });
  if (at != samples.end() && at->first == t) {
    at->second = std::move(value);
  } else {
    samples.emplace(at, t, std::move(value));
  }
}

}  // namespace

size_t SeriesHeads::ShardIndexOf(std::string_view key) {
  return std::hash<std::string_view>{}(tk::EntityPrefixOf(key)) % kShards;
}

std::optional<HeadState> SeriesHeads::State(std::string_view key, SeriesHead** at) const {
  Shard& shard = ShardOf(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.heads.find(AbslView(key));
  if (it == shard.heads.end()) return std::nullopt;
  if (at != nullptr) *at = &it->second;
  return it->second.state;
}

std::vector<std::pair<int64_t, SampleValue>> SeriesHeads::Samples(std::string_view key,
                                                                  int64_t from_us,
                                                                  int64_t to_us) const {
  std::vector<std::pair<int64_t, SampleValue>> out;
  Shard& shard = ShardOf(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.heads.find(AbslView(key));
  if (it == shard.heads.end()) return out;
  for (const auto& sample : it->second.samples) {
    if (sample.first >= from_us && sample.first < to_us) out.push_back(sample);
  }
  return out;
}

void SeriesHeads::Apply(std::vector<HeadUpdate> updates, uint64_t seq, Clock::time_point now) {
  // One lock per shard, not per head: a batch of a thousand entities updates thousands of heads.
  std::vector<std::pair<size_t, size_t>> order;  // (shard, update)
  order.reserve(updates.size());
  for (size_t i = 0; i < updates.size(); ++i) order.emplace_back(ShardIndexOf(updates[i].key), i);
  std::sort(order.begin(), order.end());
  for (size_t i = 0; i < order.size();) {
    const size_t shard_index = order[i].first;
    Shard& shard = shards_[shard_index];
    absl::MutexLock lock(&shard.mu);
    for (; i < order.size() && order[i].first == shard_index; ++i) {
      ApplyLocked(shard, std::move(updates[order[i].second]), seq, now);
    }
  }
}

void SeriesHeads::ApplyLocked(Shard& shard, HeadUpdate update, uint64_t seq,
                              Clock::time_point now) {
  SeriesHead& head = update.head != nullptr ? *update.head : shard.heads[std::move(update.key)];
  head.state = update.state;
  if (update.folded) {
    ++folds_;  // before the samples go: a reader that copies the head after sees the count
    head.samples.clear();
    head.first_seq = 0;
  }
  if (update.appended.empty()) return;
  if (head.samples.empty()) {
    head.first_seq = seq;
    head.first_at = now;
  }
  for (auto& [t, value] : update.appended) PutSample(head.samples, t, std::move(value));
}

void SeriesHeads::ErasePrefix(std::string_view prefix) {
  Shard& shard = ShardOf(prefix);
  absl::MutexLock lock(&shard.mu);
  absl::erase_if(shard.heads, [&](const auto& entry) {
    return std::string_view(entry.first).starts_with(prefix);
  });
}

std::vector<std::string> SeriesHeads::KeysWithSamples(std::string_view prefix) const {
  std::vector<std::string> keys;
  Shard& shard = ShardOf(prefix);
  absl::MutexLock lock(&shard.mu);
  for (const auto& [key, head] : shard.heads) {
    if (!head.samples.empty() && std::string_view(key).starts_with(prefix)) keys.push_back(key);
  }
  return keys;
}

uint64_t SeriesHeads::OldestNeededSeq(uint64_t bound) const {
  uint64_t oldest = bound;
  for (Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    for (const auto& [key, head] : shard.heads) {
      if (!head.samples.empty()) oldest = std::min(oldest, head.first_seq);
    }
  }
  return oldest;
}

std::vector<std::string> SeriesHeads::KeysToFold(Clock::time_point held_before,
                                                 uint64_t seq_before) const {
  std::vector<std::string> keys;
  for (Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    for (const auto& [key, head] : shard.heads) {
      if (head.samples.empty()) continue;
      if (head.first_at < held_before || head.first_seq < seq_before) keys.push_back(key);
    }
  }
  return keys;
}

namespace {

bool TakeBytes(std::string_view& in, uint64_t n, std::string_view& out) {
  if (in.size() < n) return false;
  out = in.substr(0, n);
  in.remove_prefix(n);
  return true;
}

// Records of store format 5 start with this u32 (LE): formats before it (refused at open) had
// other markers or none.
constexpr uint32_t kRecordMarker = 0xfffffffd;
// The sample's kind byte has this bit set when a modifiedAt follows.
constexpr uint8_t kModifiedAtBit = 0x80;

int64_t Plus(int64_t t, int64_t d) {
  return static_cast<int64_t>(static_cast<uint64_t>(t) + static_cast<uint64_t>(d));
}
int64_t Minus(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

}  // namespace

// kRecordMarker, then per head with appends: varint bytes its key shares with the previous head
// key, varint size of the rest, the rest, varint sample count; per sample: varint zigzag(t - the
// previous sample's t in the record, 0 before the first), u8 kind (| 0x80 when a modifiedAt
// follows), varint zigzag(modifiedAt - the previous modifiedAt in the record, 0 before the
// first) if so, then the f64 (LE) or varint text size and the
// text. A batch's heads come by entity, and one entity's keys share its ~40-byte prefix and often
// the attribute IRI: spelling each key out was a third of the log's bytes, and fixed-width sizes
// and times another third. A batch's samples mostly share one time and one modifiedAt, so each
// costs a byte.
std::string EncodeHeadLogRecord(const std::vector<HeadUpdate>& updates) {
  std::string out;
  out.reserve(updates.size() * 24);  // a shared-prefix key rest and one number sample each, ~20 B
  std::string_view previous;
  int64_t last_t = 0, last_modified = 0;
  for (const auto& update : updates) {
    if (update.appended.empty()) continue;
    if (out.empty()) out.append(reinterpret_cast<const char*>(&kRecordMarker), 4);
    const std::string_view key = update.key;
    const size_t shared = SharedPrefixSize(key, previous);
    previous = key;
    PutVarint64(out, shared);
    PutVarint64(out, key.size() - shared);
    out.append(key.substr(shared));
    PutVarint64(out, update.appended.size());
    for (const auto& [t, value] : update.appended) {
      PutVarint64(out, ZigZagEncode(Minus(t, last_t)));
      last_t = t;
      const bool modified = value.modified_at_us != kNoModifiedAt;
      out.push_back(
          static_cast<char>(static_cast<uint8_t>(value.kind) | (modified ? kModifiedAtBit : 0)));
      if (modified) {
        PutVarint64(out, ZigZagEncode(Minus(value.modified_at_us, last_modified)));
        last_modified = value.modified_at_us;
      }
      if (value.kind == SampleKind::kNumber) {
        PutFixed64(out, std::bit_cast<uint64_t>(value.number));
      } else {
        PutVarint64(out, value.text.size());
        out.append(value.text);
      }
    }
  }
  return out;
}

Status DecodeHeadLogRecord(
    std::string_view in,
    const std::function<Status(std::string_view key, int64_t t, SampleValue value)>& on_sample) {
  const Status corrupt = Internal("corrupt temporal head-log record");
  uint32_t marker = 0;
  if (in.size() < 4) return corrupt;
  std::memcpy(&marker, in.data(), 4);
  if (marker != kRecordMarker) return corrupt;
  in.remove_prefix(4);
  std::string key;
  int64_t last_t = 0, last_modified = 0;
  while (!in.empty()) {
    uint64_t shared = 0, rest_size = 0, count = 0;
    std::string_view rest, bytes;
    if (!GetVarint64(in, shared) || shared > key.size() || !GetVarint64(in, rest_size) ||
        !TakeBytes(in, rest_size, rest) || !GetVarint64(in, count)) {
      return corrupt;
    }
    key.resize(shared);
    key.append(rest);
    if (key.empty()) return corrupt;
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t z = 0;
      if (!GetVarint64(in, z) || !TakeBytes(in, 1, bytes)) return corrupt;
      const int64_t t = Plus(last_t, ZigZagDecode(z));
      last_t = t;
      const auto kind = static_cast<uint8_t>(bytes[0]);
      SampleValue value;
      if ((kind & kModifiedAtBit) != 0) {
        if (!GetVarint64(in, z)) return corrupt;
        value.modified_at_us = Plus(last_modified, ZigZagDecode(z));
        last_modified = value.modified_at_us;
      }
      value.kind = static_cast<SampleKind>(kind & ~kModifiedAtBit);
      if (value.kind == SampleKind::kNumber) {
        uint64_t bits = 0;
        if (!GetFixed64(in, bits)) return corrupt;
        value.number = std::bit_cast<double>(bits);
      } else if (value.kind == SampleKind::kText) {
        uint64_t size = 0;
        if (!GetVarint64(in, size) || !TakeBytes(in, size, bytes)) return corrupt;
        value.text = std::string(bytes);
      } else {
        return corrupt;
      }
      CIVITAS_RETURN_IF_ERROR(on_sample(key, t, std::move(value)));
    }
  }
  return Status::Ok();
}

std::string HeadLogKey(uint64_t seq) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i, seq >>= 8) key[i] = static_cast<char>(seq & 0xff);
  return key;
}

uint64_t HeadLogSeqOf(std::string_view key) {
  if (key.size() != 8) return 0;
  uint64_t seq = 0;
  for (char c : key) seq = (seq << 8) | static_cast<uint8_t>(c);
  return seq;
}

void HeadLogSequence::StartAt(uint64_t next) {
  absl::MutexLock lock(&mu_);
  next_ = next;
}

uint64_t HeadLogSequence::Take() {
  absl::MutexLock lock(&mu_);
  pending_.insert(next_);
  return next_++;
}

void HeadLogSequence::Done(uint64_t seq) {
  absl::MutexLock lock(&mu_);
  pending_.erase(seq);
}

uint64_t HeadLogSequence::OldestPending() const {
  absl::MutexLock lock(&mu_);
  return pending_.empty() ? next_ : *pending_.begin();
}

uint64_t HeadLogSequence::next() const {
  absl::MutexLock lock(&mu_);
  return next_;
}

std::string FoldMarkKey(std::string_view head_key) {
  return std::string(1, kFoldMarkTag).append(head_key);
}

std::string EncodeFoldMark(uint64_t seq) {
  return std::string(reinterpret_cast<const char*>(&seq), sizeof seq);
}

}  // namespace civitas::store
