#pragma once

// Test helpers of security/: a settable clock and a fresh RocksDB store in a temp dir.

#include <filesystem>
#include <random>

#include "civitas/core/time.h"
#include "civitas/store/store.h"

namespace civitas::security {

class ManualClock : public Clock {
 public:
  Timestamp Now() const override { return now_; }
  void Set(Timestamp t) { now_ = t; }
  void Advance(std::chrono::microseconds d) { now_ += d; }

 private:
  Timestamp now_ = Timestamp(std::chrono::seconds(1'750'000'000));
};

class TempStore {
 public:
  TempStore() {
    std::random_device random;
    dir_ = std::filesystem::temp_directory_path() /
           ("civitas-security-test-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(dir_);
    Reopen();
  }
  ~TempStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void Reopen() {
    store_.reset();
    auto opened = store::Store::Open({.data_dir = (dir_ / "db").string()});
    if (opened.ok()) store_ = std::move(opened).value();
  }
  store::Store& store() { return *store_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace civitas::security
