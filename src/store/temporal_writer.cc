#include "src/store/temporal_writer.h"

#include <algorithm>
#include <cstring>
#include <span>

#include "civitas/model/json_text.h"
#include "src/store/rocks_store.h"
#include "src/store/temporal_keys.h"

namespace civitas::store {
namespace tk = temporal_keys;

namespace {

// When history records the instance: its observedAt, else its modifiedAt.
std::optional<Timestamp> InstanceTime(const model::Attribute& attribute) {
  return attribute.observed_at ? attribute.observed_at : attribute.modified_at;
}

// The sample history records for the instance: numbers as doubles, any other value as its JSON
// text.
SampleValue SampleOf(const model::Attribute& attribute) {
  SampleValue value;
  if (attribute.kind == model::AttributeKind::kProperty && attribute.value.is_number()) {
    value.kind = SampleKind::kNumber;
    value.number = attribute.value.to_number<double>();
  } else {
    value.kind = SampleKind::kText;
    value.text = model::ToJsonText(attribute.value);
  }
  if (attribute.modified_at)
    value.modified_at_us = attribute.modified_at->time_since_epoch().count();
  return value;
}

}  // namespace

std::optional<TemporalInstance> TemporalInstanceOf(const model::Attribute& attribute) {
  std::optional<Timestamp> at = InstanceTime(attribute);
  if (!at) return std::nullopt;
  TemporalInstance instance;
  instance.attr = attribute.name;
  instance.dataset_id = attribute.dataset_id;
  instance.kind = attribute.kind;
  instance.unit_code = attribute.unit_code;
  instance.timestamp_us = at->time_since_epoch().count();
  SampleValue value = SampleOf(attribute);
  instance.value_kind = value.kind;
  instance.number = value.number;
  instance.text = std::move(value.text);
  if (attribute.modified_at) instance.modified_at_us = value.modified_at_us;
  return instance;
}

namespace {

// The first open hour of a series whose newest sample is at `newest_us`.
int64_t OpenFrom(int64_t newest_us) {
  constexpr int64_t kGrace = TemporalWriter::kLateGraceUs;
  return tk::HourOf(newest_us < INT64_MIN + kGrace ? INT64_MIN : newest_us - kGrace);
}

bool SeriesBefore(const TemporalSeries& a, const TemporalSeries& b) {
  return std::tie(a.attr, a.dataset_id) < std::tie(b.attr, b.dataset_id);
}

// The (attr, datasetId) of a series prefix, given its entity prefix.
TemporalSeries SeriesOfPrefix(std::string_view series_prefix, size_t entity_prefix_size) {
  std::string_view rest = series_prefix.substr(entity_prefix_size);
  const size_t attr_end = rest.find(tk::kSep);
  TemporalSeries series;
  series.attr = std::string(rest.substr(0, attr_end));
  series.dataset_id = std::string(rest.substr(attr_end + 1, rest.size() - attr_end - 2));
  return series;
}

}  // namespace

void TemporalWriter::SeriesWrites::Put(int64_t t, SampleValue value) {
  if (!samples.empty() && samples.back().first >= t) in_order = false;
  if (value.modified_at_us != kNoModifiedAt) {
    const int64_t write_hour = tk::HourIndex(value.modified_at_us);
    const std::pair<int64_t, int64_t> lag{write_hour, write_hour - tk::HourIndex(t)};
    if (std::find(lags.begin(), lags.end(), lag) == lags.end()) lags.push_back(lag);
  }
  samples.emplace_back(t, std::move(value));
}

void TemporalWriter::SeriesWrites::SortSamples() {
  if (in_order) return;
  std::stable_sort(samples.begin(), samples.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  size_t kept = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (i + 1 < samples.size() && samples[i + 1].first == samples[i].first) continue;
    if (kept != i) samples[kept] = std::move(samples[i]);
    ++kept;
  }
  samples.resize(kept);
  in_order = true;
}

void TemporalWriter::SeriesWrites::DropModifiedAt() {
  for (auto& [t, value] : samples) value.modified_at_us = kNoModifiedAt;
  lags.clear();
}

bool TemporalWriter::SeriesWrites::Writes(int64_t t) const {
  auto at = std::lower_bound(samples.begin(), samples.end(), t,
                             [](const auto& sample, int64_t time) { return sample.first < time; });
  return at != samples.end() && at->first == t;
}

TemporalWriter::SeriesWrites& TemporalWriter::EntityWrites::Series(std::string_view attr,
                                                                   std::string_view dataset_id) {
  for (auto& s : series) {
    if (s.attr == attr && s.dataset_id == dataset_id) return s;
  }
  SeriesWrites& added = series.emplace_back();
  added.attr = attr;
  added.dataset_id = dataset_id;
  return added;
}

TemporalWriter::EntityWrites& TemporalWriter::WritesOf(std::string_view id) {
  auto it = entities_.find(id);
  if (it == entities_.end()) it = entities_.emplace(std::string(id), EntityWrites{}).first;
  return it->second;
}

void TemporalWriter::Add(std::string_view id, std::vector<std::string> types,
                         std::vector<TemporalInstance> instances) {
  if (types.empty() && instances.empty()) return;
  EntityWrites& entity = WritesOf(id);
  if (!types.empty()) entity.types = std::move(types);
  if (entity.series.empty()) entity.series.reserve(instances.size());
  for (auto& instance : instances) {
    SeriesWrites& series = entity.Series(instance.attr, instance.dataset_id);
    series.kind = instance.kind;
    series.unit_code = instance.unit_code;
    const int64_t modified_at = instance.modified_at_us.value_or(kNoModifiedAt);
    series.Put(instance.timestamp_us, SampleValue{instance.value_kind, instance.number,
                                                  std::move(instance.text), modified_at});
  }
}

// Writes straight into the series, without a TemporalInstance in between: this runs for every
// entity an upsert replaces, under its lock.
void TemporalWriter::AddChanges(std::string_view id, const model::Entity* before,
                                const model::Entity& after) {
  EntityWrites* entity = nullptr;  // the entity's writes, from its first changed instance on
  auto writes = [&]() -> EntityWrites& {
    if (entity == nullptr) {
      entity = &WritesOf(id);
      if (!after.types.empty()) entity->types = after.types;
      entity->series.reserve(after.attributes.size());
    }
    return *entity;
  };
  for (const auto& attribute : after.attributes) {
    const model::Attribute* old =
        before ? before->Find(attribute.name, attribute.dataset_id) : nullptr;
    if (old != nullptr && old->kind == attribute.kind && old->value == attribute.value &&
        old->observed_at == attribute.observed_at) {
      continue;
    }
    const std::optional<Timestamp> at = InstanceTime(attribute);
    if (!at) continue;
    SeriesWrites& series = writes().Series(attribute.name, attribute.dataset_id);
    series.kind = attribute.kind;
    series.unit_code = attribute.unit_code;
    series.Put(at->time_since_epoch().count(), SampleOf(attribute));
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
  WritesOf(id);  // its catalog
}

void TemporalWriter::RemoveInstance(std::string_view id, std::string_view attr,
                                    std::string_view dataset_id, int64_t timestamp_us) {
  WritesOf(id).Series(attr, dataset_id).removed.insert(timestamp_us);
}

void TemporalWriter::FoldHead(std::string_view head_key) {
  const std::string_view prefix = head_key.substr(0, head_key.size() - 1);
  const std::string_view entity_prefix = tk::EntityPrefixOf(prefix);
  const std::string_view id = tk::SplitEntityPrefix(entity_prefix).second;
  const TemporalSeries series = SeriesOfPrefix(prefix, entity_prefix.size());
  WritesOf(id).Series(series.attr, series.dataset_id).fold_head = true;
}

bool TemporalWriter::Deleted(std::string_view key) const {
  return std::any_of(deletes_.begin(), deletes_.end(),
                     [&](const auto& r) { return key >= r.first && key < r.second; });
}

Status TemporalWriter::Stage(rocksdb::WriteBatch& batch, uint64_t seq) {
  seq_ = seq;
  for (const auto& [begin, end] : deletes_) {
    batch.DeleteRange(cf_, begin, end);
    // The deleted heads' samples are in the log: marked, so they are not replayed into the
    // emptied series.
    for (const auto& head_key : heads_.KeysWithSamples(begin)) {
      batch.Put(log_cf_, FoldMarkKey(head_key), EncodeFoldMark(seq));
    }
  }
  for (auto& [id, writes] : entities_) {
    for (auto& series : writes.series) series.SortSamples();
    CIVITAS_RETURN_IF_ERROR(StageCatalog(id, writes, batch));
    for (const auto& series : writes.series) {
      CIVITAS_RETURN_IF_ERROR(StageSeries(
          tk::SeriesPrefix(tenant_, id, series.attr, series.dataset_id), series, batch));
    }
  }
  std::string record = EncodeHeadLogRecord(head_updates_);
  head_log_bytes_ = record.size();
  if (!record.empty()) batch.Put(log_cf_, HeadLogKey(seq), record);
  return Status::Ok();
}

void TemporalWriter::Committed() {
  for (const auto& [begin, end] : deletes_) {
    heads_.ErasePrefix(begin);
    cache_.catalogs.ErasePrefix(begin);
  }
  // ErasePrefix dropped the deleted heads. A deleted series is staged fresh, without a head
  // pointer, so none should point at them; deletions are rare, so the heads are looked up again
  // rather than trusted on that argument.
  if (!deletes_.empty()) {
    for (auto& update : head_updates_) update.head = nullptr;
  }
  const auto now = SeriesHeads::Clock::now();
  heads_.Apply(std::move(head_updates_), seq_, now);
  for (auto& [key, catalog] : catalogs_after_) cache_.catalogs.Set(key, std::move(catalog));
}

Result<TemporalWriter::Catalog> TemporalWriter::CommittedCatalog(const std::string& key,
                                                                 bool history_deleted) {
  Catalog committed;
  if (history_deleted) return committed;  // the batch deletes the entity's history first
  if (auto cached = cache_.catalogs.Get(key)) {
    committed.entity = std::move(*cached);
    return committed;
  }
  std::string record;
  auto s = db_.Get(rocksdb::ReadOptions(), cf_, key, &record);
  if (s.IsNotFound()) return committed;
  CIVITAS_RETURN_IF_ERROR(FromRocks(s, "read temporal catalog"));
  auto entity = std::make_shared<TemporalEntity>();
  if (!tk::DecodeCatalog(record, *entity)) return Internal("corrupt temporal catalog");
  committed.entity = std::move(entity);
  committed.cached = false;
  return committed;
}

Status TemporalWriter::StageCatalog(std::string_view id, EntityWrites& writes,
                                    rocksdb::WriteBatch& batch) {
  const std::string prefix = tk::EntityPrefix(tenant_, id);
  const std::vector<std::string>* types = writes.types ? &*writes.types : nullptr;
  const std::string key = tk::EntityCatalogKey(tenant_, id);
  // Only a deletion of the entity's whole history covers its prefix itself.
  const bool history_deleted = Deleted(prefix);
  CIVITAS_ASSIGN_OR_RETURN(Catalog committed, CommittedCatalog(key, history_deleted));
  const TemporalEntity none;
  const TemporalEntity& before = committed.entity ? *committed.entity : none;
  // The entity's retention rule decides whether its samples keep their modifiedAt; a write that
  // names no types (a temporal POST to an existing entity, an instance PATCH) has the catalog's.
  if (!retention_.KeepsModifiedAt(types != nullptr ? *types : before.types)) {
    for (auto& w : writes.series) w.DropModifiedAt();
  }
  auto deleted = [&](const TemporalSeries& series) {
    return !deletes_.empty() &&
           Deleted(tk::SeriesPrefix(tenant_, id, series.attr, series.dataset_id));
  };
  // Whether the committed catalog lists the series `w` writes to as it is.
  auto listed = [&](const SeriesWrites& w) {
    auto at =
        std::lower_bound(before.series.begin(), before.series.end(), w,
                         [](const TemporalSeries& a, const SeriesWrites& b) {
                           return std::tie(a.attr, a.dataset_id) < std::tie(b.attr, b.dataset_id);
                         });
    return at != before.series.end() && at->attr == w.attr && at->dataset_id == w.dataset_id &&
           at->kind == w.kind && at->unit_code == w.unit_code &&
           std::all_of(w.lags.begin(), w.lags.end(), [&](const auto& lag) {
             return at->modified_lags.Covers(lag.first, lag.second);
           });
  };
  // Almost every write leaves the catalog as it was: checked without building a new one.
  const bool changed =
      !committed.entity || (types != nullptr && *types != before.types) ||
      std::any_of(before.series.begin(), before.series.end(), deleted) ||
      std::any_of(writes.series.begin(), writes.series.end(),
                  [&](const SeriesWrites& w) { return !w.samples.empty() && !listed(w); });
  if (!changed) {
    if (!committed.cached) catalogs_after_.insert_or_assign(key, std::move(committed.entity));
    return Status::Ok();
  }
  auto catalog = std::make_shared<TemporalEntity>(before);
  std::erase_if(catalog->series, deleted);
  if (types != nullptr) catalog->types = *types;
  for (const auto& w : writes.series) {
    if (w.samples.empty()) continue;
    TemporalSeries series = w;
    auto at =
        std::lower_bound(catalog->series.begin(), catalog->series.end(), series, SeriesBefore);
    const bool listed_before = at != catalog->series.end() && !SeriesBefore(series, *at);
    // The lags cover every sample of the series, not only this write's.
    if (listed_before) series.modified_lags = at->modified_lags;
    for (const auto& [write_hour, lag] : w.lags) series.modified_lags.Note(write_hour, lag);
    if (listed_before) {
      *at = std::move(series);
    } else {
      catalog->series.insert(at, std::move(series));
    }
  }
  if (catalog->types.empty() && catalog->series.empty()) {
    // Nothing left (a deletion): no catalog, so listings skip the entity.
    if (committed.entity || history_deleted) {
      batch.Delete(cf_, key);
      catalogs_after_.insert_or_assign(key, nullptr);
    }
    return Status::Ok();
  }
  batch.Put(cf_, key, tk::EncodeCatalog(catalog->types, catalog->series));
  // Retention learns types only when they change (the index was built from the catalogs at
  // open). Noted before the commit: should the batch fail, the entity keeps the rule of these
  // types until its next history write.
  if (catalog->types != before.types) retention_.SetTypes(prefix, catalog->types);
  catalogs_after_.insert_or_assign(key, std::move(catalog));
  return Status::Ok();
}

Result<uint64_t> ReadFoldMark(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* head_log,
                              std::string_view head_key) {
  std::string value;
  auto s = db.Get(rocksdb::ReadOptions(), head_log, FoldMarkKey(head_key), &value);
  if (s.IsNotFound()) return uint64_t{0};
  CIVITAS_RETURN_IF_ERROR(FromRocks(s, "read temporal fold mark"));
  uint64_t seq = 0;
  if (value.size() != sizeof seq) return Internal("corrupt temporal fold mark");
  std::memcpy(&seq, value.data(), sizeof seq);
  return seq;
}

Result<HeadState> LoadChunkState(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* temporal,
                                 std::string_view prefix) {
  HeadState state;
  std::string begin = std::string(prefix) + tk::kChunkTag;
  std::string end = std::string(prefix) + static_cast<char>(tk::kChunkTag + 1);
  rocksdb::Slice lower(begin), upper(end);
  rocksdb::ReadOptions options;
  options.iterate_lower_bound = &lower;
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(options, temporal));
  it->SeekForPrev(end);
  CIVITAS_RETURN_IF_ERROR(FromRocks(it->status(), "read temporal chunks"));
  if (!it->Valid()) return state;
  CIVITAS_ASSIGN_OR_RETURN(const ChunkSummary summary,
                           ReadTimeSeriesChunkSummary(it->value().ToStringView()));
  state.newest_us = summary.last_timestamp_us;
  state.chunk_last_us = summary.last_timestamp_us;
  state.chunk_samples = summary.sample_count;
  return state;
}

Status TemporalWriter::StageSeries(std::string series_prefix, const SeriesWrites& writes,
                                   rocksdb::WriteBatch& batch) {
  if (writes.samples.empty() && writes.removed.empty() && !writes.fold_head) return Status::Ok();
  std::string head_key = std::move(series_prefix);
  head_key.push_back(tk::kHeadTag);
  const std::string_view prefix(head_key.data(), head_key.size() - 1);
  auto removed = [&](int64_t t) { return writes.removed.contains(t) && !writes.Writes(t); };
  // A series deleted in this mutation starts empty: the DeleteRange is in the batch, not yet in
  // the database this reads.
  const bool fresh = Deleted(prefix);
  HeadState state;
  SeriesHead* held_at = nullptr;
  if (!fresh) {
    if (auto held = heads_.State(head_key, &held_at)) {
      state = *held;
    } else {
      CIVITAS_ASSIGN_OR_RETURN(state, LoadChunkState(db_, cf_, prefix));
    }
  }
  // The newest sample after this write decides which hours are open (temporal_writer.h).
  std::optional<int64_t> newest = state.newest_us;
  if (!writes.samples.empty() && (!newest || writes.samples.back().first > *newest)) {
    newest = writes.samples.back().first;
  }
  const int64_t open_from = newest ? OpenFrom(*newest) : INT64_MAX;
  const std::optional<int64_t> chunk_last = state.chunk_last_us;
  auto after_chunks = [&](int64_t t) { return !chunk_last || t > *chunk_last; };
  // Whether a new sample joins the head (unless the head folds whole).
  auto joins_head = [&](int64_t t) { return tk::HourOf(t) >= open_from && after_chunks(t); };
  // The head's samples, copied when some of them leave it: those of an hour this write closes,
  // or all.
  std::vector<std::pair<int64_t, SampleValue>> head;
  bool head_copied = false;
  auto copy_head = [&] {
    if (!head_copied && state.count > 0) head = heads_.Samples(head_key, INT64_MIN, INT64_MAX);
    head_copied = true;
  };
  if (state.count > 0 && state.newest_us && open_from > OpenFrom(*state.newest_us)) {
    copy_head();  // the write closes hours
  }
  const auto stays = [&](int64_t t) { return tk::HourOf(t) >= open_from; };
  // Too many head samples in the newest hour (a bulk load, a sensor faster than one a minute):
  // the head and the new samples are folded into their hours' chunks, and later samples go on
  // after them. Folding when the hour's head is as large as its chunk doubles the chunk each
  // time, so a bulk load encodes each sample about twice. The hour before, if still open, is not
  // counted: it folds when it closes.
  const int64_t newest_hour = newest ? tk::HourOf(*newest) : INT64_MAX;
  const uint64_t fold_at = std::max(
      kHeadFoldMin, chunk_last && tk::HourOf(*chunk_last) == newest_hour ? state.chunk_samples : 0);
  auto in_newest_hour = [&](const auto& sample) { return tk::HourOf(sample.first) == newest_hour; };
  const bool same_newest_hour = state.newest_us && tk::HourOf(*state.newest_us) == newest_hour;
  const uint64_t held = same_newest_hour ? state.newest_hour_count : 0;
  const auto joining = static_cast<uint64_t>(
      std::count_if(writes.samples.begin(), writes.samples.end(),
                    [&](const auto& s) { return joins_head(s.first) && in_newest_hour(s); }));
  const bool head_full = joining > 0 && held + joining >= fold_at;
  const bool removes_from_head =
      state.count > 0 && std::any_of(writes.removed.begin(), writes.removed.end(),
                                     [&](int64_t t) { return removed(t) && after_chunks(t); });
  // A removal from the head folds it first: the log cannot take a sample back.
  const bool fold_all = head_full || (state.count > 0 && (writes.fold_head || removes_from_head));
  if (fold_all) copy_head();

  HeadUpdate update;
  update.head = held_at;
  // The samples going into chunks, in time order, each time once: a new write wins over the
  // head's sample of its time (and both over the chunk's, merged per hour below).
  std::vector<std::pair<int64_t, const SampleValue*>> fold;
  std::vector<int64_t> hours;  // the hours whose chunk is rewritten
  for (const auto& [t, value] : writes.samples) {
    if (joins_head(t) && !fold_all) {
      update.appended.emplace_back(t, value);
    } else {
      fold.emplace_back(t, &value);
    }
  }
  for (int64_t t : writes.removed) {
    if (removed(t) && !(joins_head(t) && !fold_all)) hours.push_back(tk::HourOf(t));
  }
  const auto leaves_head = [&](int64_t t) { return fold_all || !stays(t); };
  if (std::any_of(head.begin(), head.end(), [&](const auto& s) { return leaves_head(s.first); })) {
    const auto writes_end = static_cast<std::ptrdiff_t>(fold.size());
    for (const auto& [t, value] : head) {
      if (leaves_head(t) && !removed(t)) fold.emplace_back(t, &value);
    }
    // Two runs in time order; the merge is stable, so of equal times the write comes first.
    auto by_time = [](const auto& a, const auto& b) { return a.first < b.first; };
    std::inplace_merge(fold.begin(), fold.begin() + writes_end, fold.end(), by_time);
    fold.erase(std::unique(fold.begin(), fold.end(),
                           [](const auto& a, const auto& b) { return a.first == b.first; }),
               fold.end());
    update.folded = true;
    batch.Put(log_cf_, FoldMarkKey(head_key), EncodeFoldMark(seq_));
    // The samples that stay are logged again in this write's record, since the fold mark hides
    // the records they came from; before this write's own, which win on equal times.
    std::vector<std::pair<int64_t, SampleValue>> relogged;
    for (auto& sample : head) {
      if (!leaves_head(sample.first)) relogged.push_back(std::move(sample));
    }
    if (!relogged.empty()) {
      relogged.insert(relogged.end(), std::make_move_iterator(update.appended.begin()),
                      std::make_move_iterator(update.appended.end()));
      update.appended = std::move(relogged);
    }
  } else if (fresh) {
    update.folded = true;
  }
  for (const auto& [t, value] : fold) hours.push_back(tk::HourOf(t));
  std::sort(hours.begin(), hours.end());
  hours.erase(std::unique(hours.begin(), hours.end()), hours.end());

  HeadState& after = update.state;
  after.newest_us = newest;
  after.count = (update.folded ? 0 : state.count) + update.appended.size();
  after.newest_hour_count = (update.folded || !same_newest_hour ? 0 : held) +
                            static_cast<uint64_t>(std::count_if(
                                update.appended.begin(), update.appended.end(), in_newest_hour));
  after.chunk_last_us = state.chunk_last_us;
  after.chunk_samples = state.chunk_samples;
  // No chunk is later than the newest one the state knows.
  auto may_have_chunk = [&](int64_t hour) {
    return !fresh && chunk_last && hour <= tk::HourOf(*chunk_last);
  };
  auto next_fold = fold.begin();
  for (const int64_t hour : hours) {
    const auto fold_end = std::find_if(
        next_fold, fold.end(), [&](const auto& sample) { return tk::HourOf(sample.first) > hour; });
    const std::span<const std::pair<int64_t, const SampleValue*>> written(next_fold, fold_end);
    next_fold = fold_end;
    const std::string key = tk::Tagged(std::string(prefix), tk::kChunkTag, hour);
    std::string existing;
    std::optional<TimeSeriesChunkReader> old;
    if (may_have_chunk(hour)) {
      auto s = db_.Get(rocksdb::ReadOptions(), cf_, key, &existing);
      if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "read temporal chunk");
      if (s.ok()) {
        CIVITAS_ASSIGN_OR_RETURN(old, TimeSeriesChunkReader::Open(existing));
        // Retention dropped this hour's raw samples: late ones are dropped too, or the hour's
        // summary would be replaced by theirs alone.
        if (old->summary().rolled_up) continue;
      }
    }
    // The written samples merged with the chunk's others (those not overwritten or removed).
    TimeSeriesChunkBuilder builder;
    int64_t last = 0;
    auto append_written = [&](int64_t t, const SampleValue& v) {
      last = t;
      return v.kind == SampleKind::kNumber ? builder.Append(t, v.number, v.modified_at_us)
                                           : builder.Append(t, v.text, v.modified_at_us);
    };
    auto w = written.begin();
    Sample sample;
    while (old && old->Next(sample)) {
      for (; w != written.end() && w->first <= sample.timestamp_us; ++w) {
        CIVITAS_RETURN_IF_ERROR(append_written(w->first, *w->second));
      }
      if (last == sample.timestamp_us && !builder.empty()) continue;  // overwritten
      if (removed(sample.timestamp_us)) continue;
      last = sample.timestamp_us;
      CIVITAS_RETURN_IF_ERROR(builder.Append(sample));
    }
    if (old) CIVITAS_RETURN_IF_ERROR(old->status());
    for (; w != written.end(); ++w) CIVITAS_RETURN_IF_ERROR(append_written(w->first, *w->second));
    const bool newest_chunk = !after.chunk_last_us || hour >= tk::HourOf(*after.chunk_last_us);
    if (builder.empty()) {
      if (old) {
        batch.Delete(cf_, key);
        if (newest_chunk) after.chunk_samples = 0;  // its last sample stays as a bound
      }
      continue;
    }
    const uint64_t count = builder.sample_count();
    batch.Put(cf_, key, builder.Finish());
    if (newest_chunk) {
      after.chunk_last_us = last;
      after.chunk_samples = count;
    }
  }
  update.key = std::move(head_key);
  head_updates_.push_back(std::move(update));
  return Status::Ok();
}

}  // namespace civitas::store
