#pragma once

// GET /metrics: what the server counts, in the Prometheus text exposition format (version
// 0.0.4), gathered from the parts that count it (MetricsSource) when scraped.

#include <absl/base/thread_annotations.h>
#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace civitas::api {

using MetricLabels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// Writes metric families: each a HELP and a TYPE line, then its samples. Names and label names
// are the caller's constants ([a-zA-Z_:][a-zA-Z0-9_:]*); label values are escaped.
class MetricsWriter {
 public:
  // Starts a family; `type` is counter, gauge, histogram or untyped.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  // A sample of the current family (`suffix`: "_bucket", "_sum", "_count" for a histogram).
  void Sample(double value, MetricLabels labels = {}, std::string_view suffix = {});
  // One family with one sample.
  void Gauge(std::string_view name, std::string_view help, double value);
  void Counter(std::string_view name, std::string_view help, double value);

  const std::string& text() const { return out_; }

 private:
  std::string out_;
  std::string family_;
};

// The HTTP requests answered, by method and status code, and how long handling them took
// (until the reply was ready; a write's wait for the WAL sync is not in it). Thread-safe.
class RequestMetrics {
 public:
  // `method`: a standard method name; any other counts as "other", so labels stay few.
  void Record(std::string_view method, unsigned status, std::chrono::nanoseconds took);
  void Write(MetricsWriter& out) const;

  // Upper bounds of the latency histogram's buckets, in seconds (+Inf follows).
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    2.5};

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::pair<std::string_view, unsigned>, uint64_t> requests_
      ABSL_GUARDED_BY(mu_);
  std::array<uint64_t, kBuckets.size() + 1> buckets_ ABSL_GUARDED_BY(mu_) = {};
  double seconds_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

// Adds a part's metrics to a scrape. Called on a request thread: it reads what it counts
// without blocking writers for long.
using MetricsSource = std::function<void(MetricsWriter&)>;

}  // namespace civitas::api
