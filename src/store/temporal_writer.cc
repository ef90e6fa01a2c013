#include "src/store/temporal_writer.h"

#include <algorithm>
#include <cstring>

#include "civitas/model/json_text.h"
#include "src/store/rocks_store.h"
#include "src/store/temporal_keys.h"

namespace civitas::store {
namespace tk = temporal_keys;

std::optional<TemporalInstance> TemporalInstanceOf(const model::Attribute& attribute) {
  std::optional<Timestamp> at =
      attribute.observed_at ? attribute.observed_at : attribute.modified_at;
  if (!at) return std::nullopt;
  TemporalInstance instance;
  instance.attr = attribute.name;
  instance.dataset_id = attribute.dataset_id;
  instance.kind = attribute.kind;
  instance.unit_code = attribute.unit_code;
  instance.timestamp_us = at->time_since_epoch().count();
  if (attribute.modified_at)
    instance.modified_at_us = attribute.modified_at->time_since_epoch().count();
  if (attribute.kind == model::AttributeKind::kProperty && attribute.value.is_number()) {
    instance.value_kind = SampleKind::kNumber;
    instance.number = attribute.value.to_number<double>();
  } else {
    instance.value_kind = SampleKind::kText;
    instance.text = model::ToJsonText(attribute.value);
  }
  return instance;
}

std::vector<TemporalInstance> HistoryDelta(const model::Entity* before,
                                           const model::Entity& after) {
  std::vector<TemporalInstance> out;
  for (const auto& attribute : after.attributes) {
    const model::Attribute* old =
        before ? before->Find(attribute.name, attribute.dataset_id) : nullptr;
    if (old != nullptr && old->kind == attribute.kind && old->value == attribute.value &&
        old->observed_at == attribute.observed_at) {
      continue;
    }
    if (auto instance = TemporalInstanceOf(attribute)) out.push_back(std::move(*instance));
  }
  return out;
}

std::string EncodePendingValue(const TemporalWriter::Value& value) {
  std::string out(1, static_cast<char>(value.kind));
  if (value.kind == SampleKind::kNumber) {
    char bits[8];
    std::memcpy(bits, &value.number, 8);
    out.append(bits, 8);
  } else {
    out.append(value.text);
  }
  return out;
}

bool DecodePendingValue(std::string_view bytes, Sample& sample) {
  if (bytes.empty()) return false;
  if (bytes[0] == static_cast<char>(SampleKind::kNumber)) {
    if (bytes.size() != 9) return false;
    sample.kind = SampleKind::kNumber;
    std::memcpy(&sample.number, bytes.data() + 1, 8);
    return true;
  }
  if (bytes[0] != static_cast<char>(SampleKind::kText)) return false;
  sample.kind = SampleKind::kText;
  sample.text = bytes.substr(1);
  return true;
}

PendingRange::PendingRange(const std::string& prefix, char pending_tag)
    : begin(prefix + pending_tag),
      end(prefix + static_cast<char>(pending_tag + 1)),
      lower(begin),
      upper(end) {
  options.iterate_lower_bound = &lower;
  options.iterate_upper_bound = &upper;
}

Result<std::optional<int64_t>> PendingHour(rocksdb::Iterator& it, const PendingRange& range) {
  // From the newest end: the deleted pending keys of folded hours all sort before the live
  // ones, so seeking forward from the start would step over every tombstone of the history.
  it.SeekForPrev(range.end);
  std::optional<int64_t> hour;
  if (it.Valid()) hour = tk::HourOf(tk::TimeAtEnd(it.key().ToStringView()));
  CIVITAS_RETURN_IF_ERROR(FromRocks(it.status(), "read temporal pending samples"));
  return hour;
}

void TemporalWriter::Add(std::string_view id, std::vector<std::string> types,
                         std::vector<TemporalInstance> instances) {
  if (!types.empty()) types_[std::string(id)] = std::move(types);
  for (auto& instance : instances) {
    std::string prefix = tk::SeriesPrefix(tenant_, id, instance.attr, instance.dataset_id);
    if (instance.modified_at_us) {
      auto& modified = series_[{prefix, TimeProperty::kModifiedAt}];
      modified.kind = instance.kind;
      modified.unit_code = instance.unit_code;
      modified.samples[*instance.modified_at_us] =
          Value{instance.value_kind, instance.number, instance.text};
    }
    auto& writes = series_[{std::move(prefix), TimeProperty::kObservedAt}];
    writes.kind = instance.kind;
    writes.unit_code = instance.unit_code;
    writes.samples[instance.timestamp_us] =
        Value{instance.value_kind, instance.number, std::move(instance.text)};
  }
}

void TemporalWriter::Delete(std::string_view id, std::string_view attr,
                            const std::string* dataset_id) {
  std::string begin = attr.empty()            ? tk::EntityPrefix(tenant_, id)
                      : dataset_id == nullptr ? tk::AttrPrefix(tenant_, id, attr)
                                              : tk::SeriesPrefix(tenant_, id, attr, *dataset_id);
  std::string end = begin;
  end.back() = '\x01';  // every prefix ends with \0
  deletes_.emplace_back(std::move(begin), std::move(end));
}

void TemporalWriter::RemoveInstance(std::string_view id, std::string_view attr,
                                    std::string_view dataset_id, int64_t timestamp_us) {
  series_[{tk::SeriesPrefix(tenant_, id, attr, dataset_id), TimeProperty::kObservedAt}]
      .removed.insert(timestamp_us);
}

bool TemporalWriter::Deleted(std::string_view key) const {
  return std::any_of(deletes_.begin(), deletes_.end(),
                     [&](const auto& r) { return key >= r.first && key < r.second; });
}

Status TemporalWriter::Stage(rocksdb::WriteBatch& batch) {
  for (const auto& [begin, end] : deletes_) batch.DeleteRange(cf_, begin, end);
  for (const auto& [id, types] : types_) {
    // Retention learns types only when they change (the index was built from these keys at
    // open). Noted before the commit: should the batch fail, the entity keeps the rule of these
    // types until its next history write.
    if (PutIfChanged(batch, tk::EntityTypesKey(tenant_, id), tk::EncodeTypes(types))) {
      retention_.SetTypes(tk::EntityPrefix(tenant_, id), types);
    }
  }
  for (const auto& [key, writes] : series_) {
    CIVITAS_RETURN_IF_ERROR(StageSeries(key.first, key.second, writes, batch));
  }
  return Status::Ok();
}

void TemporalWriter::Committed() {
  for (const auto& [begin, end] : deletes_) {
    cache_.pending.ErasePrefix(begin);
    cache_.values.ErasePrefix(begin);
  }
  for (const auto& [key, state] : pending_after_) cache_.pending.Set(key, state);
  for (auto& [key, value] : values_after_) cache_.values.Set(key, std::move(value));
}

bool TemporalWriter::PutIfChanged(rocksdb::WriteBatch& batch, std::string key, std::string value) {
  if (auto staged = values_after_.find(key); staged != values_after_.end()) {
    if (staged->second == value) return false;
  } else if (!Deleted(key) && cache_.values.Get(key) == value) {
    return false;
  }
  batch.Put(cf_, key, value);
  values_after_.insert_or_assign(std::move(key), std::move(value));
  return true;
}

namespace {

// The PendingState of one timeline of a series, read from the database (a cache miss). With no
// pending sample, the newest chunk's hour stands in for the pending hour, so that no sample is
// ever made pending before a chunk.
Result<PendingState> LoadPendingState(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf,
                                      rocksdb::Iterator& pending, const PendingRange& range,
                                      const std::string& prefix, tk::Timeline tags) {
  PendingState state;
  CIVITAS_ASSIGN_OR_RETURN(state.hour, PendingHour(pending, range));
  std::string chunk;
  if (state.hour) {
    for (pending.Seek(tk::Tagged(prefix, tags.pending, *state.hour)); pending.Valid();
         pending.Next()) {
      ++state.count;
    }
    CIVITAS_RETURN_IF_ERROR(FromRocks(pending.status(), "read temporal pending samples"));
    auto s =
        db.Get(rocksdb::ReadOptions(), cf, tk::Tagged(prefix, tags.chunk, *state.hour), &chunk);
    if (s.IsNotFound()) return state;
    CIVITAS_RETURN_IF_ERROR(FromRocks(s, "read temporal chunk"));
  } else {
    PendingRange chunks(prefix, tags.chunk);  // the same key range shape, for the chunk tag
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(chunks.options, cf));
    it->SeekForPrev(chunks.end);
    CIVITAS_RETURN_IF_ERROR(FromRocks(it->status(), "read temporal chunks"));
    if (!it->Valid()) return state;
    state.hour = tk::TimeAtEnd(it->key().ToStringView());
    chunk = it->value().ToString();
  }
  CIVITAS_ASSIGN_OR_RETURN(const ChunkSummary summary, ReadTimeSeriesChunkSummary(chunk));
  state.chunk_last_us = summary.last_timestamp_us;
  state.chunk_samples = summary.sample_count;
  return state;
}

}  // namespace

Status TemporalWriter::StageSeries(const std::string& prefix, TimeProperty timeline,
                                   const SeriesWrites& writes, rocksdb::WriteBatch& batch) {
  const tk::Timeline tags = tk::TimelineOf(timeline);
  if (writes.samples.empty() && writes.removed.empty()) return Status::Ok();
  if (!writes.samples.empty()) {
    PutIfChanged(batch, prefix + tk::kKindTag,
                 std::string(1, static_cast<char>(writes.kind)) + writes.unit_code);
  }
  auto removed = [&](int64_t t) {
    return writes.removed.contains(t) && !writes.samples.contains(t);
  };
  // A series deleted in this mutation starts empty: the DeleteRange is in the batch, not yet in
  // the database this reads.
  const bool fresh = Deleted(prefix);
  PendingRange range(prefix, tags.pending);
  std::unique_ptr<rocksdb::Iterator> it;
  auto iterator = [&]() -> rocksdb::Iterator& {
    if (!it) it.reset(db_.NewIterator(range.options, cf_));
    return *it;
  };
  PendingState state;
  if (!fresh) {
    if (auto cached = cache_.pending.Get(range.begin)) {
      state = *cached;
    } else {
      CIVITAS_ASSIGN_OR_RETURN(state, LoadPendingState(db_, cf_, iterator(), range, prefix, tags));
    }
  }
  const int64_t newest =
      writes.samples.empty() ? INT64_MIN : tk::HourOf(writes.samples.rbegin()->first);
  const int64_t frontier = state.hour ? std::max(*state.hour, newest) : newest;
  const bool same_hour = state.hour && *state.hour == frontier;
  // Samples of the frontier hour after its chunk (if any) are appended as pending keys.
  const bool has_chunk = same_hour && state.chunk_last_us.has_value();
  const int64_t chunk_last = has_chunk ? *state.chunk_last_us : 0;
  auto appends = [&](int64_t t) {
    return tk::HourOf(t) == frontier && (!has_chunk || t > chunk_last);
  };
  uint64_t new_pending = 0;
  for (const auto& [t, value] : writes.samples) new_pending += appends(t) ? 1 : 0;
  // Too many pending keys for one hour (a bulk load, or the modifiedAt timeline of one): they
  // are folded into the hour's chunk, and the hour goes on after it. A quarter of the chunk's
  // size keeps the re-encoding of a growing chunk linear overall.
  const uint64_t pending_count = (same_hour ? state.count : 0) + new_pending;
  const uint64_t chunk_samples = has_chunk ? state.chunk_samples : 0;
  const bool fold_frontier =
      new_pending > 0 && pending_count >= std::max<uint64_t>(kPendingFoldMin, chunk_samples / 4);

  std::map<int64_t, std::map<int64_t, const Value*>> fold;  // hour → timestamp → value
  std::vector<std::unique_ptr<Value>> folded_pending;
  for (const auto& [t, value] : writes.samples) {
    if (appends(t) && !fold_frontier) {
      batch.Put(cf_, tk::Tagged(prefix, tags.pending, t), EncodePendingValue(value));
    } else {
      fold[tk::HourOf(t)][t] = &value;
    }
  }
  for (int64_t t : writes.removed) {
    if (!removed(t)) continue;
    batch.Delete(cf_, tk::Tagged(prefix, tags.pending, t));
    if (!appends(t) || fold_frontier) fold[tk::HourOf(t)];  // its chunk is rewritten
  }
  // The pending hour is complete (a later hour arrived), or folded as too long: its samples
  // move into its chunk (new writes win).
  if (state.hour && (*state.hour < frontier || (same_hour && fold_frontier))) {
    rocksdb::Iterator& pending = iterator();
    for (pending.Seek(tk::Tagged(prefix, tags.pending, *state.hour)); pending.Valid();
         pending.Next()) {
      std::string_view key = pending.key().ToStringView();
      Sample sample;
      if (!DecodePendingValue(pending.value().ToStringView(), sample)) {
        return Internal("corrupt temporal pending sample");
      }
      int64_t t = tk::TimeAtEnd(key);
      batch.Delete(cf_, key);
      if (removed(t)) continue;
      auto value = std::make_unique<Value>();
      value->kind = sample.kind;
      value->number = sample.number;
      value->text = std::string(sample.text);
      fold[tk::HourOf(t)].emplace(t, value.get());
      folded_pending.push_back(std::move(value));
    }
    CIVITAS_RETURN_IF_ERROR(FromRocks(pending.status(), "read temporal pending samples"));
  }

  // Where the pending samples are after this write: with no new sample, the hour stays.
  PendingState after;
  after.hour = writes.samples.empty() ? state.hour : std::optional<int64_t>(frontier);
  if (after.hour && state.hour == after.hour) {
    after.count = fold_frontier ? 0 : state.count + new_pending;
    after.chunk_last_us = state.chunk_last_us;
    after.chunk_samples = state.chunk_samples;
  } else {
    after.count = fold_frontier ? 0 : new_pending;
  }
  for (auto& [hour, samples] : fold) {
    std::string key = tk::Tagged(prefix, tags.chunk, hour);
    std::string existing;
    std::vector<Sample> old;
    if (!fresh) {
      auto s = db_.Get(rocksdb::ReadOptions(), cf_, key, &existing);
      if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "read temporal chunk");
      if (s.ok()) {
        CIVITAS_ASSIGN_OR_RETURN(const ChunkSummary summary, ReadTimeSeriesChunkSummary(existing));
        // Retention dropped this hour's raw samples: late ones are dropped too, or the hour's
        // summary would be replaced by theirs alone.
        if (summary.rolled_up) continue;
        CIVITAS_ASSIGN_OR_RETURN(old, DecodeTimeSeriesChunk(existing));
      }
    }
    std::vector<std::unique_ptr<Value>> kept;
    for (const auto& sample : old) {
      if (samples.contains(sample.timestamp_us) || removed(sample.timestamp_us)) continue;
      auto value = std::make_unique<Value>();
      value->kind = sample.kind;
      value->number = sample.number;
      value->text = std::string(sample.text);
      samples.emplace(sample.timestamp_us, value.get());
      kept.push_back(std::move(value));
    }
    const bool pending_hour_chunk = after.hour && *after.hour == hour;
    if (samples.empty()) {
      batch.Delete(cf_, key);
      if (pending_hour_chunk) after.chunk_last_us.reset(), after.chunk_samples = 0;
      continue;
    }
    TimeSeriesChunkBuilder builder;
    for (const auto& [t, value] : samples) {
      Status s = value->kind == SampleKind::kNumber ? builder.Append(t, value->number)
                                                    : builder.Append(t, value->text);
      CIVITAS_RETURN_IF_ERROR(s);
    }
    batch.Put(cf_, key, builder.Finish());
    if (pending_hour_chunk) {
      after.chunk_last_us = samples.rbegin()->first;
      after.chunk_samples = samples.size();
    }
  }
  pending_after_.emplace_back(range.begin, after);
  return Status::Ok();
}

}  // namespace civitas::store
