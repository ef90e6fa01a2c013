#include "serve.h"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <boost/json.hpp>

#include "civitas/api/broker.h"
#include "civitas/api/http_server.h"
#include "civitas/core/log.h"
#include "civitas/ingest/device_registry.h"
#include "civitas/ingest/mqtt_bridge.h"
#include "civitas/notify/notifier.h"

namespace civitas::cli {
namespace {

Result<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return InvalidRequest("--http must be HOST:PORT, got '" + address + "'");
  int port = -1;
  try {
    port = std::stoi(address.substr(colon + 1));
  } catch (...) {
  }
  if (port < 0 || port > 65535) return InvalidRequest("--http port must be 0..65535");
  return std::pair{address.substr(0, colon), static_cast<uint16_t>(port)};
}

// Contexts added through /jsonldContexts are kept in the store; load them back.
void RestoreHostedContexts(store::Store& store, model::ContextStore& contexts) {
  for (const auto& [key, document] : store.ScanMeta("context/")) {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(document, ec);
    if (ec) {
      spdlog::warn("skipping unreadable hosted context {}", key);
      continue;
    }
    auto restored = contexts.Restore(key.substr(std::string_view("context/").size()), parsed);
    if (!restored.ok()) spdlog::warn("cannot restore hosted context {}: {}", key, restored.message());
  }
}

}  // namespace

int Serve(const ServeOptions& options) {
  // Signals are taken by one thread with sigwait, so no handler runs on a server thread. They
  // are blocked before any thread starts (RocksDB's, the store's sync thread): threads inherit
  // the mask, and a SIGTERM delivered to a thread that does not block it would kill the process.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  log::Init(options.log_level);
  auto address = SplitHostPort(options.http);
  if (!address.ok()) {
    spdlog::error("{}", address.status().message());
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    spdlog::error("cannot create data dir {}: {}", options.data_dir, ec.message());
    return 1;
  }
  auto store = store::Store::Open({.data_dir = options.data_dir});
  if (!store.ok()) {
    spdlog::error("{}", store.status().message());
    return 1;
  }
  auto contexts = model::OpenContextStore(options.context_dir);
  if (!contexts.ok()) {
    spdlog::error("{}", contexts.status().message());
    return 1;
  }
  RestoreHostedContexts(**store, **contexts);

  ingest::DeviceRegistry devices(**store);
  if (auto loaded = devices.Load(); !loaded.ok()) {
    spdlog::error("{}", loaded.message());
    return 1;
  }
  // Subscriptions: loaded before any write, so no change goes unmatched.
  notify::Notifier notifier(**store, **contexts, Clock::System());
  if (auto loaded = notifier.Load(); !loaded.ok()) {
    spdlog::error("{}", loaded.message());
    return 1;
  }
  (*store)->SetChangeListener(&notifier);
  notifier.Start();
  api::Broker broker(**store, **contexts, Clock::System(),
                     {.max_temporal_instances = options.max_temporal_instances}, &devices,
                     &notifier);
  std::unique_ptr<ingest::MqttBridge> mqtt;
  if (!options.mqtt.empty()) {
    auto mqtt_address = SplitHostPort(options.mqtt);
    if (!mqtt_address.ok()) {
      spdlog::error("--mqtt: {}", mqtt_address.status().message());
      return 2;
    }
    mqtt = std::make_unique<ingest::MqttBridge>(devices, **store, **contexts, Clock::System());
    if (auto started = mqtt->Start(mqtt_address->first, mqtt_address->second); !started.ok()) {
      spdlog::error("{}", started.message());
      return 2;
    }
    broker.SetReadinessCheck([bridge = mqtt.get()] { return bridge->subscribed(); });
  }
  store::Store& store_ref = **store;
  api::HttpServer server(
      {.host = address->first, .port = address->second, .threads = options.threads},
      [&broker](api::HttpRequest& request) { return broker.Handle(request); },
      [&store_ref](std::function<void(Status)> done) { store_ref.WhenDurable(std::move(done)); });
  auto port = server.Listen();
  if (!port.ok()) {
    spdlog::error("{}", port.status().message());
    return 1;
  }
  broker.SetReady(true);
  if (mqtt) {
    // Announce the server once measures can flow, so scripts and tests can start publishing;
    // a broker that is down delays this by at most 10 s (then /readyz says not ready).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!mqtt->subscribed() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!mqtt->subscribed()) spdlog::warn("MQTT bridge not subscribed yet; /readyz reports 503");
  }
  std::printf("civitas listening on http://%s:%u\n", address->first.c_str(), *port);
  std::fflush(stdout);
  spdlog::info("serving NGSI-LD on http://{}:{} with data in {}", address->first, *port,
               options.data_dir);

  std::thread signal_thread([&server, signals] {
    int received = 0;
    sigwait(&signals, &received);
    spdlog::info("signal {} received, shutting down", received);
    server.Stop();
  });
  server.Run();
  // Wake the signal thread if the server stopped for another reason.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  broker.SetReady(false);
  if (mqtt) mqtt->Stop();
  (*store)->SetChangeListener(nullptr);
  notifier.Stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace civitas::cli
