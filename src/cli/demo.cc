#include "demo.h"

#include <signal.h>
#include <sodium.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "civitas/core/log.h"
#include "civitas/demo/measures.h"
#include "civitas/ingest/device_registry.h"
#include "civitas/model/context.h"
#include "civitas/store/store.h"
#include "demo_backfill.h"
#include "demo_ngsi.h"
#include "demo_publisher.h"
#include "demo_terminal.h"
#include "embedded_server.h"
#include "mosquitto_process.h"
#include "serve.h"

namespace civitas::cli {
namespace {

namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kStateKey = "demo/city";
constexpr int64_t kSecondUs = 1'000'000;
constexpr int64_t kDayUs = 86'400 * kSecondUs;

// "0", "<n>s", "<n>m", "<n>h" or "<n>d", at most a year.
Result<int64_t> ParseDuration(const std::string& text) {
  if (text == "0") return 0;
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 6 || digits + 1 != text.size()) {
    return InvalidRequest("--backfill must be 0 or a number with s, m, h or d, got '" + text + "'");
  }
  int64_t n = std::stoll(text.substr(0, digits));
  int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = kSecondUs;
      break;
    case 'm':
      unit = 60 * kSecondUs;
      break;
    case 'h':
      unit = 3600 * kSecondUs;
      break;
    case 'd':
      unit = kDayUs;
      break;
    default:
      return InvalidRequest("--backfill unit must be s, m, h or d, got '" + text + "'");
  }
  if (n * unit > 366 * kDayUs) return InvalidRequest("--backfill is at most 366d");
  return n * unit;
}

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             Clock::System().Now().time_since_epoch())
      .count();
}

// What a data dir remembers of its demo city, so a second run continues the same city.
struct DemoState {
  demo::CityOptions city;
  int64_t written_until_us = 0;  // everything before is in the store
};

std::string StateJson(const DemoState& s) {
  return json::serialize(json::object{{"seed", s.city.seed},
                                      {"districts", s.city.districts},
                                      {"devices", s.city.devices},
                                      {"anomalyFrom", s.city.anomaly_from_us},
                                      {"anomalyTo", s.city.anomaly_to_us},
                                      {"writtenUntil", s.written_until_us}});
}

Result<std::optional<DemoState>> LoadState(store::Store& store) {
  for (const auto& [key, value] : store.ScanMeta(kStateKey)) {
    if (key != kStateKey) continue;
    boost::system::error_code ec;
    json::value parsed = json::parse(value, ec);
    const json::object* o = ec ? nullptr : parsed.if_object();
    auto number = [&](const char* name) -> std::optional<int64_t> {
      const json::value* v = o ? o->if_contains(name) : nullptr;
      if (v == nullptr || !v->is_number()) return std::nullopt;
      return v->to_number<int64_t>(ec);
    };
    auto seed = number("seed"), districts = number("districts"), devices = number("devices"),
         from = number("anomalyFrom"), to = number("anomalyTo"), until = number("writtenUntil");
    if (!seed || !districts || !devices || !from || !to || !until || ec) {
      return Internal("the data dir's demo state (" + std::string(kStateKey) + ") is unreadable");
    }
    return std::optional<DemoState>(
        DemoState{{static_cast<uint64_t>(*seed), static_cast<int>(*districts),
                   static_cast<int>(*devices), *from, *to},
                  *until});
  }
  return std::optional<DemoState>();
}

Status Provision(ingest::DeviceRegistry& registry, const demo::City& city) {
  std::vector<ingest::ServiceGroup> groups;
  for (auto& group : DemoServiceGroups()) {
    if (!registry.FindService(group.apikey)) groups.push_back(std::move(group));
  }
  if (!groups.empty()) CIVITAS_RETURN_IF_ERROR(registry.AddServices(groups));
  std::vector<ingest::Device> devices;
  for (const demo::Device& device : city.devices) {
    if (!registry.FindDevice(device.id)) devices.push_back(ProvisionedDevice(device));
  }
  return devices.empty() ? Status::Ok() : registry.AddDevices(devices);
}

std::vector<std::pair<std::string, int64_t>> EntityCounts(store::Store& store,
                                                          const model::Context& core) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto& type : store.Types("")) out.emplace_back(core.CompactIri(type.name), type.count);
  return out;
}

// Everything `civitas demo` runs, stopped in reverse order by the destructor.
class DemoRun {
 public:
  explicit DemoRun(const DemoOptions& options) : options_(options) {}
  ~DemoRun() {
    publisher_.reset();
    if (server_) server_->Stop();
    if (http_thread_.joinable()) http_thread_.join();
    server_.reset();
    mosquitto_.reset();
  }

  int Start();
  int Backfill(int64_t backfill_us, const std::atomic<bool>& stop);
  int Live(const std::atomic<bool>& stop);

 private:
  civitas::Status SaveState() { return server_->store().PutMeta(kStateKey, StateJson(state_)); }
  DemoStatus Board(double ingest_per_s, int64_t sim_us) const;

  const DemoOptions& options_;
  std::unique_ptr<MosquittoProcess> mosquitto_;
  std::unique_ptr<EmbeddedServer> server_;
  std::thread http_thread_;
  std::unique_ptr<MeasurePublisher> publisher_;
  std::shared_ptr<const model::Context> core_;
  DemoState state_;
  demo::City city_;
  std::string city_file_;
  uint64_t published_ = 0;
};

int DemoRun::Start() {
  auto mosquitto = MosquittoProcess::Start(std::filesystem::path(options_.data_dir) / "mqtt");
  if (!mosquitto.ok()) {
    spdlog::error("{}", mosquitto.status().message());
    return 1;
  }
  mosquitto_ = std::move(*mosquitto);
  ServeOptions serve;
  serve.data_dir = options_.data_dir;
  serve.http = options_.http;
  serve.mqtt = "127.0.0.1:" + std::to_string(mosquitto_->port());
  serve.log_level = options_.log_level;
  serve.threads = options_.threads;
  // The API needs a token: without one from the environment, the demo makes a random admin
  // token for this run and shows it once (it is the operator's own terminal; nothing stores it).
  std::string new_admin_token;
  if (const char* given = std::getenv("CIVITAS_ADMIN_TOKEN"); given == nullptr || *given == 0) {
    if (sodium_init() < 0) {
      spdlog::error("libsodium failed to initialise");
      return 1;
    }
    unsigned char secret[24];
    randombytes_buf(secret, sizeof secret);
    char hex[2 * sizeof secret + 1];
    sodium_bin2hex(hex, sizeof hex, secret, sizeof secret);
    new_admin_token = std::string("demo_") + hex;
    setenv("CIVITAS_ADMIN_TOKEN", new_admin_token.c_str(), 1);
  }
  auto server = EmbeddedServer::Start(serve);
  if (!server.ok()) {
    spdlog::error("{}", server.status().message());
    return ExitCodeOf(server.status());
  }
  server_ = std::move(*server);
  http_thread_ = std::thread([this] { server_->Run(); });
  core_ = server_->contexts().Core();
  std::printf("civitas listening on http://%s:%u\n", server_->host().c_str(), server_->port());
  if (!new_admin_token.empty()) {
    std::printf(
        "admin token for this run: %s\n  curl -H 'Authorization: Bearer %s' "
        "http://%s:%u/ngsi-ld/v1/types\n",
        new_admin_token.c_str(), new_admin_token.c_str(), server_->host().c_str(), server_->port());
  }
  std::fflush(stdout);
  return 0;
}

int DemoRun::Backfill(int64_t backfill_us, const std::atomic<bool>& stop) {
  const int64_t now = NowUs();
  auto loaded = LoadState(server_->store());
  if (!loaded.ok()) {
    spdlog::error("{}", loaded.status().message());
    return 1;
  }
  demo::CityOptions wanted{.seed = options_.seed,
                           .districts = options_.districts,
                           .devices = options_.sensors,
                           .anomaly_from_us = backfill_us > 0 ? now - backfill_us : now,
                           .anomaly_to_us = backfill_us > 0 ? now : now + kDayUs};
  bool first_run = !loaded->has_value();
  if (first_run) {
    state_ = {wanted, now - backfill_us};
  } else {
    state_ = **loaded;
    const auto& had = state_.city;
    if (had.seed != wanted.seed || had.districts != wanted.districts ||
        had.devices != wanted.devices) {
      std::fprintf(stderr,
                   "civitas demo: %s holds the demo city --seed %llu --districts %d --sensors %d; "
                   "pass those options or use another --data-dir\n",
                   options_.data_dir.c_str(), static_cast<unsigned long long>(had.seed),
                   had.districts, had.devices);
      return 2;
    }
  }
  auto city = demo::BuildCity(state_.city);
  if (!city.ok()) {
    std::fprintf(stderr, "civitas demo: %s\n", city.status().message().c_str());
    return 2;
  }
  city_ = std::move(*city);
  city_file_ = (std::filesystem::path(options_.data_dir) / "demo-city.geojson").string();
  std::ofstream(city_file_) << demo::CityNetworkGeoJson(city_);

  // Only the gap since the last run, and never more than --backfill of it.
  int64_t from = std::max(state_.written_until_us, now - backfill_us);
  if (first_run || from < now) {
    BackfillProgress progress;
    ProgressBar bar("backfill " + FormatTimestampUs(from).substr(0, 16) + " .. " +
                    FormatTimestampUs(now).substr(0, 16));
    auto started = SteadyClock::now();
    auto elapsed = [&] {
      return std::chrono::duration<double>(SteadyClock::now() - started).count();
    };
    Status written = Status::Ok();
    std::atomic<bool> done{false};
    std::thread writer([&] {
      written = BackfillCity(server_->store(), *core_, city_, from, now, options_.threads, progress,
                             stop);
      done.store(true, std::memory_order_release);
    });
    const auto total = static_cast<int64_t>(city_.devices.size());
    while (!done.load(std::memory_order_acquire)) {
      bar.Update(progress.devices_done.load(std::memory_order_relaxed), total,
                 progress.values.load(std::memory_order_relaxed), elapsed());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    writer.join();
    if (!written.ok()) {
      spdlog::error("backfill failed: {}", written.message());
      return 1;
    }
    if (stop.load(std::memory_order_acquire)) {
      // Not recorded as written: the next run writes the whole range again (idempotent).
      bar.Finish("interrupted; the next run over this data dir completes it");
      return 0;
    }
    double seconds = elapsed();
    int64_t values = progress.values.load(std::memory_order_relaxed);
    char summary[200];
    std::snprintf(summary, sizeof summary,
                  "%s values of %zu devices over %.1f h in %.1f s (%.0f values/s, %.0fx real time)",
                  Thousands(values).c_str(), city_.devices.size(),
                  static_cast<double>(now - from) / 3.6e9, seconds,
                  static_cast<double>(values) / std::max(seconds, 1e-6),
                  static_cast<double>(now - from) / 1e6 / std::max(seconds, 1e-6));
    bar.Finish(summary);
    state_.written_until_us = now;
    if (Status saved = SaveState(); !saved.ok()) {
      spdlog::error("{}", saved.message());
      return 1;
    }
  }
  if (Status provisioned = Provision(server_->devices(), city_); !provisioned.ok()) {
    spdlog::error("provisioning the demo devices: {}", provisioned.message());
    return 1;
  }
  return 0;
}

DemoStatus DemoRun::Board(double ingest_per_s, int64_t sim_us) const {
  auto counters = server_->mqtt_counters();
  return {.api_url = "http://" + server_->host() + ":" + std::to_string(server_->port()),
          .city_file = city_file_,
          .simulated_time = FormatTimestampUs(sim_us).substr(0, 19) + "Z",
          .speed = options_.speed,
          .entities_by_type = EntityCounts(server_->store(), *core_),
          .ingest_per_s = ingest_per_s,
          .published = published_,
          .applied = counters.applied,
          .rejected = counters.rejected};
}

int DemoRun::Live(const std::atomic<bool>& stop) {
  publisher_ = std::make_unique<MeasurePublisher>();
  if (civitas::Status connected = publisher_->Connect(mosquitto_->port()); !connected.ok()) {
    spdlog::error("{}", connected.message());
    return 1;
  }
  // Live time continues from where the data ends: now, or later if an accelerated run got ahead.
  const int64_t sim_start = std::max(state_.written_until_us, NowUs());
  const auto wall_start = SteadyClock::now();
  std::vector<int64_t> next(city_.devices.size());
  for (size_t i = 0; i < next.size(); ++i) {
    next[i] = demo::FirstSampleAtOrAfter(city_.devices[i], sim_start);
  }
  std::vector<demo::Reading> readings;
  int64_t incidents_until = sim_start;
  StatusBoard board;
  auto last_board = wall_start - std::chrono::seconds(1);
  uint64_t applied_before = 0;
  while (!stop.load(std::memory_order_acquire)) {
    double wall_s = std::chrono::duration<double>(SteadyClock::now() - wall_start).count();
    int64_t sim = sim_start + static_cast<int64_t>(wall_s * options_.speed * 1e6);
    for (size_t i = 0; i < next.size(); ++i) {
      const demo::Device& device = city_.devices[i];
      const int64_t period = demo::InfoOf(device.kind).period_s * kSecondUs;
      for (; next[i] <= sim; next[i] += period) {
        demo::SampleDevice(city_, device, next[i], readings);
        if (auto sent =
                publisher_->Publish(MeasureTopic(device), MeasurePayload(readings, next[i]));
            !sent.ok()) {
          spdlog::warn("{}", sent.message());
          continue;
        }
        ++published_;
      }
    }
    // Citizens report through the API in the real city; here straight into the store.
    if (sim > incidents_until) {
      if (auto written = WriteIncidents(server_->store(), *core_, city_, incidents_until, sim);
          !written.ok()) {
        spdlog::warn("incident reports: {}", written.message());
      }
      incidents_until = sim;
    }
    if (SteadyClock::now() - last_board >= std::chrono::seconds(1)) {
      double since = std::chrono::duration<double>(SteadyClock::now() - last_board).count();
      uint64_t applied = server_->mqtt_counters().applied;
      board.Show(Board(static_cast<double>(applied - applied_before) / std::min(since, 10.0), sim));
      applied_before = applied;
      last_board = SteadyClock::now();
      state_.written_until_us = sim;
      if (auto saved = SaveState(); !saved.ok()) spdlog::warn("{}", saved.message());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

}  // namespace

int Demo(const DemoOptions& options) {
  sigset_t signals = BlockShutdownSignals();
  // The status board writes to stdout; a reader that went away must not kill the city.
  signal(SIGPIPE, SIG_IGN);
  log::Init(options.log_level);
  auto backfill_us = ParseDuration(options.backfill);
  if (!backfill_us.ok()) {
    std::fprintf(stderr, "civitas demo: %s\n", backfill_us.status().message().c_str());
    return 2;
  }
  std::atomic<bool> stop{false};
  std::thread signal_thread([&stop, signals] {
    int received = 0;
    sigwait(&signals, &received);
    stop.store(true, std::memory_order_release);
  });
  int code = 0;
  {
    DemoRun run(options);
    code = run.Start();
    if (code == 0) code = run.Backfill(*backfill_us, stop);
    if (code == 0 && !stop.load(std::memory_order_acquire)) code = run.Live(stop);
  }
  // Wake the signal thread if the demo ended for another reason.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return code;
}

}  // namespace civitas::cli
