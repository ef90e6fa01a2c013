#include "demo_terminal.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace civitas::cli {

std::string Thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), tty_(isatty(STDERR_FILENO) == 1) {}

void ProgressBar::Update(int64_t done, int64_t total, int64_t values, double elapsed_s) {
  double fraction = total > 0 ? std::clamp(static_cast<double>(done) / total, 0.0, 1.0) : 1.0;
  double rate = elapsed_s > 0 ? static_cast<double>(values) / elapsed_s : 0;
  double eta = fraction > 0 ? elapsed_s * (1 - fraction) / fraction : 0;
  if (tty_) {
    constexpr int kWidth = 30;
    int filled = static_cast<int>(fraction * kWidth);
    std::fprintf(stderr, "\r%s [%s%s] %3d%%  %s values  %s values/s  ETA %.0f s   ", label_.c_str(),
                 std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(),
                 static_cast<int>(fraction * 100), Thousands(values).c_str(),
                 Thousands(static_cast<int64_t>(rate)).c_str(), eta);
  } else {
    int decile = static_cast<int>(fraction * 10);
    if (decile == last_decile_) return;
    last_decile_ = decile;
    std::fprintf(stderr, "%s: %d%% (%s values, %s values/s)\n", label_.c_str(), decile * 10,
                 Thousands(values).c_str(), Thousands(static_cast<int64_t>(rate)).c_str());
  }
  std::fflush(stderr);
}

void ProgressBar::Finish(const std::string& summary) {
  std::fprintf(stderr, "%s%s: %s\n", tty_ ? "\r\x1b[K" : "", label_.c_str(), summary.c_str());
  std::fflush(stderr);
}

StatusBoard::StatusBoard() : tty_(isatty(STDOUT_FILENO) == 1) {}

void StatusBoard::Show(const DemoStatus& s) {
  int64_t total = 0;
  std::string types;
  for (const auto& [type, count] : s.entities_by_type) {
    total += count;
    types += "    " + type + std::string(type.size() < 26 ? 26 - type.size() : 1, ' ') +
             Thousands(count) + "\n";
  }
  if (tty_) {
    std::printf(
        "\x1b[H\x1b[2J"
        "civitas demo — a living city (Ctrl-C stops it; run it again to resume)\n\n"
        "  NGSI-LD API   %s/ngsi-ld/v1/entities?type=AirQualityObserved\n"
        "  history       %s/ngsi-ld/v1/temporal/entities?type=TrafficFlowObserved&lastN=12\n"
        "  health        %s/healthz\n"
        "  metrics       %s/metrics (Prometheus text; with the admin token)\n"
        "  street map    %s (GeoJSON for the digital twin)\n"
        "  portal: not in this build yet\n\n"
        "  simulated time %s (x%.0f)\n"
        "  ingest        %.0f measures/s over MQTT (published %s, applied %s, rejected %s)\n\n"
        "  entities      %s\n%s",
        s.api_url.c_str(), s.api_url.c_str(), s.api_url.c_str(), s.api_url.c_str(),
        s.city_file.c_str(), s.simulated_time.c_str(), s.speed, s.ingest_per_s,
        Thousands(s.published).c_str(), Thousands(s.applied).c_str(), Thousands(s.rejected).c_str(),
        Thousands(total).c_str(), types.c_str());
  } else if (calls_ % 10 == 0) {
    std::printf("demo: simulated %s, %s entities, %.0f measures/s (published %s, applied %s)\n",
                s.simulated_time.c_str(), Thousands(total).c_str(), s.ingest_per_s,
                Thousands(s.published).c_str(), Thousands(s.applied).c_str());
  }
  ++calls_;
  std::fflush(stdout);
}

}  // namespace civitas::cli
