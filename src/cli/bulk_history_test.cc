// WriteHistory on a real store in a temp dir: each exported instance carries the modifiedAt the
// store kept for it, in JSON Lines and CSV, and none where the store kept none.

#include "bulk_history.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace civitas::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kT0 = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z

// µs of an exported time, parsed as an instant (text forms of one instant differ).
int64_t MicrosOf(std::string_view text) {
  auto t = ParseTimestamp(text);
  EXPECT_TRUE(t.ok()) << text;
  return t.ok() ? t->time_since_epoch().count() : -1;
}

// The fields of a CSV row without quotes, the empty last one included.
std::vector<std::string> Fields(const std::string& row) {
  std::vector<std::string> fields(1);
  for (char c : row) {
    if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  return fields;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class WriteHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("civitas-bulk-history-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto opened = store::Store::Open({.data_dir = dir_.string(), .block_cache_bytes = 8u << 20});
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(*opened);
    auto contexts = model::OpenContextStore("");
    ASSERT_TRUE(contexts.ok()) << contexts.status().message();
    core_ = (*contexts)->Core();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  // Adds temperature instances (observedAt, modifiedAt or none) to urn:ngsi-ld:Thing:1.
  void AddTemperatures(const std::vector<std::pair<int64_t, std::optional<int64_t>>>& times) {
    std::vector<store::TemporalInstance> instances;
    for (const auto& [observed, modified] : times) {
      store::TemporalInstance i;
      i.attr = core_->ExpandTerm("temperature");
      i.unit_code = "CEL";
      i.timestamp_us = observed;
      i.number = static_cast<double>(instances.size());
      i.modified_at_us = modified;
      instances.push_back(std::move(i));
    }
    const std::string id = "urn:ngsi-ld:Thing:1";
    ASSERT_TRUE(store_
                    ->Mutate("", {&id, 1},
                             [&](store::Mutation& m) {
                               m.AddHistory(id, {core_->ExpandTerm("Thing")},
                                            std::move(instances));
                               return Status::Ok();
                             })
                    .ok());
  }

  std::string Export(bool csv) {
    const fs::path file = dir_ / "history.out";
    FILE* out = std::fopen(file.c_str(), "w");
    EXPECT_NE(out, nullptr);
    HistoryExport what;
    what.csv = csv;
    Status written = WriteHistory(*store_, *core_, what, out, [](int64_t) {});
    std::fclose(out);
    EXPECT_TRUE(written.ok()) << written.message();
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<const model::Context> core_;
};

TEST_F(WriteHistoryTest, EveryInstanceCarriesItsOwnModifiedAt) {
  // Written late, early and with a µs fraction: each instance's own time, not the series'.
  const std::vector<int64_t> modified = {kT0 + 2 * kHour + 123'000, kT0 + 5 * kSecond,
                                         kT0 + 48 * kHour + 456'789};
  AddTemperatures({{kT0, modified[0]}, {kT0 + 600 * kSecond, modified[1]},
                   {kT0 + 1200 * kSecond, modified[2]}});

  const std::vector<std::string> lines = Lines(Export(/*csv=*/false));
  ASSERT_EQ(lines.size(), 3u);
  for (size_t i = 0; i < lines.size(); ++i) {
    json::object record = json::parse(lines[i]).as_object();
    EXPECT_EQ(MicrosOf(record.at("observedAt").as_string()),
              kT0 + static_cast<int64_t>(i) * 600 * kSecond);
    ASSERT_TRUE(record.contains("modifiedAt")) << lines[i];
    EXPECT_EQ(MicrosOf(record.at("modifiedAt").as_string()), modified[i]) << lines[i];
  }

  const std::vector<std::string> rows = Lines(Export(/*csv=*/true));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0], "id,type,attribute,datasetId,observedAt,value,unitCode,modifiedAt");
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::vector<std::string> fields = Fields(rows[i]);
    ASSERT_EQ(fields.size(), 8u) << rows[i];
    EXPECT_EQ(fields[0], "urn:ngsi-ld:Thing:1");
    EXPECT_EQ(fields[6], "CEL");
    EXPECT_EQ(MicrosOf(fields[7]), modified[i - 1]) << rows[i];
  }
}

TEST_F(WriteHistoryTest, InstancesTheStoreKeptNoModifiedAtForHaveNone) {
  // Hour 0 mixes an instance with modifiedAt and one without: the store keeps none for the
  // hour. Hour 1's instance keeps its own.
  AddTemperatures({{kT0, kT0 + kSecond}, {kT0 + 60 * kSecond, std::nullopt},
                   {kT0 + kHour, kT0 + kHour + kSecond}});

  const std::vector<std::string> lines = Lines(Export(/*csv=*/false));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_FALSE(json::parse(lines[0]).as_object().contains("modifiedAt")) << lines[0];
  EXPECT_FALSE(json::parse(lines[1]).as_object().contains("modifiedAt")) << lines[1];
  EXPECT_EQ(MicrosOf(json::parse(lines[2]).at("modifiedAt").as_string()), kT0 + kHour + kSecond);

  const std::vector<std::string> rows = Lines(Export(/*csv=*/true));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1], "urn:ngsi-ld:Thing:1,Thing,temperature,,2026-01-01T00:00:00Z,0,CEL,");
  EXPECT_EQ(rows[2], "urn:ngsi-ld:Thing:1,Thing,temperature,,2026-01-01T00:01:00Z,1,CEL,");
  EXPECT_EQ(MicrosOf(Fields(rows[3]).at(7)), kT0 + kHour + kSecond);
}

}  // namespace
}  // namespace civitas::cli
