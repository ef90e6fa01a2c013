#include "civitas/store/store.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "civitas/model/entity_codec.h"
#include "civitas/model/geometry.h"
#include "src/store/rocks_store.h"
#include "src/store/test_dir.h"

namespace civitas::store {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir("civitas-store-test");
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen(size_t entity_cache_entries = StoreOptions().entity_cache_entries) {
    store_.reset();
    auto opened = Store::Open({.data_dir = dir_.string(),
                               .block_cache_bytes = 8u << 20,
                               .entity_cache_entries = entity_cache_entries});
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(*opened);
  }
  Status Put(Tenant tenant, model::Entity e) {
    std::string id = e.id;
    return store_->Mutate(tenant, {&id, 1}, [&](Mutation& m) {
      m.Put(std::move(e));
      return Status::Ok();
    });
  }
  Status Remove(Tenant tenant, const std::string& id) {
    return store_->Mutate(tenant, {&id, 1}, [&](Mutation& m) {
      m.Delete(id);
      return Status::Ok();
    });
  }
  std::vector<std::string> IdsOfType(Tenant tenant, const std::string& type) {
    std::vector<std::string> ids;
    EXPECT_TRUE(store_->Read(tenant)
                    ->ScanType(type, "",
                               [&](std::string_view id) {
                                 ids.emplace_back(id);
                                 return true;
                               })
                    .ok());
    return ids;
  }

  // Writers and readers of `entities` entities at once; see the tests that call it.
  void RaceReadsWithWrites(int entities);

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

model::Entity MakeEntity(const std::string& id, const std::string& type, double value) {
  model::Entity e;
  e.id = id;
  e.types = {type};
  model::Attribute a;
  a.name = "https://example.org/temperature";
  a.value = value;
  e.attributes.push_back(std::move(a));
  return e;
}

TEST_F(StoreTest, SurvivesCloseAndReopen) {
  ASSERT_TRUE(Put("", MakeEntity("urn:a", "T", 1.5)).ok());
  ASSERT_TRUE(store_->SyncDurable().ok());
  Reopen();
  auto got = store_->Read("")->Get("urn:a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->attributes.at(0).value.as_double(), 1.5);
  EXPECT_EQ(IdsOfType("", "T"), std::vector<std::string>{"urn:a"});
}

// Records what the change feed reports.
class RecordingListener final : public ChangeListener {
 public:
  void OnCommitted(Tenant tenant, std::vector<EntityChange>& changes) override {
    for (auto& c : changes) seen.emplace_back(std::string(tenant), std::move(c));
  }
  std::vector<std::pair<std::string, EntityChange>> seen;
};

TEST_F(StoreTest, ChangeFeedReportsBeforeAndAfterOfEachCommittedWrite) {
  RecordingListener listener;
  store_->SetChangeListener(&listener);
  ASSERT_TRUE(Put("t1", MakeEntity("urn:a", "T", 1)).ok());
  ASSERT_TRUE(Put("t1", MakeEntity("urn:a", "T", 2)).ok());
  ASSERT_TRUE(Remove("t1", "urn:a").ok());
  std::string id = "urn:b";
  // A failed mutation writes nothing and reports nothing.
  EXPECT_FALSE(store_
                   ->Mutate("t1", {&id, 1},
                            [&](Mutation& m) {
                              m.Put(MakeEntity(id, "T", 3));
                              return Status(StatusCode::kBadRequestData, "refused");
                            })
                   .ok());
  store_->SetChangeListener(nullptr);
  ASSERT_TRUE(Put("t1", MakeEntity("urn:c", "T", 1)).ok());

  ASSERT_EQ(listener.seen.size(), 3u) << "two puts and a delete";
  EXPECT_EQ(listener.seen[0].first, "t1");
  EXPECT_FALSE(listener.seen[0].second.before);
  EXPECT_EQ(listener.seen[0].second.after->attributes.at(0).value.to_number<double>(), 1);
  EXPECT_EQ(listener.seen[1].second.before->attributes.at(0).value.to_number<double>(), 1);
  EXPECT_EQ(listener.seen[1].second.after->attributes.at(0).value.to_number<double>(), 2);
  EXPECT_EQ(listener.seen[2].second.before->id, "urn:a");
  EXPECT_FALSE(listener.seen[2].second.after);
}

TEST_F(StoreTest, PutMetasWritesAllEntriesDurablyAfterSync) {
  std::vector<std::pair<std::string, std::string>> entries = {{"x/1", "a"}, {"x/2", "b"}};
  ASSERT_TRUE(store_->PutMetas(entries).ok());
  EXPECT_EQ(store_->ScanMeta("x/"), entries);
  ASSERT_TRUE(store_->SyncDurable().ok());
  Reopen();
  EXPECT_EQ(store_->ScanMeta("x/"), entries);
}

// ScanGeo visits exactly the entities whose point lies in a range, whatever the order of the
// ranges (the scan skips Seeks where the iterator already stands past the next start): checked
// against the points' own cells on random wide and one-cell ranges, sorted or not.
TEST_F(StoreTest, ScanGeoFindsExactlyThePointsInTheRanges) {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> lon(2.10, 2.20), lat(41.35, 41.45);
  std::vector<std::pair<uint64_t, std::string>> points;  // leaf cell, entity id
  for (int i = 0; i < 60; ++i) {
    model::Entity e = MakeEntity("urn:p" + std::to_string(i), "T", i);
    model::Attribute location;
    location.name = std::string(model::iri::kLocation);
    location.kind = model::AttributeKind::kGeoProperty;
    location.value = boost::json::object{{"type", "Point"},
                                         {"coordinates", boost::json::array{lon(rng), lat(rng)}}};
    auto geometry = model::Geometry::FromGeoJson(location.value);
    ASSERT_TRUE(geometry.ok());
    points.emplace_back(geometry->QueryCovering(0, 1).front(), e.id);
    e.attributes.push_back(std::move(location));
    e.SortAttributes();
    ASSERT_TRUE(Put("", std::move(e)).ok());
  }
  std::sort(points.begin(), points.end());
  auto view = store_->Read("");
  for (int round = 0; round < 200; ++round) {
    SCOPED_TRACE(round);
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (int i = static_cast<int>(rng() % 6); i > 0; --i) {
      const auto& a = points[rng() % points.size()];
      const auto& b = points[rng() % points.size()];
      ranges.emplace_back(std::min(a.first, b.first) + rng() % 2,
                          std::max(a.first, b.first) - rng() % 2);
    }
    for (int i = static_cast<int>(rng() % 6); i > 0; --i) {
      const uint64_t cell = points[rng() % points.size()].first + (rng() % 3 == 0 ? 1 : 0);
      ranges.emplace_back(cell, cell);
    }
    if (rng() % 2 == 0) std::sort(ranges.begin(), ranges.end());
    std::set<std::string> expected, visited;
    for (const auto& point : points) {
      // Not a structured binding: clang 14 (the sanitizer presets) cannot capture one.
      const uint64_t cell = point.first;
      if (std::any_of(ranges.begin(), ranges.end(),
                      [&](const auto& r) { return r.first <= cell && cell <= r.second; })) {
        expected.insert(point.second);
      }
    }
    ASSERT_TRUE(view->ScanGeo(model::iri::kLocation, ranges,
                              [&](std::string_view id) {
                                visited.emplace(id);
                                return true;
                              })
                    .ok());
    EXPECT_EQ(visited, expected);
  }
}

TEST_F(StoreTest, TenantsAreSeparateKeySpaces) {
  ASSERT_TRUE(Put("city1", MakeEntity("urn:x", "T", 1)).ok());
  EXPECT_TRUE(store_->TenantExists("city1"));
  EXPECT_FALSE(store_->TenantExists("city2"));
  EXPECT_FALSE(store_->Read("")->Get("urn:x").ok());
  EXPECT_FALSE(store_->Read("city2")->Get("urn:x").ok());
  EXPECT_TRUE(store_->Read("city1")->Get("urn:x").ok());
  EXPECT_TRUE(IdsOfType("", "T").empty());
}

TEST_F(StoreTest, FailedMutationWritesNothing) {
  std::string id = "urn:a";
  auto status = store_->Mutate("", {&id, 1}, [&](Mutation& m) {
    m.Put(MakeEntity(id, "T", 1));
    return BadRequestData("rejected");
  });
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(store_->Read("")->Get(id).ok());
  EXPECT_TRUE(store_->Types("").empty());
}

// A small city's data dir measures its data: no file holds megabytes of preallocated space
// (RocksDB preallocates the live WAL to 1.1 write buffers, the MANIFEST to 4 MB by default).
TEST_F(StoreTest, DataDirHoldsNoPreallocatedSpace) {
  ASSERT_TRUE(Put("", MakeEntity("urn:a", "T", 1)).ok());
  uintmax_t allocated = 0;
  for (const auto& file : std::filesystem::directory_iterator(dir_)) {
    struct stat st {};
    ASSERT_EQ(::stat(file.path().c_str(), &st), 0) << file.path();
    allocated += static_cast<uintmax_t>(st.st_blocks) * 512;
  }
  EXPECT_LT(allocated, 2u << 20);
}

// RocksDB logs into the server's log, not into LOG files in the data dir.
TEST_F(StoreTest, RocksDbLogsIntoTheServerLog) {
  std::ostringstream rocksdb_log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(rocksdb_log);
  auto logger = std::make_shared<spdlog::logger>("test", sink);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::debug);
  Reopen();
  ASSERT_TRUE(Put("", MakeEntity("urn:a", "T", 1)).ok());
  store_.reset();
  spdlog::set_default_logger(previous);
  spdlog::set_level(spdlog::level::info);
  // At debug, the options dumped at every open.
  EXPECT_NE(rocksdb_log.str().find("rocksdb: "), std::string::npos);
  EXPECT_NE(rocksdb_log.str().find("write_buffer_size"), std::string::npos);
  for (const auto& file : std::filesystem::directory_iterator(dir_)) {
    EXPECT_FALSE(file.path().filename().string().starts_with("LOG")) << file.path();
  }
}

// Writes read the entity back from the store's cache of committed entities: it must follow
// every commit (and only commits), per tenant.
TEST_F(StoreTest, MutationsReadTheLatestCommittedEntity) {
  auto value_in = [&](Tenant tenant) -> std::optional<double> {
    std::optional<double> value;
    const std::string id = "urn:a";
    EXPECT_TRUE(store_
                    ->Mutate(tenant, {&id, 1},
                             [&](Mutation& m) -> Status {
                               CIVITAS_ASSIGN_OR_RETURN(const model::Entity* e, m.Find(id));
                               if (e) value = e->attributes.at(0).value.to_number<double>();
                               return Status::Ok();
                             })
                    .ok());
    return value;
  };
  ASSERT_TRUE(Put("", MakeEntity("urn:a", "T", 1)).ok());
  EXPECT_EQ(value_in(""), 1);
  EXPECT_EQ(value_in("other"), std::nullopt);
  const std::string id = "urn:a";
  EXPECT_FALSE(store_
                   ->Mutate("", {&id, 1},
                            [&](Mutation& m) {
                              m.Put(MakeEntity("urn:a", "T", 2));
                              return Internal("abandoned");
                            })
                   .ok());
  EXPECT_EQ(value_in(""), 1);
  ASSERT_TRUE(Put("", MakeEntity("urn:a", "T", 3)).ok());
  EXPECT_EQ(value_in(""), 3);
  ASSERT_TRUE(Remove("", "urn:a").ok());
  EXPECT_EQ(value_in(""), std::nullopt);
  ASSERT_TRUE(Put("other", MakeEntity("urn:a", "T", 4)).ok());
  EXPECT_EQ(value_in("other"), 4);
  EXPECT_EQ(value_in(""), std::nullopt);
  Reopen();
  EXPECT_EQ(value_in("other"), 4);
  EXPECT_EQ(value_in(""), std::nullopt);
}

// Reads take recently written entities from the write cache. A view on a snapshot must still
// read the entities as of its snapshot, and a read while a write is between its commit and the
// cache's update must see the write.
TEST_F(StoreTest, ReadsOfCachedEntitiesKeepTheirSnapshot) {
  const std::string id = "urn:a";
  auto value_of = [](const std::optional<model::Entity>& e) -> std::optional<double> {
    if (!e) return std::nullopt;
    return e->attributes.at(0).value.to_number<double>();
  };
  auto multi_get = [&](ReadView& view) -> std::optional<double> {
    auto got = view.MultiGet({&id, 1}, {});
    EXPECT_TRUE(got.ok());
    return got.ok() ? value_of(got->at(0)) : std::nullopt;
  };
  ASSERT_TRUE(Put("", MakeEntity(id, "T", 1)).ok());
  auto before = store_->Read("");
  EXPECT_EQ(multi_get(*before), 1);  // pins the snapshot
  ASSERT_TRUE(Put("", MakeEntity(id, "T", 2)).ok());
  EXPECT_EQ(multi_get(*before), 1);
  EXPECT_EQ(multi_get(*store_->Read("")), 2);
  ASSERT_TRUE(Remove("", id).ok());
  EXPECT_EQ(multi_get(*before), 1);
  EXPECT_EQ(multi_get(*store_->Read("")), std::nullopt);
  EXPECT_EQ(store_->Read("")->Get(id).status().code(), StatusCode::kNotFound);

  std::vector<std::optional<double>> seen_in_window;
  static_cast<RocksStore&>(*store_).SetAfterBatchWriteForTesting([&] {
    auto got = store_->Read("")->Get(id);
    seen_in_window.push_back(got.ok() ? value_of(*got) : std::nullopt);
    seen_in_window.push_back(multi_get(*store_->Read("")));
  });
  ASSERT_TRUE(Put("", MakeEntity(id, "T", 3)).ok());
  ASSERT_TRUE(Put("", MakeEntity(id, "T", 4)).ok());
  EXPECT_EQ(seen_in_window, (std::vector<std::optional<double>>{3, 3, 4, 4}));
}

// A view on an old snapshot reads an old version; it must not leave it in the cache, which
// the write after it filled with the current one.
TEST_F(StoreTest, ReadsOnOldSnapshotsDoNotFillTheCacheWithOldVersions) {
  const std::string id = "urn:a";
  ASSERT_TRUE(Put("", MakeEntity(id, "T", 1)).ok());
  ASSERT_TRUE(store_->SyncDurable().ok());
  Reopen();  // an empty cache
  auto value_in = [&](ReadView& view) -> std::optional<double> {
    auto got = view.MultiGet({&id, 1}, {});
    if (!got.ok() || !got->at(0)) return std::nullopt;
    return got->at(0)->attributes.at(0).value.to_number<double>();
  };
  auto old_view = store_->Read("");
  ASSERT_TRUE(old_view->ScanAll("", [](std::string_view) { return true; }).ok());  // pins
  ASSERT_TRUE(Put("", MakeEntity(id, "T", 2)).ok());
  EXPECT_EQ(value_in(*old_view), 1);
  EXPECT_EQ(value_in(*store_->Read("")), 2);
  EXPECT_EQ(store_->Read("")->Get(id)->attributes.at(0).value.to_number<double>(), 2);
}

// Readers racing writers (each read filling the cache where it may) never see an entity go
// back in time, and once the writers stop every read returns the last write.
TEST_F(StoreTest, ReadsRacingWritesNeverGoBackInTime) { RaceReadsWithWrites(/*entities=*/4); }

// The same with a cache of one entry a shard: writes and reads keep starting shards over.
TEST_F(StoreTest, ReadsRacingWritesAndEvictionsNeverGoBackInTime) {
  Reopen(/*entity_cache_entries=*/64);
  RaceReadsWithWrites(/*entities=*/200);
}

void StoreTest::RaceReadsWithWrites(int entities) {
  const int kEntities = entities, kWritesPerWriter = 1500, kWriters = 2, kReaders = 2;
  std::vector<std::string> ids;
  for (int i = 0; i < kEntities; ++i) ids.push_back("urn:e" + std::to_string(i));
  std::atomic<int> next_value{1};
  std::atomic<int> writers_left{kWriters};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int n = 0; n < kWritesPerWriter; ++n) {
        const std::string& id = ids[static_cast<size_t>((n + w) % kEntities)];
        EXPECT_TRUE(store_
                        ->Mutate("", {&id, 1},
                                 [&](Mutation& m) {
                                   // Taken under the entity's lock: values grow in commit order.
                                   m.Put(MakeEntity(id, "T", next_value.fetch_add(1)));
                                   return Status::Ok();
                                 })
                        .ok());
      }
      writers_left.fetch_sub(1);
    });
  }
  auto value = [](const model::Entity& e) { return e.attributes.at(0).value.to_number<double>(); };
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      std::vector<double> seen(kEntities, 0);
      do {
        for (size_t i = 0; i < ids.size(); ++i) {
          double now = 0;
          if (r == 0) {  // a lone Get: no snapshot
            auto got = store_->Read("")->Get(ids[i]);
            if (got.ok()) now = value(*got);
          } else {  // MultiGet on a fresh snapshot
            auto got = store_->Read("")->MultiGet({&ids[i], 1}, {});
            if (got.ok() && got->at(0)) now = value(*got->at(0));
          }
          EXPECT_GE(now, seen[i]) << ids[i];
          seen[i] = now;
        }
      } while (writers_left.load() > 0);
    });
  }
  for (auto& t : threads) t.join();
  std::vector<double> last(kEntities, 0);
  {
    auto view = store_->Read("");
    auto got = view->MultiGet(ids, {});
    ASSERT_TRUE(got.ok());
    for (size_t i = 0; i < ids.size(); ++i) last[i] = value(*got->at(i));
  }
  ASSERT_TRUE(store_->SyncDurable().ok());
  Reopen();  // what RocksDB holds, decoded: the cache must have agreed with it
  for (size_t i = 0; i < ids.size(); ++i) {
    auto got = store_->Read("")->Get(ids[i]);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(value(*got), last[i]) << ids[i];
  }
}

// Reads project the entity a write left in the cache and the one a read after a restart
// decoded alike (model::ProjectEntity against the decoder's own projection: entity_codec_test).
TEST_F(StoreTest, ProjectedReadsAreTheSameAfterAWriteAndAfterARestart) {
  model::Entity e = MakeEntity("urn:a", "T", 1);
  e.scopes = {"/city"};
  e.created_at = Timestamp(std::chrono::microseconds(1000));
  model::Attribute other;
  other.name = "https://example.org/humidity";
  other.value = 40;
  other.observed_at = Timestamp(std::chrono::microseconds(2000));
  e.attributes.push_back(other);
  e.SortAttributes();
  ASSERT_TRUE(Put("", e).ok());
  const std::vector<std::string> ids = {"urn:a", "urn:missing"};
  auto read = [&](std::span<const std::string> only) {
    auto got = store_->Read("")->MultiGet(ids, only);
    EXPECT_TRUE(got.ok());
    std::vector<std::string> records;
    for (const auto& entity : *got)
      records.push_back(entity ? model::EncodeEntity(*entity) : "none");
    return records;
  };
  const std::vector<std::string> only = {"https://example.org/humidity"};
  const auto cached_all = read({});
  const auto cached_only = read(only);
  ASSERT_TRUE(store_->SyncDurable().ok());
  Reopen();  // an empty cache: the same reads decode the records
  EXPECT_EQ(read({}), cached_all);
  EXPECT_EQ(read(only), cached_only);
  EXPECT_NE(cached_only, cached_all);
  EXPECT_EQ(cached_only[1], "none");
}

TEST_F(StoreTest, CountersFollowTypeChanges) {
  ASSERT_TRUE(Put("", MakeEntity("urn:a", "T1", 1)).ok());
  ASSERT_TRUE(Put("", MakeEntity("urn:b", "T1", 1)).ok());
  ASSERT_TRUE(Put("", MakeEntity("urn:b", "T2", 1)).ok());  // re-typed
  auto types = store_->Types("");
  ASSERT_EQ(types.size(), 2u);
  EXPECT_EQ(types[0].name, "T1");
  EXPECT_EQ(types[0].count, 1);
  EXPECT_EQ(types[1].name, "T2");
  ASSERT_TRUE(Remove("", "urn:a").ok());
  types = store_->Types("");
  ASSERT_EQ(types.size(), 1u);
  EXPECT_EQ(types[0].name, "T2");
  EXPECT_EQ(IdsOfType("", "T1"), std::vector<std::string>{});
}

// Random puts and deletes checked against a std::map model, across reopens.
TEST_F(StoreTest, MatchesAModelUnderRandomOperations) {
  std::mt19937 random(42);
  std::map<std::string, std::pair<std::string, double>> model;  // id → (type, value)
  for (int step = 0; step < 2000; ++step) {
    std::string id = "urn:e:" + std::to_string(random() % 200);
    if (random() % 4 == 0) {
      ASSERT_TRUE(Remove("", id).ok());
      model.erase(id);
    } else {
      std::string type = "T" + std::to_string(random() % 3);
      double value = static_cast<double>(random() % 1000);
      ASSERT_TRUE(Put("", MakeEntity(id, type, value)).ok());
      model[id] = {type, value};
    }
    if (step % 700 == 699) {
      ASSERT_TRUE(store_->SyncDurable().ok());
      Reopen();
    }
  }
  auto view = store_->Read("");
  std::vector<std::string> all;
  ASSERT_TRUE(view->ScanAll("",
                            [&](std::string_view id) {
                              all.emplace_back(id);
                              return true;
                            })
                  .ok());
  std::vector<std::string> expected;
  for (const auto& [id, _] : model) expected.push_back(id);
  EXPECT_EQ(all, expected);  // ascending id order
  for (const auto& [id, tv] : model) {
    auto got = view->Get(id);
    ASSERT_TRUE(got.ok()) << id;
    EXPECT_EQ(got->types.at(0), tv.first);
    EXPECT_EQ(got->attributes.at(0).value.to_number<double>(), tv.second);
  }
  std::map<std::string, int64_t> per_type;
  for (const auto& [id, tv] : model) ++per_type[tv.first];
  for (const auto& t : store_->Types("")) EXPECT_EQ(per_type[t.name], t.count) << t.name;
  for (const auto& [type, count] : per_type) {
    EXPECT_EQ(IdsOfType("", type).size(), static_cast<size_t>(count));
  }
}

}  // namespace
}  // namespace civitas::store
