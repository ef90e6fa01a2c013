#include "civitas/api/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>

namespace civitas::api {
namespace {

// The shortest text that reads back as the same double (counters as plain integers).
void AppendValue(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact form
    out.append(buf, end);
  }
}

// Escapes backslash and line feed, and in label values (not in HELP text) double quotes.
void AppendEscaped(std::string& out, std::string_view text, bool quotes) {
  for (char c : text) {
    if (c == '\\' || (quotes && c == '"')) {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

}  // namespace

void MetricsWriter::Family(std::string_view name, std::string_view type, std::string_view help) {
  family_ = name;
  out_ += "# HELP ";
  out_ += name;
  out_.push_back(' ');
  AppendEscaped(out_, help, /*quotes=*/false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_.push_back(' ');
  out_ += type;
  out_.push_back('\n');
}

void MetricsWriter::Sample(double value, MetricLabels labels, std::string_view suffix) {
  out_ += family_;
  out_ += suffix;
  if (labels.size() > 0) {
    out_.push_back('{');
    bool first = true;
    for (const auto& [name, label_value] : labels) {
      if (!first) out_.push_back(',');
      first = false;
      out_ += name;
      out_ += "=\"";
      AppendEscaped(out_, label_value, /*quotes=*/true);
      out_.push_back('"');
    }
    out_.push_back('}');
  }
  out_.push_back(' ');
  AppendValue(out_, value);
  out_.push_back('\n');
}

void MetricsWriter::Gauge(std::string_view name, std::string_view help, double value) {
  Family(name, "gauge", help);
  Sample(value);
}

void MetricsWriter::Counter(std::string_view name, std::string_view help, double value) {
  Family(name, "counter", help);
  Sample(value);
}

namespace {

// The method names a label may take: static strings, so the map keeps views of them.
std::string_view MethodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",   "HEAD",   "POST",   "PUT",
                                                "PATCH", "DELETE", "OPTIONS"};
  for (std::string_view known : kKnown) {
    if (method == known) return known;
  }
  return "other";
}

}  // namespace

void RequestMetrics::Record(std::string_view method, unsigned status,
                            std::chrono::nanoseconds took) {
  const double seconds = std::chrono::duration<double>(took).count();
  const size_t bucket = static_cast<size_t>(
      std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin());
  absl::MutexLock lock(&mu_);
  ++requests_[{MethodLabel(method), status}];
  ++buckets_[bucket];
  seconds_ += seconds;
  ++count_;
}

void RequestMetrics::Write(MetricsWriter& out) const {
  std::map<std::pair<std::string_view, unsigned>, uint64_t> requests;  // sorted: stable output
  std::array<uint64_t, kBuckets.size() + 1> buckets;
  double seconds;
  uint64_t count;
  {
    absl::MutexLock lock(&mu_);
    requests.insert(requests_.begin(), requests_.end());
    buckets = buckets_;
    seconds = seconds_;
    count = count_;
  }
  out.Family("civitas_http_requests_total", "counter", "HTTP requests answered.");
  for (const auto& [key, n] : requests) {
    const std::string code = std::to_string(key.second);
    out.Sample(static_cast<double>(n), {{"method", key.first}, {"code", code}});
  }
  out.Family("civitas_http_request_duration_seconds", "histogram",
             "Time to handle an HTTP request, until its reply is ready.");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += buckets[i];
    char le[32];
    std::snprintf(le, sizeof le, "%g", kBuckets[i]);
    out.Sample(static_cast<double>(cumulative), {{"le", le}}, "_bucket");
  }
  out.Sample(static_cast<double>(count), {{"le", "+Inf"}}, "_bucket");
  out.Sample(seconds, {}, "_sum");
  out.Sample(static_cast<double>(count), {}, "_count");
}

}  // namespace civitas::api
