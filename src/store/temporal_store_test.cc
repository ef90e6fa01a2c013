#include "civitas/store/temporal_store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/utilities/options_util.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "civitas/store/store.h"
#include "src/store/rocks_store.h"
#include "src/store/temporal_keys.h"
#include "src/store/temporal_writer.h"
#include "src/store/test_dir.h"
#include "src/store/version_two_chunk.h"

namespace civitas::store {
namespace {

constexpr int64_t kMinute = 60'000'000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kT0 = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z
constexpr const char* kTemp = "https://example.org/temperature";

TemporalSeries SeriesOf(const std::string& attr) {
  TemporalSeries series;
  series.attr = attr;
  return series;
}

using Families = std::map<std::string, rocksdb::ColumnFamilyHandle*>;

// Opens the closed data dir `dir` as a raw database (read-only unless `writable`), calls `use`
// with it and its column families by name, closes it.
void WithRawDb(const std::filesystem::path& dir, bool writable,
               const std::function<void(rocksdb::DB&, Families&)>& use) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.string(), &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const auto& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE((writable
                   ? rocksdb::DB::Open(rocksdb::DBOptions(), dir.string(), families, &handles, &db)
                   : rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir.string(), families,
                                                  &handles, &db))
                  .ok());
  Families by_name;
  for (size_t i = 0; i < names.size(); ++i) by_name[names[i]] = handles[i];
  use(*db, by_name);
  for (auto* handle : handles) (void)db->DestroyColumnFamilyHandle(handle);
  delete db;
}

class TemporalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir("civitas-temporal-test");
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen(std::vector<RetentionRule> retention = {}) {
    store_.reset();
    auto opened = Store::Open(
        {.data_dir = dir_.string(), .block_cache_bytes = 8u << 20, .retention = retention});
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(*opened);
  }
  // Writes the entity with a temperature observed at `observed` and modified at `modified`.
  void PutTemperature(const std::string& id, const std::string& type, double value,
                      int64_t observed, int64_t modified) {
    model::Entity e;
    e.id = id;
    e.types = {type};
    model::Attribute a;
    a.name = kTemp;
    a.value = value;
    a.observed_at = Timestamp(std::chrono::microseconds(observed));
    a.modified_at = Timestamp(std::chrono::microseconds(modified));
    e.attributes.push_back(std::move(a));
    ASSERT_TRUE(store_
                    ->Mutate("", {&e.id, 1},
                             [&](Mutation& m) {
                               m.Put(e);
                               return Status::Ok();
                             })
                    .ok());
  }
  void PutObserved(const std::string& id, double value, int64_t t) {
    PutTemperature(id, "https://example.org/Room", value, t, kT0);
  }
  Status AddNumbers(const std::string& id, const std::string& attr,
                    const std::vector<std::pair<int64_t, double>>& samples) {
    std::vector<TemporalInstance> instances;
    for (auto [t, v] : samples) {
      TemporalInstance i;
      i.attr = attr;
      i.timestamp_us = t;
      i.number = v;
      instances.push_back(std::move(i));
    }
    return AddInstances(id, {"https://example.org/Room"}, std::move(instances));
  }
  Status AddInstances(const std::string& id, std::vector<std::string> types,
                      std::vector<TemporalInstance> instances) {
    return store_->Mutate("", {&id, 1}, [&](Mutation& m) {
      m.AddHistory(id, std::move(types), std::move(instances));
      return Status::Ok();
    });
  }
  // (modifiedAt, number) of each sample of `id`'s kTemp series, ordered by `property`.
  std::vector<std::pair<int64_t, double>> WrittenValues(
      const std::string& id, TimeProperty property = TimeProperty::kObservedAt) {
    std::vector<std::pair<int64_t, double>> out;
    EXPECT_TRUE(store_->ReadTemporal("")
                    ->Samples(
                        id, SeriesOf(kTemp), INT64_MIN, INT64_MAX,
                        [&](const Sample& s) {
                          out.emplace_back(s.modified_at_us, s.number);
                          return true;
                        },
                        property)
                    .ok());
    return out;
  }
  // Closes the store, calls `edit` with the raw database and its column families by name,
  // reopens the store.
  void EditRaw(const std::function<void(rocksdb::DB&, Families&)>& edit) {
    store_.reset();
    WithRawDb(dir_, /*writable=*/true, edit);
    Reopen();
  }
  // Overwrites the chunk of `id`'s kTemp series of the hour starting at `hour` with garbage:
  // only a read that decodes it fails.
  void DamageChunk(const std::string& id, int64_t hour) {
    EditRaw([&](rocksdb::DB& db, auto& families) {
      const std::string key = temporal_keys::Tagged(temporal_keys::SeriesPrefix("", id, kTemp, ""),
                                                    temporal_keys::kChunkTag, hour);
      std::string chunk;
      EXPECT_TRUE(db.Get(rocksdb::ReadOptions(), families["temporal"], key, &chunk).ok());
      EXPECT_TRUE(db.Put(rocksdb::WriteOptions(), families["temporal"], key, "damaged").ok());
    });
  }
  // The kTemp values of `id` written in [from, to), by modifiedAt, appended to `values`.
  Status ReadModified(const std::string& id, int64_t from, int64_t to,
                      std::vector<double>* values) {
    return store_->ReadTemporal("")->Samples(
        id, SeriesOf(kTemp), from, to,
        [&](const Sample& s) {
          values->push_back(s.number);
          return true;
        },
        TimeProperty::kModifiedAt);
  }
  std::vector<std::pair<int64_t, double>> Read(const std::string& id, const std::string& attr,
                                               int64_t from = INT64_MIN, int64_t to = INT64_MAX) {
    std::vector<std::pair<int64_t, double>> out;
    TemporalSeries series = SeriesOf(attr);
    auto s = store_->ReadTemporal("")->Samples(id, series, from, to, [&](const Sample& sample) {
      out.emplace_back(sample.timestamp_us, sample.number);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(TemporalStoreTest, EntityWritesRecordHistoryThatSurvivesReopen) {
  for (int i = 0; i < 10; ++i) PutObserved("urn:r1", 20 + i, kT0 + i * 20 * 60'000'000LL);
  PutObserved("urn:r1", 29, kT0 + 9 * 20 * 60'000'000LL);  // unchanged: no new instance
  ASSERT_TRUE(store_->SyncDurable().ok());
  Reopen();
  auto got = Read("urn:r1", kTemp);
  ASSERT_EQ(got.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(got[i].first, kT0 + i * 20 * 60'000'000LL);
    EXPECT_EQ(got[i].second, 20 + i);
  }
  auto entity = store_->ReadTemporal("")->Entity("urn:r1");
  ASSERT_TRUE(entity.ok());
  ASSERT_TRUE(entity->has_value());
  EXPECT_EQ((*entity)->types, std::vector<std::string>{"https://example.org/Room"});
  ASSERT_EQ((*entity)->series.size(), 1u);
  EXPECT_EQ((*entity)->series[0].attr, kTemp);
}

TEST_F(TemporalStoreTest, DeletingTheEntityKeepsHistoryDeleteHistoryRemovesIt) {
  PutObserved("urn:r1", 1, kT0);
  std::string id = "urn:r1";
  ASSERT_TRUE(store_
                  ->Mutate("", {&id, 1},
                           [&](Mutation& m) {
                             m.Delete(id);
                             return Status::Ok();
                           })
                  .ok());
  EXPECT_EQ(Read(id, kTemp).size(), 1u);
  ASSERT_TRUE(store_
                  ->Mutate("", {&id, 1},
                           [&](Mutation& m) {
                             m.DeleteHistory(id);
                             return Status::Ok();
                           })
                  .ok());
  EXPECT_TRUE(Read(id, kTemp).empty());
  auto entity = store_->ReadTemporal("")->Entity(id);
  ASSERT_TRUE(entity.ok());
  EXPECT_FALSE(entity->has_value());
  bool listed = false;
  ASSERT_TRUE(store_->ReadTemporal("")
                  ->ScanEntities("",
                                 [&](TemporalEntity) {
                                   listed = true;
                                   return true;
                                 })
                  .ok());
  EXPECT_FALSE(listed) << "its catalog went with its history";
}

// The head-log records (not fold marks) in a closed data dir.
size_t HeadLogRecords(const std::filesystem::path& dir) {
  size_t records = 0;
  WithRawDb(dir, /*writable=*/false, [&](rocksdb::DB& db, Families& families) {
    std::unique_ptr<rocksdb::Iterator> it(
        db.NewIterator(rocksdb::ReadOptions(), families["temporal_log"]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) records += it->key().size() == 8 ? 1 : 0;
  });
  return records;
}

// The fold marks in a closed data dir.
size_t FoldMarks(const std::filesystem::path& dir) {
  size_t marks = 0;
  WithRawDb(dir, /*writable=*/false, [&](rocksdb::DB& db, Families& families) {
    std::unique_ptr<rocksdb::Iterator> it(
        db.NewIterator(rocksdb::ReadOptions(), families["temporal_log"]));
    for (it->Seek(std::string(1, kFoldMarkTag)); it->Valid(); it->Next()) ++marks;
  });
  return marks;
}

// Compact empties the log, so the fold marks hide nothing and go too (they stayed forever:
// 92 KB of the peer kit's 6.6 MB). Heads written after it replay from their records alone.
TEST_F(TemporalStoreTest, CompactDropsTheFoldMarksAndLaterHeadsStillReplay) {
  ASSERT_TRUE(AddNumbers("urn:a", kTemp, {{kT0, 1}, {kT0 + 1, 2}}).ok());
  ASSERT_TRUE(AddNumbers("urn:b", kTemp, {{kT0, 3}}).ok());
  ASSERT_TRUE(store_->Compact().ok());
  store_.reset();
  EXPECT_EQ(FoldMarks(dir_), 0u);
  EXPECT_EQ(HeadLogRecords(dir_), 0u);
  Reopen();
  ASSERT_TRUE(AddNumbers("urn:a", kTemp, {{kT0 + 2, 4}}).ok());  // the same hour, after its chunk
  ASSERT_TRUE(AddNumbers("urn:b", kTemp, {{kT0 + 3'600'000'000, 5}}).ok());
  ASSERT_TRUE(store_->SyncDurable().ok());
  Reopen();  // the new samples come back from the log: once, beside their chunks
  EXPECT_EQ(Read("urn:a", kTemp),
            (std::vector<std::pair<int64_t, double>>{{kT0, 1}, {kT0 + 1, 2}, {kT0 + 2, 4}}));
  EXPECT_EQ(Read("urn:b", kTemp),
            (std::vector<std::pair<int64_t, double>>{{kT0, 3}, {kT0 + 3'600'000'000, 5}}));
  ASSERT_TRUE(store_->Compact().ok());
  store_.reset();
  EXPECT_EQ(FoldMarks(dir_), 0u);
  Reopen();
  EXPECT_EQ(Read("urn:a", kTemp),
            (std::vector<std::pair<int64_t, double>>{{kT0, 1}, {kT0 + 1, 2}, {kT0 + 2, 4}}));
}

TEST_F(TemporalStoreTest, HeadsHeldTooLongFoldAndTheHeadLogEmpties) {
  ASSERT_TRUE(AddNumbers("urn:a", kTemp, {{kT0, 1}, {kT0 + 1, 2}}).ok());
  ASSERT_TRUE(AddNumbers("urn:b", kTemp, {{kT0, 3}}).ok());
  auto maintain = [&](SeriesHeads::Clock::duration ahead) {
    auto* rocks = dynamic_cast<RocksStore*>(store_.get());
    ASSERT_NE(rocks, nullptr);
    ASSERT_TRUE(rocks->MaintainHeadLog(SeriesHeads::Clock::now() + ahead).ok());
  };
  maintain({});  // the heads are young: their records stay
  store_.reset();
  EXPECT_EQ(HeadLogRecords(dir_), 2u);
  Reopen();  // the heads come back from the log
  EXPECT_EQ(Read("urn:a", kTemp),
            (std::vector<std::pair<int64_t, double>>{{kT0, 1}, {kT0 + 1, 2}}));
  maintain(std::chrono::hours(2));  // held too long: folded into chunks, the log emptied
  store_.reset();
  EXPECT_EQ(HeadLogRecords(dir_), 0u);
  Reopen();
  ASSERT_TRUE(AddNumbers("urn:a", kTemp, {{kT0 + 2, 4}}).ok());  // the same hour, after its chunk
  Reopen();
  EXPECT_EQ(Read("urn:a", kTemp),
            (std::vector<std::pair<int64_t, double>>{{kT0, 1}, {kT0 + 1, 2}, {kT0 + 2, 4}}));
  EXPECT_EQ(Read("urn:b", kTemp), (std::vector<std::pair<int64_t, double>>{{kT0, 3}}));
  ASSERT_TRUE(AddNumbers("urn:b", kTemp, {{kT0 + 5, 5}}).ok());
  ASSERT_TRUE(store_->Compact().ok());  // folds every head first
  store_.reset();
  EXPECT_EQ(HeadLogRecords(dir_), 0u);
  Reopen();
  EXPECT_EQ(Read("urn:b", kTemp),
            (std::vector<std::pair<int64_t, double>>{{kT0, 3}, {kT0 + 5, 5}}));
}

// A reader keeps one view of the chunks across series; a fold after that view was taken moves
// samples out of the heads, so the reader must renew the view or lose them.
TEST_F(TemporalStoreTest, AReaderSeesSamplesFoldedAfterItsFirstChunkRead) {
  ASSERT_TRUE(AddNumbers("urn:a", kTemp, {{kT0, 1}, {kT0 + 1, 2}}).ok());
  ASSERT_TRUE(AddNumbers("urn:b", kTemp, {{kT0, 3}}).ok());
  auto reader = store_->ReadTemporal("");
  auto count = [&](const std::string& id) {
    size_t n = 0;
    EXPECT_TRUE(reader
                    ->Samples(id, SeriesOf(kTemp), INT64_MIN, INT64_MAX,
                              [&](const Sample&) {
                                ++n;
                                return true;
                              })
                    .ok());
    return n;
  };
  EXPECT_EQ(count("urn:b"), 1u);  // the reader's view of the chunks is taken here
  auto* rocks = dynamic_cast<RocksStore*>(store_.get());
  ASSERT_NE(rocks, nullptr);
  ASSERT_TRUE(rocks->MaintainHeadLog(SeriesHeads::Clock::now() + std::chrono::hours(2)).ok());
  EXPECT_EQ(count("urn:a"), 2u);
  AggregateBuckets buckets;
  ASSERT_TRUE(
      reader->Aggregate("urn:b", SeriesOf(kTemp), kT0, kHour, kT0, kT0 + kHour, buckets).ok());
  ASSERT_EQ(buckets.buckets().size(), 1u);
  EXPECT_EQ(buckets.buckets().begin()->second.count, 1u);
}

TEST_F(TemporalStoreTest, NewestFirstReadsTheSamplesOfAForwardReadReversed) {
  std::mt19937_64 rng(7);
  std::vector<std::pair<int64_t, double>> written;
  for (int i = 0; i < 400; ++i) {  // ~6 hours, some of them late; the open hours in the head
    const int64_t t = kT0 + static_cast<int64_t>(rng() % (6 * kHour));
    written.emplace_back(t, static_cast<double>(i));
    ASSERT_TRUE(AddNumbers("urn:n", kTemp, {{t, static_cast<double>(i)}}).ok());
  }
  ASSERT_TRUE(AddNumbers("urn:m", kTemp, {{kT0 + 7 * kHour, 1}}).ok());  // a later neighbour
  auto reader = store_->ReadTemporal("");
  for (int round = 0; round < 60; ++round) {
    int64_t from = kT0 - kHour + static_cast<int64_t>(rng() % (8 * kHour));
    int64_t to = kT0 - kHour + static_cast<int64_t>(rng() % (8 * kHour));
    if (round == 0) from = INT64_MIN, to = INT64_MAX;
    if (from > to) std::swap(from, to);
    const size_t limit = 1 + rng() % 500;
    std::vector<int64_t> forward, newest_first;
    ASSERT_TRUE(reader
                    ->Samples("urn:n", SeriesOf(kTemp), from, to,
                              [&](const Sample& s) {
                                forward.push_back(s.timestamp_us);
                                return true;
                              })
                    .ok());
    ASSERT_TRUE(reader
                    ->SamplesNewestFirst("urn:n", SeriesOf(kTemp), from, to,
                                         [&](const Sample& s) {
                                           newest_first.push_back(s.timestamp_us);
                                           return newest_first.size() < limit;
                                         })
                    .ok());
    std::vector<int64_t> expected(forward.rbegin(), forward.rend());
    if (expected.size() > limit) expected.resize(limit);
    EXPECT_EQ(newest_first, expected) << "round " << round;
  }
}

TEST_F(TemporalStoreTest, HeadsBehindTheLogBudgetFold) {
  store_.reset();
  auto opened = Store::Open(
      {.data_dir = dir_.string(), .block_cache_bytes = 8u << 20, .head_log_budget_bytes = 1024});
  ASSERT_TRUE(opened.ok());
  store_ = std::move(*opened);
  auto* rocks = dynamic_cast<RocksStore*>(store_.get());
  ASSERT_NE(rocks, nullptr);
  auto write_minute = [&](int minute) {
    for (int e = 0; e < 20; ++e) {
      ASSERT_TRUE(AddNumbers("urn:e" + std::to_string(e), kTemp,
                             {{kT0 + minute * 60'000'000LL, double(minute)}})
                      .ok());
    }
  };
  write_minute(0);
  ASSERT_TRUE(rocks->MaintainHeadLog(SeriesHeads::Clock::now()).ok());  // marks the log size
  EXPECT_TRUE(rocks->MaintainHeadLog(SeriesHeads::Clock::now()).ok());  // still within budget
  for (int minute = 1; minute < 4; ++minute) write_minute(minute);      // > 1 KB of records
  ASSERT_TRUE(rocks->MaintainHeadLog(SeriesHeads::Clock::now()).ok());  // the heads fold
  store_.reset();
  EXPECT_EQ(HeadLogRecords(dir_), 0u);
  Reopen();
  EXPECT_EQ(Read("urn:e7", kTemp),
            (std::vector<std::pair<int64_t, double>>{
                {kT0, 0}, {kT0 + 60'000'000, 1}, {kT0 + 120'000'000, 2}, {kT0 + 180'000'000, 3}}));
}

TEST_F(TemporalStoreTest, OutOfOrderAndDuplicatesLandInPlace) {
  ASSERT_TRUE(AddNumbers("urn:a", kTemp, {{kT0 + 5 * kHour, 5}}).ok());
  ASSERT_TRUE(AddNumbers("urn:a", kTemp, {{kT0 + 1 * kHour, 1}, {kT0 + 7 * kHour, 7}}).ok());
  ASSERT_TRUE(AddNumbers("urn:a", kTemp, {{kT0 + 5 * kHour, 55}}).ok());  // folded duplicate
  ASSERT_TRUE(AddNumbers("urn:a", kTemp, {{kT0 + 7 * kHour, 77}}).ok());  // pending duplicate
  ASSERT_TRUE(AddNumbers("urn:a", kTemp, {{kT0 + 3 * kHour + 1, 3}}).ok());
  std::vector<std::pair<int64_t, double>> want = {
      {kT0 + kHour, 1}, {kT0 + 3 * kHour + 1, 3}, {kT0 + 5 * kHour, 55}, {kT0 + 7 * kHour, 77}};
  EXPECT_EQ(Read("urn:a", kTemp), want);
  Reopen();
  EXPECT_EQ(Read("urn:a", kTemp), want);
  EXPECT_EQ(
      Read("urn:a", kTemp, kT0 + kHour + 1, kT0 + 5 * kHour + 1),
      (std::vector<std::pair<int64_t, double>>{{kT0 + 3 * kHour + 1, 3}, {kT0 + 5 * kHour, 55}}));
}

// Samples late over an hour's end by less than TemporalWriter::kLateGraceUs join the head: the
// hour's chunk is written once, when the grace has passed. The samples then left in the head
// are logged again (the fold mark hides their first records), so a reopen keeps them.
TEST_F(TemporalStoreTest, SamplesLateOverAnHoursEndJoinTheHead) {
  const std::string id = "urn:late";
  std::vector<std::pair<int64_t, double>> want;
  auto add = [&](int64_t t, double v) {
    ASSERT_TRUE(AddNumbers(id, kTemp, {{t, v}}).ok());
    want.emplace_back(t, v);
    std::sort(want.begin(), want.end());
  };
  // Whether the first hour has a chunk, read in the closed data dir; the heads come back from
  // the log at the reopen.
  auto first_hour_chunk = [&] {
    bool found = false;
    store_.reset();
    WithRawDb(dir_, /*writable=*/false, [&](rocksdb::DB& db, Families& families) {
      const std::string key = temporal_keys::Tagged(temporal_keys::SeriesPrefix("", id, kTemp, ""),
                                                    temporal_keys::kChunkTag, kT0);
      std::string chunk;
      found = db.Get({}, families["temporal"], key, &chunk).ok();
    });
    Reopen();
    return found;
  };
  add(kT0 + 58 * kMinute, 1);
  add(kT0 + kHour + 5 * kMinute, 2);  // the first hour stays open...
  add(kT0 + 59 * kMinute, 3);         // ...for this sample
  EXPECT_FALSE(first_hour_chunk());
  EXPECT_EQ(Read(id, kTemp), want);
  add(kT0 + kHour + TemporalWriter::kLateGraceUs, 4);  // closes the first hour
  EXPECT_TRUE(first_hour_chunk());
  EXPECT_EQ(Read(id, kTemp), want);
  add(kT0 + 57 * kMinute, 5);  // late by more than the grace: into the chunk
  Reopen();
  EXPECT_EQ(Read(id, kTemp), want);
}

// One mutation listing a series out of order (a history import may list it newest first) and
// with repeated times: stored in time order, the later listing of a time winning.
TEST_F(TemporalStoreTest, OneMutationsShuffledAndRepeatedSamplesLandInOrder) {
  std::vector<std::pair<int64_t, double>> listed;
  for (int i = 0; i < 3000; ++i) listed.emplace_back(kT0 + i * kMinute, i);
  std::mt19937 random(7);
  std::shuffle(listed.begin(), listed.end(), random);
  for (int i = 0; i < 3000; i += 7) listed.emplace_back(kT0 + i * kMinute, -i);  // later: wins
  ASSERT_TRUE(AddNumbers("urn:a", kTemp, listed).ok());
  std::vector<std::pair<int64_t, double>> want;
  for (int i = 0; i < 3000; ++i) want.emplace_back(kT0 + i * kMinute, i % 7 == 0 ? -i : i);
  EXPECT_EQ(Read("urn:a", kTemp), want);
  Reopen();
  EXPECT_EQ(Read("urn:a", kTemp), want);
}

TEST_F(TemporalStoreTest, RemovesSingleInstancesFromChunksAndPending) {
  ASSERT_TRUE(
      AddNumbers("urn:a", kTemp, {{kT0, 1}, {kT0 + 1, 2}, {kT0 + kHour, 3}, {kT0 + kHour + 1, 4}})
          .ok());
  std::string id = "urn:a";
  auto remove = [&](int64_t t) {
    ASSERT_TRUE(store_
                    ->Mutate("", {&id, 1},
                             [&](Mutation& m) {
                               m.DeleteHistoryInstance(id, kTemp, "", t);
                               return Status::Ok();
                             })
                    .ok());
  };
  remove(kT0 + 1);          // in a chunk
  remove(kT0 + kHour);      // pending
  remove(kT0 + 5 * kHour);  // absent
  EXPECT_EQ(Read(id, kTemp),
            (std::vector<std::pair<int64_t, double>>{{kT0, 1}, {kT0 + kHour + 1, 4}}));
  remove(kT0);                                                      // the chunk becomes empty
  ASSERT_TRUE(AddNumbers(id, kTemp, {{kT0 + 2 * kHour, 5}}).ok());  // folds the pending hour
  Reopen();
  EXPECT_EQ(Read(id, kTemp),
            (std::vector<std::pair<int64_t, double>>{{kT0 + kHour + 1, 4}, {kT0 + 2 * kHour, 5}}));
}

TEST_F(TemporalStoreTest, SamplesCarryTheirModifiedAtAndAreReadByIt) {
  std::string id = "urn:m";
  for (int i = 0; i < 3; ++i) {
    PutTemperature(id, "T", i, kT0 - i * kHour, kT0 + i * kHour);  // late observations
  }
  Reopen();
  // (observation time, modifiedAt, value), in the order the timeline reads them.
  using Read = std::vector<std::tuple<int64_t, int64_t, double>>;
  auto read = [&](TimeProperty property, int64_t from, int64_t to) {
    Read out;
    EXPECT_TRUE(store_->ReadTemporal("")
                    ->Samples(
                        id, SeriesOf(kTemp), from, to,
                        [&](const Sample& s) {
                          out.emplace_back(s.timestamp_us, s.modified_at_us, s.number);
                          return true;
                        },
                        property)
                    .ok());
    return out;
  };
  EXPECT_EQ(
      read(TimeProperty::kObservedAt, INT64_MIN, INT64_MAX),
      (Read{{kT0 - 2 * kHour, kT0 + 2 * kHour, 2}, {kT0 - kHour, kT0 + kHour, 1}, {kT0, kT0, 0}}));
  EXPECT_EQ(
      read(TimeProperty::kModifiedAt, INT64_MIN, INT64_MAX),
      (Read{{kT0, kT0, 0}, {kT0 - kHour, kT0 + kHour, 1}, {kT0 - 2 * kHour, kT0 + 2 * kHour, 2}}));
  // The modifiedAt range selects by modifiedAt, whatever hour the observation is in.
  EXPECT_EQ(read(TimeProperty::kModifiedAt, kT0 + 1, kT0 + 2 * kHour),
            (Read{{kT0 - kHour, kT0 + kHour, 1}}));

  // Rewriting an instance (same observedAt, new value) makes it modified again, once.
  PutTemperature(id, "T", 7, kT0 - kHour, kT0 + 3 * kHour);
  EXPECT_EQ(read(TimeProperty::kModifiedAt, INT64_MIN, INT64_MAX),
            (Read{{kT0, kT0, 0},
                  {kT0 - 2 * kHour, kT0 + 2 * kHour, 2},
                  {kT0 - kHour, kT0 + 3 * kHour, 7}}));
  AggregateBuckets buckets;
  ASSERT_TRUE(store_->ReadTemporal("")
                  ->Aggregate(id, SeriesOf(kTemp), kT0, kHour, kT0, kT0 + 4 * kHour, buckets,
                              TimeProperty::kModifiedAt)
                  .ok());
  std::vector<std::pair<int64_t, double>> sums;  // bucketed by modifiedAt
  for (const auto& [start, bucket] : buckets.buckets()) sums.emplace_back(start, bucket.sum);
  EXPECT_EQ(sums, (std::vector<std::pair<int64_t, double>>{
                      {kT0, 0}, {kT0 + 2 * kHour, 2}, {kT0 + 3 * kHour, 7}}));
}

// The modifiedAt view, oldest and newest first, over random writes (late and rewritten
// observations, lags of up to three hours, backfilled ones of up to 200 hours, some in the
// heads), equals the instances sorted by modifiedAt, for random ranges and early stops.
TEST_F(TemporalStoreTest, ModifiedAtViewMatchesASortOfTheInstances) {
  std::mt19937_64 rng(7);
  const std::string id = "urn:random";
  std::map<int64_t, std::pair<int64_t, double>> instances;  // time → (modifiedAt, value)
  int64_t clock = kT0;
  for (int i = 0; i < 400; ++i) {
    TemporalInstance instance;
    instance.attr = kTemp;
    instance.timestamp_us = rng() % 8 == 0
                                ? kT0 - static_cast<int64_t>(rng() % 200) * kHour
                                : kT0 + static_cast<int64_t>(rng() % 40) * 15 * 60'000'000;
    clock += 1 + static_cast<int64_t>(rng() % 60'000'000);
    instance.modified_at_us =
        std::max(clock, instance.timestamp_us) + static_cast<int64_t>(rng() % (3 * kHour));
    instance.number = i;
    instances[instance.timestamp_us] = {*instance.modified_at_us, instance.number};
    ASSERT_TRUE(AddInstances(id, {"T"}, {instance}).ok());
  }
  std::vector<std::tuple<int64_t, int64_t, double>> sorted;  // (modifiedAt, time, value)
  for (const auto& [t, mv] : instances) sorted.emplace_back(mv.first, t, mv.second);
  std::sort(sorted.begin(), sorted.end());
  for (int round = 0; round < 50; ++round) {
    SCOPED_TRACE(round);
    const int64_t from =
        std::get<0>(sorted[rng() % sorted.size()]) - static_cast<int64_t>(rng() % 2);
    const int64_t to = from + static_cast<int64_t>(rng() % (20 * kHour));
    const size_t stop = 1 + rng() % 30;
    std::vector<std::tuple<int64_t, int64_t, double>> want;
    for (const auto& e : sorted) {
      if (std::get<0>(e) >= from && std::get<0>(e) < to) want.push_back(e);
    }
    for (const bool newest_first : {false, true}) {
      std::vector<std::tuple<int64_t, int64_t, double>> got;
      auto take = [&](const Sample& s) {
        got.emplace_back(s.modified_at_us, s.timestamp_us, s.number);
        return got.size() < stop;
      };
      auto reader = store_->ReadTemporal("");
      ASSERT_TRUE((newest_first ? reader->SamplesNewestFirst(id, SeriesOf(kTemp), from, to, take,
                                                             TimeProperty::kModifiedAt)
                                : reader->Samples(id, SeriesOf(kTemp), from, to, take,
                                                  TimeProperty::kModifiedAt))
                      .ok());
      auto expected = want;
      if (newest_first) std::reverse(expected.begin(), expected.end());
      if (expected.size() > stop) expected.resize(stop);
      EXPECT_EQ(got, expected) << newest_first;
    }
  }
}

// A write naming no types (a temporal POST to an existing entity, an instance PATCH) keeps or
// drops modifiedAt by the entity's rule, not the default one.
TEST_F(TemporalStoreTest, WritesWithoutTypesFollowTheEntitysModifiedAtRule) {
  for (const bool type_keeps : {false, true}) {
    SCOPED_TRACE(type_keeps);
    Reopen({{.type = "T", .raw = std::chrono::hours(24 * 365), .keep_modified_at = type_keeps},
            {.type = "", .raw = std::chrono::hours(24 * 365), .keep_modified_at = !type_keeps}});
    const std::string id = type_keeps ? "urn:keeps" : "urn:drops";
    PutTemperature(id, "T", 1.5, kT0, kT0 + 5'000);
    TemporalInstance later;
    later.attr = kTemp;
    later.timestamp_us = kT0 + 60'000'000;
    later.modified_at_us = kT0 + 60'005'000;
    later.number = 2.5;
    ASSERT_TRUE(AddInstances(id, {}, {later}).ok());
    Reopen({{.type = "T", .raw = std::chrono::hours(24 * 365), .keep_modified_at = type_keeps},
            {.type = "", .raw = std::chrono::hours(24 * 365), .keep_modified_at = !type_keeps}});
    std::vector<int64_t> modified;
    ASSERT_TRUE(store_->ReadTemporal("")
                    ->Samples(id, SeriesOf(kTemp), INT64_MIN, INT64_MAX,
                              [&](const Sample& s) {
                                modified.push_back(s.modified_at_us);
                                return true;
                              })
                    .ok());
    const std::vector<int64_t> expected = type_keeps
                                              ? std::vector<int64_t>{kT0 + 5'000, kT0 + 60'005'000}
                                              : std::vector<int64_t>{kNoModifiedAt, kNoModifiedAt};
    EXPECT_EQ(modified, expected);
  }
}

// A modifiedAt read visits only the hours the series' lags allow: here every write came within
// its observation's hour or the next, so an old hour's chunk is not read (it is damaged below,
// and only the reads that must visit it fail), and lastN stops at the newest chunks.
TEST_F(TemporalStoreTest, ModifiedAtReadsVisitOnlyTheHoursTheLagsAllow) {
  const std::string id = "urn:lags";
  auto put = [&](int64_t observed, int64_t modified, double value) {
    TemporalInstance i;
    i.attr = kTemp;
    i.timestamp_us = observed;
    i.modified_at_us = modified;
    i.number = value;
    ASSERT_TRUE(AddInstances(id, {"T"}, {i}).ok());
  };
  put(kT0 - 100 * kHour, kT0 - 100 * kHour + 5'000, 1);
  put(kT0, kT0 + kHour + 5'000, 2);
  put(kT0 + 2 * kHour, kT0 + 2 * kHour + 5'000, 3);  // folds the head of hour kT0
  DamageChunk(id, kT0 - 100 * kHour);
  auto read = [&](int64_t from, int64_t to, std::vector<double>* values) {
    return ReadModified(id, from, to, values);
  };
  std::vector<double> recent;
  ASSERT_TRUE(read(kT0 - kHour, INT64_MAX, &recent).ok());
  EXPECT_EQ(recent, (std::vector<double>{2, 3}));
  std::vector<double> all;
  EXPECT_EQ(read(INT64_MIN, INT64_MAX, &all).code(), StatusCode::kInternal);
  // lastN: newest first, the newest two writes before any old chunk, over the whole range.
  std::vector<double> newest;
  auto newest_first = [&](size_t n) {
    newest.clear();
    return store_->ReadTemporal("")->SamplesNewestFirst(
        id, SeriesOf(kTemp), INT64_MIN, INT64_MAX,
        [&](const Sample& s) {
          newest.push_back(s.number);
          return newest.size() < n;
        },
        TimeProperty::kModifiedAt);
  };
  ASSERT_TRUE(newest_first(2).ok());
  EXPECT_EQ(newest, (std::vector<double>{3, 2}));
  EXPECT_EQ(newest_first(3).code(), StatusCode::kInternal);
}

// A backfill (observations of the 100 hours before kT0, written at kT0) and then live writes:
// a read of what was written since the backfill, or in the quiet hours between, visits the
// live hours only, though the series' lags span 100 hours (a backfilled chunk is damaged:
// reading it would fail).
TEST_F(TemporalStoreTest, ReadsOfWritesAfterABackfillSkipTheBackfilledHours) {
  const std::string id = "urn:backfilled";
  std::vector<TemporalInstance> backfill;
  for (int64_t h = 100; h >= 1; --h) {
    TemporalInstance i;
    i.attr = kTemp;
    i.timestamp_us = kT0 - h * kHour;
    i.modified_at_us = kT0 + 1'000;
    i.number = static_cast<double>(-h);
    backfill.push_back(i);
  }
  ASSERT_TRUE(AddInstances(id, {"T"}, backfill).ok());
  for (int64_t h = 3; h <= 5; ++h) {
    TemporalInstance live;
    live.attr = kTemp;
    live.timestamp_us = kT0 + h * kHour;
    live.modified_at_us = kT0 + h * kHour + 2'000;
    live.number = static_cast<double>(h);
    ASSERT_TRUE(AddInstances(id, {"T"}, {live}).ok());
  }
  DamageChunk(id, kT0 - 50 * kHour);
  std::vector<double> since;
  ASSERT_TRUE(ReadModified(id, kT0 + 3 * kHour, INT64_MAX, &since).ok());
  EXPECT_EQ(since, (std::vector<double>{3, 4, 5}));
  std::vector<double> quiet;
  ASSERT_TRUE(ReadModified(id, kT0 + kHour, kT0 + 3 * kHour, &quiet).ok())
      << "nothing was written between the backfill and the live writes";
  EXPECT_TRUE(quiet.empty());
  std::vector<double> all;
  EXPECT_EQ(ReadModified(id, kT0, INT64_MAX, &all).code(), StatusCode::kInternal)
      << "the backfill's hours are read";
}

// A rule can keep its type's history without modifiedAt: that type's samples are not on the
// modifiedAt view, the others' are.
TEST_F(TemporalStoreTest, ARuleCanTurnModifiedAtOff) {
  Reopen({{.type = "T", .raw = std::chrono::hours(24 * 365 * 100), .keep_modified_at = false}});
  for (const std::string type : {"T", "V"})
    PutTemperature("urn:" + type, type, 1.5, kT0, kT0 + kHour);
  auto count = [&](const std::string& id, TimeProperty property) {
    size_t n = 0;
    EXPECT_TRUE(store_->ReadTemporal("")
                    ->Samples(
                        id, SeriesOf(kTemp), INT64_MIN, INT64_MAX,
                        [&](const Sample&) { return ++n > 0; }, property)
                    .ok());
    return n;
  };
  EXPECT_EQ(count("urn:T", TimeProperty::kObservedAt), 1u);
  EXPECT_EQ(count("urn:T", TimeProperty::kModifiedAt), 0u);
  EXPECT_EQ(count("urn:V", TimeProperty::kObservedAt), 1u);
  EXPECT_EQ(count("urn:V", TimeProperty::kModifiedAt), 1u);
}

// A data dir from before the temporal column family existed opens, and keeps its entities.
TEST_F(TemporalStoreTest, OpensADataDirWithoutTheTemporalColumnFamily) {
  store_.reset();
  std::filesystem::remove_all(dir_);
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {
        {rocksdb::kDefaultColumnFamilyName, {}}, {"entities", {}}, {"index", {}}, {"meta", {}}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir_.string(), families, &handles, &db).ok());
    std::unique_ptr<rocksdb::DB> owned(db);
    for (auto* h : handles) ASSERT_TRUE(owned->DestroyColumnFamilyHandle(h).ok());
  }
  Reopen();
  PutObserved("urn:old", 1, kT0);
  EXPECT_EQ(Read("urn:old", kTemp), (std::vector<std::pair<int64_t, double>>{{kT0, 1}}));
}

// Writers of one series serialise on the entity's lock, so concurrent folds lose no sample.
TEST_F(TemporalStoreTest, ConcurrentWritersOfOneSeriesLoseNothing) {
  constexpr int kThreads = 4, kPerThread = 300;
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPerThread; ++i) {
        // Interleaved timestamps 10 minutes apart: hours complete while other threads write.
        int64_t t = kT0 + (static_cast<int64_t>(i) * kThreads + w) * 600'000'000;
        EXPECT_TRUE(AddNumbers("urn:c", kTemp, {{t, static_cast<double>(w)}}).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  auto got = Read("urn:c", kTemp);
  ASSERT_EQ(got.size(), static_cast<size_t>(kThreads * kPerThread));
  for (size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].first, kT0 + static_cast<int64_t>(k) * 600'000'000);
    EXPECT_EQ(got[k].second, static_cast<double>(k % kThreads));
  }
}

// Writers race compactions, which fold every head and truncate the head log (the once-a-second
// upkeep does the same): every sample is still there after a reopen, which rebuilds the heads
// from the log. (The exact window is provoked in
// TruncationKeepsTheRecordOfAWriteStillUpdatingTheHeads.)
TEST_F(TemporalStoreTest, WritesRacingLogTruncationSurviveAReopen) {
  constexpr int kWriters = 3, kPerWriter = 600;
  std::atomic<int> writing = kWriters;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        EXPECT_TRUE(AddNumbers("urn:w" + std::to_string(w), kTemp,
                               {{kT0 + i * int64_t{60'000'000}, static_cast<double>(i)}})
                        .ok());
      }
      --writing;
    });
  }
  int compactions = 0;
  do {
    EXPECT_TRUE(store_->Compact().ok());
    ++compactions;
  } while (writing > 0);
  for (auto& t : threads) t.join();
  Reopen();
  for (int w = 0; w < kWriters; ++w) {
    auto got = Read("urn:w" + std::to_string(w), kTemp);
    ASSERT_EQ(got.size(), static_cast<size_t>(kPerWriter)) << w << " after " << compactions;
    for (int i = 0; i < kPerWriter; ++i) {
      EXPECT_EQ(got[i], std::make_pair(kT0 + i * int64_t{60'000'000}, static_cast<double>(i)));
    }
  }
}

// Readers race the folds that move a head into its chunk: a sample, once seen, is seen again by
// every later read, exactly once, and reads stay in time order.
TEST_F(TemporalStoreTest, ReadsDuringFoldsNeitherMissNorRepeatSamples) {
  constexpr int kSamples = 3000;  // 10 per hour: a fold every 10 writes
  std::atomic<bool> done = false;
  std::thread writer([&] {
    for (int i = 0; i < kSamples; ++i) {
      EXPECT_TRUE(AddNumbers("urn:f", kTemp, {{kT0 + i * kHour / 10, double(i)}}).ok());
    }
    done = true;
  });
  size_t seen = 0;
  bool consistent = true;
  for (int reads = 0; !done || reads < 2; ++reads) {
    auto got = Read("urn:f", kTemp);
    for (size_t k = 0; k < got.size() && consistent; ++k) {
      consistent = got[k].first == kT0 + static_cast<int64_t>(k) * kHour / 10 &&
                   got[k].second == static_cast<double>(k);
    }
    consistent = consistent && got.size() >= seen;
    seen = got.size();
    if (!consistent) break;
  }
  writer.join();
  EXPECT_TRUE(consistent) << "after " << seen << " samples";
  EXPECT_EQ(Read("urn:f", kTemp).size(), static_cast<size_t>(kSamples));
}

TEST_F(TemporalStoreTest, ScanEntitiesListsIdsWithHistoryInOrder) {
  for (const char* id : {"urn:b", "urn:a", "urn:ab"}) {
    ASSERT_TRUE(AddNumbers(id, kTemp, {{kT0, 1}, {kT0 + 2 * kHour, 2}}).ok());
  }
  ASSERT_TRUE(store_->Mutate("other", {}, [](Mutation&) { return Status::Ok(); }).ok());
  // A tenant whose name sorts before and one after the default's catalogs hold their own.
  for (const std::string tenant : {"a", "z.city"}) {
    const std::string id = "urn:" + tenant;
    ASSERT_TRUE(store_
                    ->Mutate(tenant, {&id, 1},
                             [&](Mutation& m) {
                               TemporalInstance i;
                               i.attr = kTemp;
                               i.timestamp_us = kT0;
                               i.number = 1;
                               m.AddHistory(id, {"T"}, {i});
                               return Status::Ok();
                             })
                    .ok());
    std::vector<std::string> ids;
    ASSERT_TRUE(store_->ReadTemporal(tenant)
                    ->ScanEntities("",
                                   [&](TemporalEntity entity) {
                                     ids.push_back(std::move(entity.id));
                                     return true;
                                   })
                    .ok());
    EXPECT_EQ(ids, std::vector<std::string>{id});
  }
  auto scan = [&](std::string_view after) {
    std::vector<std::string> ids;
    EXPECT_TRUE(store_->ReadTemporal("")
                    ->ScanEntities(after,
                                   [&](TemporalEntity entity) {
                                     EXPECT_EQ(entity.series.size(), 1u);
                                     ids.push_back(std::move(entity.id));
                                     return true;
                                   })
                    .ok());
    return ids;
  };
  EXPECT_EQ(scan(""), (std::vector<std::string>{"urn:a", "urn:ab", "urn:b"}));
  EXPECT_EQ(scan("urn:a"), (std::vector<std::string>{"urn:ab", "urn:b"}));
  EXPECT_EQ(scan("urn:b"), std::vector<std::string>{});
  std::vector<std::string> none;
  ASSERT_TRUE(store_->ReadTemporal("other")
                  ->ScanEntities("",
                                 [&](TemporalEntity entity) {
                                   none.push_back(std::move(entity.id));
                                   return true;
                                 })
                  .ok());
  EXPECT_TRUE(none.empty());
}

// (key, time, number, modifiedAt) of each sample of a head-log record.
using LoggedSample = std::tuple<std::string, int64_t, double, int64_t>;

std::vector<LoggedSample> DecodedHeadLog(std::string_view record, Status* status) {
  std::vector<LoggedSample> out;
  *status = DecodeHeadLogRecord(record, [&](std::string_view key, int64_t t, SampleValue value) {
    out.emplace_back(std::string(key), t, value.number, value.modified_at_us);
    return Status::Ok();
  });
  return out;
}

std::vector<LoggedSample> LoggedSamples(const std::vector<HeadUpdate>& updates) {
  std::vector<LoggedSample> out;
  for (const auto& update : updates) {
    for (const auto& [t, value] : update.appended) {
      out.emplace_back(update.key, t, value.number, value.modified_at_us);
    }
  }
  return out;
}

// Head keys share their prefixes with the key before them in a record; samples with and
// without a modifiedAt round-trip.
TEST(HeadLogRecordTest, KeysAndModifiedAtRoundTrip) {
  std::vector<HeadUpdate> updates(4);
  using namespace std::string_literals;
  updates[0].key = "t\0urn:a\0https://example.org/no2\0\0P"s;
  updates[1].key = "t\0urn:a\0https://example.org/pm25\0\0P"s;
  updates[2].key = "t\0urn:a\0https://example.org/pm25\0d1\0P"s;
  updates[3].key = "unrelated";  // shares nothing
  for (size_t i = 0; i < updates.size(); ++i) {
    for (int j = 0; j <= static_cast<int>(i); ++j) {
      const int64_t modified = j % 2 == 0 ? kT0 + 5'000 * (j - 1) : kNoModifiedAt;
      updates[i].appended.emplace_back(
          kT0 + j, SampleValue{SampleKind::kNumber, i + j / 10.0, "", modified});
    }
  }
  updates.insert(updates.begin() + 1, HeadUpdate{"no samples: not in the record", {}, true, {}});
  const std::string record = EncodeHeadLogRecord(updates);
  size_t spelled_out = 0;  // every key, size, count and time in full
  for (const auto& update : updates) {
    if (!update.appended.empty())
      spelled_out += 12 + update.key.size() + 25 * update.appended.size();
  }
  Status status;
  EXPECT_EQ(DecodedHeadLog(record, &status), LoggedSamples(updates));
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_LE(record.size() + 80, spelled_out);  // keys 2 and 3 share 28 and 33 bytes

  // A key sharing more than its predecessor has, a record of an earlier format (no marker) or a
  // cut record is corrupt.
  std::string bad = record.substr(0, 4);
  bad.append("\x05\x01x\0", 4);
  DecodedHeadLog(bad, &status);
  EXPECT_FALSE(status.ok());
  DecodedHeadLog(record.substr(4), &status);
  EXPECT_FALSE(status.ok());
  for (size_t cut = 1; cut <= 9; ++cut) {  // into the last sample's kind and f64
    DecodedHeadLog(std::string_view(record).substr(0, record.size() - cut), &status);
    EXPECT_FALSE(status.ok()) << cut;
  }
}

// A batch's samples share their time (observedAt) and their modifiedAt: after the first, each
// costs a one-byte time, its kind, a one-byte modifiedAt and its f64.
TEST(HeadLogRecordTest, OneBatchsTimesCostAByteEach) {
  using namespace std::string_literals;
  std::vector<HeadUpdate> updates;
  const int64_t observed = kT0, written = kT0 + 3'000'000'000'000;
  for (int entity = 0; entity < 100; ++entity) {
    for (const char* attr : {"no2", "pm25", "temperature"}) {
      HeadUpdate update;
      update.key =
          "\0urn:a:"s + std::to_string(entity) + "\0https://example.org/" + attr + "\0\0P"s;
      update.appended.emplace_back(observed,
                                   SampleValue{SampleKind::kNumber, entity + 0.5, "", written});
      updates.push_back(std::move(update));
    }
  }
  const std::string record = EncodeHeadLogRecord(updates);
  // Per head: shared and rest sizes, the rest of the key (~3-20 bytes), count, time, kind,
  // modifiedAt, f64.
  EXPECT_LE(record.size(), updates.size() * 25);
  Status status;
  EXPECT_EQ(DecodedHeadLog(record, &status), LoggedSamples(updates));
  EXPECT_TRUE(status.ok()) << status.message();
}

// A format 5 data dir (catalogs among the entities' keys, one lag range per series) opens
// upgraded to format 8: the entity is listed and its modifiedAt view reads as before, and the
// catalog's range became one band of every write hour up to the upgrade.
TEST_F(TemporalStoreTest, FormatFiveDataDirsAreUpgradedInPlace) {
  const std::string id = "urn:upgraded";
  std::vector<TemporalInstance> backfill;
  for (int64_t h = 30; h >= 0; h -= 3) {
    TemporalInstance i;
    i.attr = kTemp;
    i.timestamp_us = kT0 - h * kHour;
    i.modified_at_us = kT0 + h;
    i.number = static_cast<double>(h);
    backfill.push_back(i);
  }
  ASSERT_TRUE(AddInstances(id, {"T"}, backfill).ok());
  auto view = [&] { return WrittenValues(id, TimeProperty::kModifiedAt); };
  const auto before = view();
  ASSERT_EQ(before.size(), backfill.size());
  // Back to format 5 by hand: the catalog among the entity's keys, its lags as least and
  // greatest, version 5.
  EditRaw([&](rocksdb::DB& db, auto& families) {
    EXPECT_TRUE(db.Put({}, families["meta"], "V", "5").ok());
    std::string record = "T";
    record.append(2, '\0');
    record.append(kTemp).append(2, '\0');
    record.push_back(static_cast<char>(model::AttributeKind::kProperty));
    record.push_back('\0');
    PutVarint64(record, ZigZagEncode(0));
    PutVarint64(record, ZigZagEncode(30));
    EXPECT_TRUE(db.Delete({}, families["temporal"], temporal_keys::EntityCatalogKey("", id)).ok());
    EXPECT_TRUE(
        db.Put({}, families["temporal"], temporal_keys::EntityPrefix("", id) + '\0', record).ok());
  });
  EXPECT_EQ(view(), before);
  std::vector<std::string> listed;
  ASSERT_TRUE(store_->ReadTemporal("")
                  ->ScanEntities("",
                                 [&](TemporalEntity e) {
                                   listed.push_back(e.id);
                                   return true;
                                 })
                  .ok());
  EXPECT_EQ(listed, std::vector<std::string>{id});
  auto catalog = store_->ReadTemporal("")->Entity(id);
  ASSERT_TRUE(catalog.ok() && catalog->has_value());
  ASSERT_EQ((*catalog)->series.size(), 1u);
  const auto& bands = (*catalog)->series[0].modified_lags.bands();
  ASSERT_EQ(bands.size(), 1u);
  const int64_t now_hour =
      temporal_keys::HourIndex(Clock::System().Now().time_since_epoch().count());
  EXPECT_EQ(bands[0].from_hour, INT64_MIN);
  EXPECT_GE(bands[0].to_hour, now_hour - 1);
  EXPECT_LE(bands[0].to_hour, now_hour);
  EXPECT_EQ(bands[0].least, 0);
  EXPECT_EQ(bands[0].greatest, 30);
  Reopen();  // format 8 now: opens as it is
  EXPECT_EQ(view(), before);
}

// A format 6 data dir (bands running until the next band's first write hour) opens upgraded to
// format 8 (7's catalogs): each band ends the hour before the next begins, the last at the series'
// last write. Here a first upgrade was cut short after rewriting "urn:a" and "urn:b" (the last key
// noted in `U`): it goes on after it, so neither is read again as format 6; "urn:d"'s catalog is
// corrupt and is carried over (the store opens, reads of that entity report it).
TEST_F(TemporalStoreTest, FormatSixDataDirsAreUpgradedInPlaceAndResumed) {
  const std::vector<std::string> ids = {"urn:a", "urn:b", "urn:c", "urn:d"};
  for (const auto& id : ids) {
    TemporalInstance i;
    i.attr = kTemp;
    i.timestamp_us = kT0;
    i.modified_at_us = kT0;
    i.number = 1;
    ASSERT_TRUE(AddInstances(id, {"T"}, {i}).ok());
  }
  using Band = ModifiedLags::Band;
  // Its bytes read as format 6 too, differently: one band {100, 100, -2, 0}.
  const std::vector<Band> rewritten = {{100, 103, 0, 0}};
  auto record = [&](const std::vector<int64_t>& lags) {
    std::string r = "T";
    r.append(2, '\0');
    r.append(kTemp).append(2, '\0');
    r.push_back(static_cast<char>(model::AttributeKind::kProperty));
    r.push_back('\0');
    PutVarint64(r, 2);
    for (int64_t v : lags) PutVarint64(r, ZigZagEncode(v));
    return r;
  };
  EditRaw([&](rocksdb::DB& db, auto& families) {
    EXPECT_TRUE(db.Put({}, families["meta"], "V", "6").ok());
    // "urn:a" and "urn:b" already in format 7 (and 8).
    TemporalSeries series{kTemp, "", model::AttributeKind::kProperty, "", {}};
    ASSERT_TRUE(series.modified_lags.Assign(rewritten));
    for (size_t i : {0, 1}) {
      EXPECT_TRUE(db.Put({}, families["temporal"], temporal_keys::EntityCatalogKey("", ids[i]),
                         temporal_keys::EncodeCatalog({"T"}, {series}))
                      .ok());
    }
    EXPECT_TRUE(
        db.Put({}, families["meta"], "U", temporal_keys::EntityCatalogKey("", ids[1])).ok());
    // "urn:c" in format 6: bands at write hours 100 and 110, the last write at hour 115.
    EXPECT_TRUE(db.Put({}, families["temporal"], temporal_keys::EntityCatalogKey("", ids[2]),
                       record({100, -3, 40, 10, 0, 1, 5}))
                    .ok());
    EXPECT_TRUE(db.Put({}, families["temporal"], temporal_keys::EntityCatalogKey("", ids[3]),
                       "T\0\0damaged")
                    .ok());
  });
  auto bands_of = [&](const std::string& id) {
    auto catalog = store_->ReadTemporal("")->Entity(id);
    EXPECT_TRUE(catalog.ok() && catalog->has_value()) << id;
    return catalog.ok() && catalog->has_value() && (*catalog)->series.size() == 1
               ? (*catalog)->series[0].modified_lags.bands()
               : std::vector<Band>{};
  };
  auto check = [&] {
    EXPECT_EQ(bands_of(ids[0]), rewritten);
    EXPECT_EQ(bands_of(ids[1]), rewritten);
    EXPECT_EQ(bands_of(ids[2]), (std::vector<Band>{{100, 109, -3, 40}, {110, 115, 0, 1}}));
    EXPECT_EQ(store_->ReadTemporal("")->Entity(ids[3]).status().code(), StatusCode::kInternal);
  };
  check();
  store_.reset();
  WithRawDb(dir_, /*writable=*/false, [&](rocksdb::DB& db, auto& families) {
    std::string value;
    EXPECT_TRUE(db.Get({}, families["meta"], "V", &value).ok());
    EXPECT_EQ(value, "8");
    EXPECT_TRUE(db.Get({}, families["meta"], "U", &value).IsNotFound());
  });
  Reopen();  // format 8 now: opens as it is
  check();
}

// A format 7 data dir opens as format 8 with nothing rewritten (its version 2 chunks read as
// they are: TimeSeriesChunkTest.ReadsVersionTwoChunks), and a format 7 civitas would now refuse
// it rather than report version 3 chunks as corrupt.
TEST_F(TemporalStoreTest, FormatSevenDataDirsOpenAsFormatEight) {
  // An hour and its grace for late samples: the hour folds into a chunk.
  std::vector<TemporalInstance> hour;
  for (int64_t m = 0; m <= 60 + TemporalWriter::kLateGraceUs / kMinute; ++m) {
    TemporalInstance i;
    i.attr = kTemp;
    i.timestamp_us = kT0 + m * 60'000'000;
    i.modified_at_us = kT0 + m * 60'000'000 + 1'000;
    i.number = 20 + static_cast<double>(m) / 10;
    hour.push_back(i);
  }
  ASSERT_TRUE(AddInstances("urn:seven", {"T"}, hour).ok());
  auto samples = [&] { return WrittenValues("urn:seven"); };
  const auto before = samples();
  ASSERT_EQ(before.size(), hour.size());
  EditRaw([&](rocksdb::DB& db, auto& families) {
    EXPECT_TRUE(db.Put({}, families["meta"], "V", "7").ok());
  });
  EXPECT_EQ(samples(), before);
  store_.reset();
  WithRawDb(dir_, /*writable=*/false, [&](rocksdb::DB& db, auto& families) {
    std::string value;
    EXPECT_TRUE(db.Get({}, families["meta"], "V", &value).ok());
    EXPECT_EQ(value, "8");
  });
  Reopen();
  EXPECT_EQ(samples(), before);
}

// The head log is truncated below the oldest record a head needs. A write whose record is in
// the log but whose samples are not in the heads yet must keep its record even when every head
// is empty (here: a fresh store), or closing the store before a fold (as a crash would) loses
// the acknowledged sample.
TEST_F(TemporalStoreTest, TruncationKeepsTheRecordOfAWriteStillUpdatingTheHeads) {
  auto& rocks = static_cast<RocksStore&>(*store_);
  bool truncated = false;
  rocks.SetAfterBatchWriteForTesting([&] {
    if (truncated) return;
    truncated = true;
    EXPECT_TRUE(rocks.Compact().ok());  // folds every head (none yet) and truncates the log
  });
  TemporalInstance sample;
  sample.attr = kTemp;
  sample.timestamp_us = kT0;
  sample.modified_at_us = kT0 + 1'000'000;
  sample.number = 21.5;
  ASSERT_TRUE(AddInstances("urn:race", {"T"}, {sample}).ok());
  ASSERT_TRUE(truncated);
  EXPECT_EQ(WrittenValues("urn:race"),
            (std::vector<std::pair<int64_t, double>>{{kT0 + 1'000'000, 21.5}}));
  Reopen();  // the store keeps heads in memory only: they come back from the log
  EXPECT_EQ(WrittenValues("urn:race"),
            (std::vector<std::pair<int64_t, double>>{{kT0 + 1'000'000, 21.5}}));
}

// A store written by format 7 holds version 2 chunks: they read as they are (by observedAt, by
// modifiedAt, aggregated from their header), and a late sample re-encodes the hour as version 3.
TEST_F(TemporalStoreTest, ReadsAndRewritesVersionTwoChunks) {
  const std::string id = "urn:two";
  std::vector<TemporalInstance> hour;  // the samples version_two_chunk.h holds
  const std::pair<double, int64_t> written[] = {
      {21.5, 1'000'000}, {21.6, 1'020'000}, {21.4, 1'010'001}};
  for (int64_t m = 0; m < 3; ++m) {
    TemporalInstance i;
    i.attr = kTemp;
    i.timestamp_us = kT0 + m * 60'000'000;
    i.number = written[m].first;
    i.modified_at_us = i.timestamp_us + written[m].second;
    hour.push_back(i);
  }
  ASSERT_TRUE(AddInstances(id, {"T"}, hour).ok());
  TemporalInstance next_hour = hour[0];
  next_hour.timestamp_us = kT0 + kHour + TemporalWriter::kLateGraceUs;
  next_hour.modified_at_us = next_hour.timestamp_us + 1'000'000;
  ASSERT_TRUE(AddInstances(id, {"T"}, {next_hour}).ok());  // closes the first hour
  const auto as_written = WrittenValues(id);
  const auto by_modified = WrittenValues(id, TimeProperty::kModifiedAt);
  const std::string key = temporal_keys::Tagged(temporal_keys::SeriesPrefix("", id, kTemp, ""),
                                                temporal_keys::kChunkTag, kT0);
  std::string chunk;
  EditRaw([&](rocksdb::DB& db, auto& families) {
    ASSERT_TRUE(db.Get({}, families["temporal"], key, &chunk).ok());
    EXPECT_EQ(chunk[0], internal::kChunkVersion);
    EXPECT_TRUE(db.Put({}, families["temporal"], key, VersionTwoChunk(kT0)).ok());
  });
  EXPECT_EQ(WrittenValues(id), as_written);
  EXPECT_EQ(WrittenValues(id, TimeProperty::kModifiedAt), by_modified);
  AggregateBuckets buckets;
  ASSERT_TRUE(store_->ReadTemporal("")
                  ->Aggregate(id, SeriesOf(kTemp), kT0, kHour, kT0, kT0 + kHour, buckets)
                  .ok());
  ASSERT_EQ(buckets.buckets().size(), 1u);
  const AggregateBucket& bucket = buckets.buckets().begin()->second;
  EXPECT_EQ(bucket.count, 3u);
  EXPECT_EQ(bucket.sum, 21.5 + 21.6 + 21.4);
  EXPECT_EQ(bucket.min, 21.4);
  EXPECT_EQ(bucket.max, 21.6);

  TemporalInstance late = hour[0];
  late.timestamp_us = kT0 + 3 * 60'000'000;
  late.number = 21.7;
  late.modified_at_us = kT0 + kHour + 2'000'000;
  ASSERT_TRUE(AddInstances(id, {"T"}, {late}).ok());
  auto expected = as_written;
  expected.insert(expected.begin() + 3, {late.modified_at_us.value(), 21.7});
  EXPECT_EQ(WrittenValues(id), expected);
  store_.reset();
  WithRawDb(dir_, /*writable=*/false, [&](rocksdb::DB& db, auto& families) {
    ASSERT_TRUE(db.Get({}, families["temporal"], key, &chunk).ok());
    EXPECT_EQ(chunk[0], internal::kChunkVersion);
  });
}

// Compactions start only once the store has accepted a data dir and loaded it: they run this
// version's retention filter, which must not judge another format's chunks. What RocksDB last
// persisted of its options tells (it writes them at every open and every change).
TEST_F(TemporalStoreTest, CompactionsStartOnlyInAnAcceptedDataDir) {
  auto compactions_off = [&] {
    rocksdb::ConfigOptions config;
    rocksdb::DBOptions db_options;
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    EXPECT_TRUE(rocksdb::LoadLatestOptions(config, dir_.string(), &db_options, &families).ok());
    std::map<std::string, bool> off;
    for (const auto& family : families) off[family.name] = family.options.disable_auto_compactions;
    return off;
  };
  const auto accepted = compactions_off();
  ASSERT_EQ(accepted.size(), 6u);
  for (const auto& [family, off] : accepted) EXPECT_FALSE(off) << family;
  store_.reset();
  WithRawDb(dir_, /*writable=*/true, [&](rocksdb::DB& db, auto& families) {
    EXPECT_TRUE(db.Put({}, families["meta"], "V", "99").ok());
  });
  auto refused = Store::Open({.data_dir = dir_.string()});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("format 99"), std::string::npos);
  const auto refused_dir = compactions_off();
  ASSERT_EQ(refused_dir.size(), 6u);
  for (const auto& [family, off] : refused_dir) EXPECT_TRUE(off) << family;
}

TEST(TemporalCatalogTest, RecordsRoundTripAndCorruptOnesAreReported) {
  const std::vector<std::string> types = {"https://example.org/Room", "https://example.org/Space"};
  std::vector<TemporalSeries> series = {
      {"https://example.org/a", "", model::AttributeKind::kProperty, "", {}},
      {"https://example.org/a", "urn:d:1", model::AttributeKind::kRelationship, "CEL", {}},
      {"https://example.org/b", "", model::AttributeKind::kJsonProperty, "GQ", {}},
      {"https://example.org/c", "", model::AttributeKind::kProperty, "", {}}};
  // A backfill (lags of up to three years) then live writes, which open a band of their own.
  series[1].modified_lags.Note(490'000, -2);
  series[1].modified_lags.Note(490'000, 26'000);
  series[1].modified_lags.Note(490'003, 0);
  series[1].modified_lags.Note(490'009, 1);
  series[2].modified_lags.Note(-5, 0);
  // As a format 5 upgrade leaves them: a band from the first hour there is.
  ASSERT_TRUE(
      series[3].modified_lags.Assign({{INT64_MIN, 490'010, -1, 2}, {490'011, INT64_MAX, 0, 0}}));
  const std::string record = temporal_keys::EncodeCatalog(types, series);
  TemporalEntity decoded;
  ASSERT_TRUE(temporal_keys::DecodeCatalog(record, decoded));
  EXPECT_EQ(decoded.types, types);
  ASSERT_EQ(decoded.series.size(), series.size());
  for (size_t i = 0; i < series.size(); ++i) {
    EXPECT_EQ(decoded.series[i].attr, series[i].attr);
    EXPECT_EQ(decoded.series[i].dataset_id, series[i].dataset_id);
    EXPECT_EQ(decoded.series[i].kind, series[i].kind);
    EXPECT_EQ(decoded.series[i].unit_code, series[i].unit_code);
    EXPECT_EQ(decoded.series[i].modified_lags, series[i].modified_lags);
  }
  EXPECT_TRUE(decoded.series[0].modified_lags.empty());
  EXPECT_EQ(decoded.series[1].modified_lags.bands().size(), 2u);
  EXPECT_EQ(decoded.series[1].modified_lags.last_write_hour(), 490'009);
  ASSERT_TRUE(temporal_keys::DecodeCatalog(temporal_keys::EncodeCatalog({}, {}), decoded));
  EXPECT_TRUE(decoded.types.empty() && decoded.series.empty());
  // A record cut short is corrupt, unless cut where a shorter record would end: after the types
  // or after one of the first three series.
  size_t accepted = 0;
  for (size_t n = 0; n < record.size(); ++n) {
    accepted += temporal_keys::DecodeCatalog(record.substr(0, n), decoded) ? 1 : 0;
  }
  EXPECT_EQ(accepted, 4u);
}

TEST_F(TemporalStoreTest, TextValuesRoundTrip) {
  std::string id = "urn:t";
  TemporalInstance i;
  i.attr = "https://example.org/status";
  i.kind = model::AttributeKind::kRelationship;
  i.timestamp_us = kT0;
  i.value_kind = SampleKind::kText;
  i.text = "\"urn:x\"";
  ASSERT_TRUE(store_
                  ->Mutate("", {&id, 1},
                           [&](Mutation& m) {
                             m.AddHistory(id, {}, {i});
                             return Status::Ok();
                           })
                  .ok());
  auto entity = store_->ReadTemporal("")->Entity(id);
  ASSERT_TRUE(entity.ok() && entity->has_value());
  EXPECT_EQ((*entity)->series.at(0).kind, model::AttributeKind::kRelationship);
  std::vector<std::string> texts;
  ASSERT_TRUE(store_->ReadTemporal("")
                  ->Samples(id, (*entity)->series[0], INT64_MIN, INT64_MAX,
                            [&](const Sample& s) {
                              texts.emplace_back(s.text);
                              return true;
                            })
                  .ok());
  EXPECT_EQ(texts, std::vector<std::string>{"\"urn:x\""});
}

// Random writes (batches spanning hours, late samples, duplicates), deletes of series and
// reopens (which rebuild the heads from the head log), checked against a std::map model with scans
// and hourly aggregates. The parameter is the largest step of the clock in seconds: 600 leaves a
// few samples per hour (hours fold as later ones arrive), 4 puts hundreds in an hour (pending folds
// by count).
class TemporalStoreModelTest : public TemporalStoreTest,
                               public ::testing::WithParamInterface<int64_t> {};
INSTANTIATE_TEST_SUITE_P(ClockSteps, TemporalStoreModelTest, ::testing::Values(600, 4));

TEST_P(TemporalStoreModelTest, MatchesAModelUnderRandomOperations) {
  std::mt19937 random(7);
  const std::vector<std::string> attrs = {"https://example.org/a", "https://example.org/b"};
  std::map<std::pair<std::string, std::string>, std::map<int64_t, double>> model;
  std::map<std::string, std::set<std::string>> listed;  // id → the attrs its catalog lists
  int64_t clock = kT0;
  for (int step = 0; step < 2000; ++step) {
    std::string id = "urn:e:" + std::to_string(random() % 4);
    const std::string& attr = attrs[random() % 2];
    auto& series = model[{id, attr}];
    if (random() % 60 == 0) {
      ASSERT_TRUE(store_
                      ->Mutate("", {&id, 1},
                               [&](Mutation& m) {
                                 m.DeleteHistory(id, attr);
                                 return Status::Ok();
                               })
                      .ok());
      series.clear();
      listed[id].erase(attr);
      continue;
    }
    if (random() % 8 == 0 && !series.empty()) {
      // Remove one instance, sometimes re-adding another in the same mutation.
      auto victim = std::next(series.begin(), static_cast<long>(random() % series.size()));
      int64_t t = victim->first;
      bool readd = random() % 3 == 0;
      ASSERT_TRUE(store_
                      ->Mutate("", {&id, 1},
                               [&](Mutation& m) {
                                 m.DeleteHistoryInstance(id, attr, "", t);
                                 if (readd) {
                                   TemporalInstance i;
                                   i.attr = attr;
                                   i.timestamp_us = clock;
                                   i.number = -1;
                                   m.AddHistory(id, {}, {i});
                                 }
                                 return Status::Ok();
                               })
                      .ok());
      series.erase(t);
      if (readd) series[clock] = -1;
      continue;
    }
    clock += static_cast<int64_t>(random() % static_cast<uint64_t>(GetParam())) * 1'000'000;
    std::vector<std::pair<int64_t, double>> batch;
    for (int n = 1 + static_cast<int>(random() % 3); n > 0; --n) {
      int64_t t = clock;
      if (random() % 5 == 0) t -= static_cast<int64_t>(random() % 6) * kHour / 2;  // late
      if (random() % 10 == 0 && !series.empty()) t = series.begin()->first;        // duplicate
      double v = static_cast<double>(random() % 1000) / 10;
      batch.emplace_back(t, v);
    }
    ASSERT_TRUE(AddNumbers(id, attr, batch).ok());
    for (auto [t, v] : batch) series[t] = v;
    listed[id].insert(attr);
    if (step % 97 == 96) {  // often: each reopen replays the heads from the head log
      ASSERT_TRUE(store_->SyncDurable().ok());
      Reopen();
    }
  }
  auto expect_catalogs = [&] {
    auto reader = store_->ReadTemporal("");
    for (const auto& [id, want_attrs] : listed) {
      auto entity = reader->Entity(id);
      ASSERT_TRUE(entity.ok() && entity->has_value()) << id;
      std::set<std::string> got;
      for (const auto& series : (*entity)->series) got.insert(series.attr);
      EXPECT_EQ(got, want_attrs) << id;
    }
  };
  expect_catalogs();
  Reopen();  // the catalogs as stored, not as the write cache holds them
  expect_catalogs();
  for (const auto& [key, series] : model) {
    std::vector<std::pair<int64_t, double>> want(series.begin(), series.end());
    ASSERT_EQ(Read(key.first, key.second), want) << key.first << " " << key.second;
    int64_t from = kT0 + kHour + 123, to = clock - kHour;
    std::vector<std::pair<int64_t, double>> ranged;
    std::map<int64_t, std::pair<uint64_t, double>> hourly;  // bucket → count, sum
    for (auto [t, v] : series) {
      if (t < from || t >= to) continue;
      ranged.emplace_back(t, v);
      auto& b = hourly[kT0 + (t - kT0) / kHour * kHour];
      ++b.first;
      b.second += v;
    }
    EXPECT_EQ(Read(key.first, key.second, from, to), ranged);
    AggregateBuckets buckets;
    ASSERT_TRUE(store_->ReadTemporal("")
                    ->Aggregate(key.first, SeriesOf(key.second), kT0, kHour, from, to, buckets)
                    .ok());
    std::map<int64_t, std::pair<uint64_t, double>> got;
    for (const auto& [start, b] : buckets.buckets()) {
      if (b.count > 0) got[start] = {b.count, b.sum};
    }
    ASSERT_EQ(got.size(), hourly.size());
    for (const auto& [start, b] : hourly) {
      EXPECT_EQ(got[start].first, b.first) << start;
      EXPECT_NEAR(got[start].second, b.second, 1e-9) << start;
    }
  }
}

}  // namespace
}  // namespace civitas::store
