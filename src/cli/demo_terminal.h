#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace civitas::cli {

// A progress bar on stderr: redrawn in place on a terminal, one line per 10 % otherwise.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  // `done` of `total` units; `values` written so far, for the rate. Call from one thread.
  void Update(int64_t done, int64_t total, int64_t values, double elapsed_s);
  void Finish(const std::string& summary);

 private:
  std::string label_;
  bool tty_;
  int last_decile_ = -1;
};

// What the status board shows once per second.
struct DemoStatus {
  std::string api_url;
  std::string city_file;
  std::string simulated_time;
  double speed = 0;
  std::vector<std::pair<std::string, int64_t>> entities_by_type;
  double ingest_per_s = 0;
  uint64_t published = 0;
  uint64_t applied = 0;
  uint64_t rejected = 0;
};

// Redraws the board on a terminal (ANSI, once per call); otherwise prints one plain line every
// tenth call, so logs stay readable. Write errors (a closed pipe) are ignored.
class StatusBoard {
 public:
  StatusBoard();
  void Show(const DemoStatus& status);

 private:
  bool tty_;
  int64_t calls_ = 0;
};

// "1,234,567".
std::string Thousands(int64_t n);

}  // namespace civitas::cli
