// civitas_load: HTTP load generator for the civitas benchmarks (see bench/README.md).
//
//   civitas_load --port P --scenario get --connections 64 --requests 500000 --duration 15
//
// Prints one line of key=value pairs (the format bench/run.sh parses) and, on errors, the first
// error seen on stderr. Exit status 0 if every request succeeded, 1 otherwise.

#include <sys/resource.h>

#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "bench/load/driver.h"
#include "bench/load/workload.h"

namespace {

double PercentileMs(const std::vector<uint32_t>& sorted_us, double p) {
  if (sorted_us.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(sorted_us.size() - 1) + 0.5);
  return sorted_us[std::min(i, sorted_us.size() - 1)] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  civitas::bench::DriverOptions d;
  civitas::bench::WorkloadOptions w;
  double duration_s = 60;
  CLI::App app{"civitas_load: NGSI-LD load generator"};
  app.add_option("--scenario", w.scenario, "upsert | patch | get | near | q | offset | type")
      ->required();
  app.add_option("--host", d.host, "server address (IPv4/IPv6 literal)");
  app.add_option("--port", d.port, "server port")->required();
  app.add_option("--connections,-c", d.connections, "keep-alive connections");
  app.add_option("--threads,-t", d.threads, "client threads");
  app.add_option("--requests,-n", d.max_requests, "stop after this many requests");
  app.add_option("--duration,-d", duration_s, "stop issuing requests after this many seconds");
  app.add_option("--entities", w.city.entities, "entities in the city (get/patch id range)");
  app.add_option("--first", w.first, "upsert: first entity number");
  app.add_option("--batch", w.batch, "upsert: entities per request");
  app.add_option("--spread", w.spread, "patch/get: ids drawn from [0, spread)");
  app.add_option("--offset", w.offset, "offset: page offset");
  app.add_option("--max-distance", w.max_distance_m, "near: metres");
  app.add_option("--limit", w.limit, "query page size");
  app.add_option("--seed", w.city.seed, "data seed");
  CLI11_PARSE(app, argc, argv);
  d.duration = std::chrono::milliseconds(static_cast<int64_t>(duration_s * 1000));

  auto workload = civitas::bench::MakeWorkload(w);
  if (workload == nullptr) {
    fmt::print(stderr, "unknown scenario '{}'\n", w.scenario);
    return 2;
  }
  civitas::bench::DriverResult r = civitas::bench::RunLoad(d, *workload);

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  double client_cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                        static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  double rps = r.seconds > 0 ? static_cast<double>(r.ok) / r.seconds : 0;
  std::string statuses;
  for (auto [code, count] : r.statuses) statuses += fmt::format("{}{}:{}", statuses.empty() ? "" : ",", code, count);
  fmt::print(
      "scenario={} connections={} threads={} requests={} ok={} errors={} seconds={:.3f} "
      "rps={:.0f} items_per_s={:.0f} p50_ms={:.3f} p90_ms={:.3f} p99_ms={:.3f} max_ms={:.3f} "
      "avg_body_bytes={:.0f} client_cpu_s={:.2f} statuses={}\n",
      w.scenario, d.connections, d.threads, r.latencies_us.size() + r.transport_errors, r.ok,
      r.errors, r.seconds, rps, rps * static_cast<double>(workload->ItemsPerRequest()),
      PercentileMs(r.latencies_us, 0.50), PercentileMs(r.latencies_us, 0.90),
      PercentileMs(r.latencies_us, 0.99), PercentileMs(r.latencies_us, 1.0),
      r.ok > 0 ? static_cast<double>(r.response_bytes) / static_cast<double>(r.ok) : 0,
      client_cpu_s, statuses.empty() ? "-" : statuses);
  if (r.errors > 0) {
    fmt::print(stderr, "civitas_load: {} errors ({} transport); first: {}\n", r.errors,
               r.transport_errors, r.first_error);
    return 1;
  }
  return 0;
}
