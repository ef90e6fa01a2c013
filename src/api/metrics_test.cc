#include "civitas/api/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace civitas::api {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(MetricsWriterTest, WritesFamiliesInTheTextFormat) {
  MetricsWriter out;
  out.Counter("a_total", "Things\\done\nso far.", 3);
  out.Family("b", "gauge", "Per family.");
  out.Sample(0.25, {{"family", "temporal"}, {"note", "say \"hi\"\\\n"}});
  out.Sample(std::numeric_limits<double>::quiet_NaN(), {{"x", "1"}});
  out.Sample(-std::numeric_limits<double>::infinity());
  out.Sample(1e20, {}, "_sum");
  EXPECT_EQ(out.text(),
            "# HELP a_total Things\\\\done\\nso far.\n"
            "# TYPE a_total counter\n"
            "a_total 3\n"
            "# HELP b Per family.\n"
            "# TYPE b gauge\n"
            "b{family=\"temporal\",note=\"say \\\"hi\\\"\\\\\\n\"} 0.25\n"
            "b{x=\"1\"} NaN\n"
            "b -Inf\n"
            "b_sum 1e+20\n");
}

// Counts per method and code (unknown methods as "other"), cumulative buckets, sum and count.
TEST(RequestMetricsTest, CountsRequestsAndTheirDurations) {
  RequestMetrics metrics;
  metrics.Record("GET", 200, microseconds(300));
  metrics.Record("GET", 200, milliseconds(3));
  metrics.Record("POST", 201, milliseconds(40));
  metrics.Record("BREW", 400, milliseconds(4000));
  MetricsWriter out;
  metrics.Write(out);
  const std::string& text = out.text();
  for (const char* line : {"civitas_http_requests_total{method=\"GET\",code=\"200\"} 2\n",
                           "civitas_http_requests_total{method=\"POST\",code=\"201\"} 1\n",
                           "civitas_http_requests_total{method=\"other\",code=\"400\"} 1\n",
                           "civitas_http_request_duration_seconds_bucket{le=\"0.0005\"} 1\n",
                           "civitas_http_request_duration_seconds_bucket{le=\"0.0025\"} 1\n",
                           "civitas_http_request_duration_seconds_bucket{le=\"0.005\"} 2\n",
                           "civitas_http_request_duration_seconds_bucket{le=\"0.05\"} 3\n",
                           "civitas_http_request_duration_seconds_bucket{le=\"2.5\"} 3\n",
                           "civitas_http_request_duration_seconds_bucket{le=\"+Inf\"} 4\n",
                           "civitas_http_request_duration_seconds_count 4\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin\n" << text;
  }
  const size_t sum_at = text.find("civitas_http_request_duration_seconds_sum ");
  ASSERT_NE(sum_at, std::string::npos);
  const double sum = std::stod(text.substr(sum_at + 42));
  EXPECT_NEAR(sum, 0.0003 + 0.003 + 0.04 + 4.0, 1e-9);
}

}  // namespace
}  // namespace civitas::api
