// Reads of the temporal history: entity catalogs, sample scans and aggregation over chunks and
// heads (docs/formats/temporal-store.md).

#include <algorithm>
#include <tuple>

#include "src/store/rocks_store.h"
#include "src/store/temporal_keys.h"
#include "src/store/temporal_writer.h"

namespace civitas::store {
namespace tk = temporal_keys;
namespace {

class RocksTemporalReader final : public TemporalReader {
 public:
  RocksTemporalReader(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf, const SeriesHeads& heads,
                      Tenant tenant)
      : db_(db), cf_(cf), heads_(heads), tenant_(tenant) {}

  Result<std::optional<TemporalEntity>> Entity(std::string_view id) override {
    std::string record;
    auto s = db_.Get(rocksdb::ReadOptions(), cf_, tk::EntityCatalogKey(tenant_, id), &record);
    if (s.IsNotFound()) return std::optional<TemporalEntity>();
    CIVITAS_RETURN_IF_ERROR(FromRocks(s, "read temporal entity"));
    TemporalEntity entity;
    entity.id = std::string(id);
    if (!tk::DecodeCatalog(record, entity)) return Internal("corrupt temporal catalog");
    return std::optional<TemporalEntity>(std::move(entity));
  }

  // One sequential pass over the tenant's catalogs.
  Status ScanEntities(std::string_view after, const EntityVisitor& visit) override {
    const std::string first = tk::CatalogPrefix(tenant_);
    std::string upper = first;
    upper.back() = '\x01';
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions options;
    options.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(options, cf_));
    // Ids never hold \0 or \x01, so prefix + id + \x01 is past that id's catalog.
    std::string target = first;
    if (!after.empty()) target.append(after).push_back('\x01');
    for (it->Seek(target); it->Valid(); it->Next()) {
      const std::string_view prefix = tk::EntityPrefixOfCatalog(it->key().ToStringView());
      if (prefix.empty()) return Internal("corrupt temporal catalog key");
      TemporalEntity entity;
      entity.id = std::string(tk::SplitEntityPrefix(prefix).second);
      if (!tk::DecodeCatalog(it->value().ToStringView(), entity)) {
        return Internal("corrupt temporal catalog");
      }
      if (!visit(std::move(entity))) break;
    }
    return FromRocks(it->status(), "scan temporal entities");
  }

  Status Samples(std::string_view id, const TemporalSeries& series, int64_t from_us, int64_t to_us,
                 const SampleVisitor& visit, TimeProperty time_property) override {
    if (from_us >= to_us) return Status::Ok();
    if (time_property == TimeProperty::kModifiedAt) {
      return ModifiedInOrder(id, series, from_us, to_us, /*newest_first=*/false, visit);
    }
    std::string prefix = tk::SeriesPrefix(tenant_, id, series.attr, series.dataset_id);
    // The head first: a fold that commits between the two reads leaves its samples in the
    // chunks, and the head copy's then also-folded samples are skipped as not newer.
    const auto head = heads_.Samples(prefix + tk::kHeadTag, from_us, to_us);
    bool more = true;
    int64_t chunks_end = INT64_MIN;
    CIVITAS_RETURN_IF_ERROR(ScanChunks(
        prefix, from_us, to_us,
        [&](std::string_view chunk) -> Status {
          CIVITAS_ASSIGN_OR_RETURN(auto reader, TimeSeriesChunkReader::Open(chunk));
          Sample sample;
          while (more && reader.Next(sample)) {
            chunks_end = std::max(chunks_end, sample.timestamp_us);
            if (sample.timestamp_us < from_us) continue;
            if (sample.timestamp_us >= to_us) break;
            more = visit(sample);
          }
          if (!more) return Status::Ok();
          return reader.status();
        },
        more));
    for (const auto& [t, value] : head) {
      if (!more) break;
      if (t <= chunks_end) continue;
      more = visit(SampleOf(t, value));
    }
    return Status::Ok();
  }

  Status SamplesNewestFirst(std::string_view id, const TemporalSeries& series, int64_t from_us,
                            int64_t to_us, const SampleVisitor& visit,
                            TimeProperty time_property) override {
    if (from_us >= to_us) return Status::Ok();
    if (time_property == TimeProperty::kModifiedAt) {
      return ModifiedInOrder(id, series, from_us, to_us, /*newest_first=*/true, visit);
    }
    const std::string prefix = tk::SeriesPrefix(tenant_, id, series.attr, series.dataset_id);
    const auto head = heads_.Samples(prefix + tk::kHeadTag, from_us, to_us);  // first: see Samples
    rocksdb::Iterator& it = ChunkIterator();
    const std::string chunks = prefix + tk::kChunkTag;
    const std::string begin = tk::Tagged(prefix, tk::kChunkTag, tk::HourOf(from_us));
    auto in_range = [&] {
      return it.Valid() && it.key().starts_with(chunks) && it.key().compare(begin) >= 0;
    };
    // The newest chunk before to_us, then older ones. A head sample no later than the newest
    // chunk's last was folded into it after the head was copied.
    it.SeekForPrev(tk::Tagged(prefix, tk::kChunkTag, to_us));
    CIVITAS_ASSIGN_OR_RETURN(const int64_t chunks_end, LastSampleOf(in_range(), it));
    for (auto sample = head.rbegin(); sample != head.rend(); ++sample) {
      if (sample->first <= chunks_end) break;
      if (!visit(SampleOf(sample->first, sample->second))) return Status::Ok();
    }
    for (; in_range(); it.Prev()) {
      CIVITAS_ASSIGN_OR_RETURN(const std::vector<Sample> samples,
                               DecodeTimeSeriesChunk(it.value().ToStringView()));
      for (auto sample = samples.rbegin(); sample != samples.rend(); ++sample) {
        if (sample->timestamp_us >= to_us) continue;
        if (sample->timestamp_us < from_us) return Status::Ok();
        if (!visit(*sample)) return Status::Ok();
      }
    }
    return FromRocks(it.status(), "scan temporal chunks");
  }

  Status Aggregate(std::string_view id, const TemporalSeries& series, int64_t period_start_us,
                   int64_t period_len_us, int64_t from_us, int64_t to_us, AggregateBuckets& buckets,
                   TimeProperty time_property) override {
    if (period_len_us <= 0 || period_start_us > from_us) {
      return Status(StatusCode::kInvalidRequest, "bad aggregation period");
    }
    if (from_us >= to_us) return Status::Ok();
    SampleAggregator aggregator(period_start_us, period_len_us, buckets);
    if (time_property == TimeProperty::kModifiedAt) {
      // Bucketed by modifiedAt, sample by sample: a chunk's header summarises its hour of
      // observations, not of writes.
      return ModifiedInOrder(id, series, from_us, to_us, /*newest_first=*/false,
                             [&](const Sample& s) {
                               Sample by_modified = s;
                               by_modified.timestamp_us = s.modified_at_us;
                               aggregator.Add(by_modified);
                               return true;
                             });
    }
    std::string prefix = tk::SeriesPrefix(tenant_, id, series.attr, series.dataset_id);
    const auto head = heads_.Samples(prefix + tk::kHeadTag, from_us, to_us);  // first: see Samples
    bool more = true;
    int64_t chunks_end = INT64_MIN;
    CIVITAS_RETURN_IF_ERROR(ScanChunks(
        prefix, from_us, to_us,
        [&](std::string_view chunk) -> Status {
          CIVITAS_ASSIGN_OR_RETURN(
              const ChunkSummary summary,
              AggregateChunk(chunk, period_start_us, period_len_us, from_us, to_us, buckets));
          chunks_end = std::max(chunks_end, summary.last_timestamp_us);
          return Status::Ok();
        },
        more));
    // Sample by sample: encoding the head as a chunk to aggregate it was a sixth of a live
    // hourly query (every series' current hour is a head).
    for (const auto& [t, value] : head) {
      if (t > chunks_end) aggregator.Add(SampleOf(t, value));
    }
    return Status::Ok();
  }

 private:
  // Calls `on_chunk` for every chunk whose hour overlaps [from_us, to_us), in time order, while
  // `more` stays true. Call after copying the series' head (see Samples).
  template <typename OnChunk>
  Status ScanChunks(const std::string& prefix, int64_t from_us, int64_t to_us, OnChunk on_chunk,
                    const bool& more) {
    rocksdb::Iterator& it = ChunkIterator();
    const std::string end = tk::Tagged(prefix, tk::kChunkTag, to_us);
    for (it.Seek(tk::Tagged(prefix, tk::kChunkTag, tk::HourOf(from_us)));
         more && it.Valid() && it.key().compare(end) < 0; it.Next()) {
      CIVITAS_RETURN_IF_ERROR(on_chunk(it.value().ToStringView()));
    }
    return FromRocks(it.status(), "scan temporal chunks");
  }

  // One iterator for every series the reader visits: creating one per series cost as much as
  // aggregating its day. It is renewed when a fold ran since it was made: a head copied after
  // that fold lacks the folded samples, which an older view of the chunks lacks too.
  rocksdb::Iterator& ChunkIterator() {
    const uint64_t folds = heads_.folds();
    if (chunks_ == nullptr || folds != chunks_folds_) {
      chunks_.reset(db_.NewIterator(rocksdb::ReadOptions(), cf_));
      chunks_folds_ = folds;
    }
    return *chunks_;
  }

  // Visits the samples of the series whose modifiedAt is in [from_us, to_us), by modifiedAt
  // (then time), oldest or newest first, until `visit` returns false. Samples are kept by
  // observation time, and a write may come any time after (or before) its observation: the
  // lags of the range's write hours in the series' catalog (read here, so that a caller's
  // TemporalSeries need not carry them) say which hours can hold them. The chunks are read in
  // hour order into a heap, and a sample is visited once no chunk still to read can hold one
  // before it: a chunk of hour h holds modifiedAt from hour h + least to hour h + greatest only.
  // A live series (writes in their observation's hour or the next) so holds about two chunks at
  // a time.
  Status ModifiedInOrder(std::string_view id, const TemporalSeries& series, int64_t from_us,
                         int64_t to_us, bool newest_first, const SampleVisitor& visit) {
    auto in_range = [&](int64_t modified) {
      return modified != kNoModifiedAt && modified >= from_us && modified < to_us;
    };
    const std::string prefix = tk::SeriesPrefix(tenant_, id, series.attr, series.dataset_id);
    const auto head = heads_.Samples(prefix + tk::kHeadTag, INT64_MIN, INT64_MAX);  // see Samples
    CIVITAS_ASSIGN_OR_RETURN(const ModifiedLags lags, LagsOf(id, series));
    // The lags of the samples written in the range's hours: others are not visited.
    const auto bounds = lags.Between(tk::HourIndex(from_us), tk::HourIndex(to_us - 1));
    const int64_t least = bounds ? bounds->first : 0, greatest = bounds ? bounds->second : 0;
    // The heap's top is the next sample to visit.
    std::vector<std::pair<int64_t, SampleValue>> pending;
    auto before = [](const auto& a, const auto& b) {
      return std::tie(a.second.modified_at_us, a.first) <
             std::tie(b.second.modified_at_us, b.first);
    };
    auto after = [&](const auto& a, const auto& b) {
      return newest_first ? before(a, b) : before(b, a);
    };
    auto push = [&](int64_t t, SampleValue value) {
      pending.emplace_back(t, std::move(value));
      std::push_heap(pending.begin(), pending.end(), after);
    };
    // Visits the pending samples no chunk still to read can precede (all when `all`); false
    // once `visit` said stop.
    auto visit_until = [&](int64_t bound, bool all) {
      while (!pending.empty()) {
        const int64_t modified = pending.front().second.modified_at_us;
        if (!all && (newest_first ? modified < bound : modified >= bound)) break;
        std::pop_heap(pending.begin(), pending.end(), after);
        const bool more = visit(SampleOf(pending.back().first, pending.back().second));
        pending.pop_back();
        if (!more) return false;
      }
      return true;
    };
    rocksdb::Iterator& it = ChunkIterator();
    const std::string chunks = prefix + tk::kChunkTag;
    const std::string first =
        tk::Tagged(prefix, tk::kChunkTag, tk::HourStart(Back(tk::HourIndex(from_us), greatest)));
    const std::string last =
        tk::Tagged(prefix, tk::kChunkTag, tk::HourStart(Back(tk::HourIndex(to_us - 1), least)));
    auto valid = [&] {
      return bounds && it.Valid() && it.key().starts_with(chunks) && it.key().compare(first) >= 0 &&
             it.key().compare(last) <= 0;
    };
    // A head sample no later than the newest chunk's last was folded into it after the copy.
    it.SeekForPrev(last);
    CIVITAS_ASSIGN_OR_RETURN(const int64_t chunks_end, LastSampleOf(valid(), it));
    for (const auto& [t, value] : head) {
      if (t > chunks_end && in_range(value.modified_at_us)) push(t, value);
    }
    if (!newest_first) it.Seek(first);
    for (; valid(); newest_first ? it.Prev() : it.Next()) {
      const int64_t hour = tk::HourIndex(tk::TimeAtEnd(it.key().ToStringView()));
      CIVITAS_ASSIGN_OR_RETURN(auto reader, TimeSeriesChunkReader::Open(it.value().ToStringView()));
      Sample s;
      while (reader.Next(s)) {
        if (!in_range(s.modified_at_us)) continue;
        push(s.timestamp_us, SampleValue{s.kind, s.number, std::string(s.text), s.modified_at_us});
      }
      CIVITAS_RETURN_IF_ERROR(reader.status());
      // The chunks still to read are of hours before `hour` (newest first: their modifiedAt
      // are before hour + greatest) or after it (from hour + 1 + least on).
      const int64_t bound = newest_first ? tk::HourStart(Shift(hour, greatest))
                                         : tk::HourStart(Shift(Shift(hour, 1), least));
      if (!visit_until(bound, false)) return Status::Ok();
    }
    CIVITAS_RETURN_IF_ERROR(FromRocks(it.status(), "scan temporal chunks"));
    visit_until(0, true);
    return Status::Ok();
  }

  // The time of the last sample of the chunk `it` is on (when `on_chunk`), else INT64_MIN; also
  // for a rolled-up chunk, whose samples are gone.
  static Result<int64_t> LastSampleOf(bool on_chunk, rocksdb::Iterator& it) {
    if (!on_chunk) return INT64_MIN;
    CIVITAS_ASSIGN_OR_RETURN(const ChunkSummary summary,
                             ReadTimeSeriesChunkSummary(it.value().ToStringView()));
    return summary.rolled_up ? INT64_MIN : summary.last_timestamp_us;
  }

  // The series' modifiedAt lags as its catalog lists them (none without a catalog).
  Result<ModifiedLags> LagsOf(std::string_view id, const TemporalSeries& series) {
    CIVITAS_ASSIGN_OR_RETURN(const std::optional<TemporalEntity> catalog, Entity(id));
    ModifiedLags lags;
    if (catalog) {
      for (const auto& s : catalog->series) {
        if (s.attr == series.attr && s.dataset_id == series.dataset_id) lags = s.modified_lags;
      }
    }
    return lags;
  }

  // hour + hours and hour - hours, saturating: a corrupt catalog may hold any bound.
  static int64_t Shift(int64_t hour, int64_t hours) {
    int64_t out;
    if (!__builtin_add_overflow(hour, hours, &out)) return out;
    return hours > 0 ? INT64_MAX : INT64_MIN;
  }
  static int64_t Back(int64_t hour, int64_t hours) {
    int64_t out;
    if (!__builtin_sub_overflow(hour, hours, &out)) return out;
    return hours > 0 ? INT64_MIN : INT64_MAX;
  }

  static Sample SampleOf(int64_t t, const SampleValue& value) {
    Sample sample;
    sample.timestamp_us = t;
    sample.modified_at_us = value.modified_at_us;
    sample.kind = value.kind;
    sample.number = value.number;
    sample.text = value.text;
    return sample;
  }

  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle* cf_;
  const SeriesHeads& heads_;
  std::string tenant_;
  std::unique_ptr<rocksdb::Iterator> chunks_;
  uint64_t chunks_folds_ = 0;
};

}  // namespace

std::unique_ptr<TemporalReader> MakeTemporalReader(rocksdb::DB& db,
                                                   rocksdb::ColumnFamilyHandle* temporal,
                                                   const SeriesHeads& heads, Tenant tenant) {
  return std::make_unique<RocksTemporalReader>(db, temporal, heads, tenant);
}

}  // namespace civitas::store
