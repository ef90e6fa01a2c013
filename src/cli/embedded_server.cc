#include "embedded_server.h"

#include <boost/json.hpp>
#include <filesystem>
#include <thread>

#include "civitas/api/broker.h"
#include "civitas/api/http_server.h"
#include "civitas/core/log.h"
#include "civitas/ingest/device_registry.h"
#include "civitas/model/context.h"
#include "civitas/notify/notifier.h"
#include "civitas/store/store.h"
#include "server_config.h"

namespace civitas::cli {
namespace {

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
    if (!restored.ok())
      spdlog::warn("cannot restore hosted context {}: {}", key, restored.message());
  }
}

}  // namespace

Result<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& address,
                                                       std::string_view what) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return InvalidRequest(std::string(what) + " must be HOST:PORT, got '" + address + "'");
  }
  int port = -1;
  try {
    port = std::stoi(address.substr(colon + 1));
  } catch (...) {
  }
  if (port < 0 || port > 65535) return InvalidRequest(std::string(what) + " port must be 0..65535");
  return std::pair{address.substr(0, colon), static_cast<uint16_t>(port)};
}

// Declared in the order they must be destroyed in reverse: the server and bridge go before the
// broker and registry, which go before the store.
struct EmbeddedServer::Parts {
  std::string host;
  uint16_t port = 0;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<model::ContextStore> contexts;
  std::unique_ptr<ingest::DeviceRegistry> devices;
  std::unique_ptr<notify::Notifier> notifier;
  std::unique_ptr<api::Broker> broker;
  std::unique_ptr<ingest::MqttBridge> mqtt;
  std::unique_ptr<api::HttpServer> server;
};

EmbeddedServer::EmbeddedServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

EmbeddedServer::~EmbeddedServer() {
  if (parts_->broker) parts_->broker->SetReady(false);
  if (parts_->mqtt) parts_->mqtt->Stop();
  if (parts_->notifier) {
    parts_->store->SetChangeListener(nullptr);
    parts_->notifier->Stop();
  }
}

Result<std::unique_ptr<EmbeddedServer>> EmbeddedServer::Start(const ServeOptions& options) {
  CIVITAS_ASSIGN_OR_RETURN(auto address, SplitHostPort(options.http, "--http"));
  std::optional<std::pair<std::string, uint16_t>> mqtt_address;
  if (!options.mqtt.empty()) {
    CIVITAS_ASSIGN_OR_RETURN(mqtt_address, SplitHostPort(options.mqtt, "--mqtt"));
  }
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return IoError("cannot create data dir " + options.data_dir + ": " + ec.message());
  auto parts = std::make_unique<Parts>();
  parts->host = address.first;
  CIVITAS_ASSIGN_OR_RETURN(parts->contexts, model::OpenContextStore(options.context_dir));
  auto config = LoadServerConfig(options.config, *parts->contexts);
  // A configuration that cannot be used is a bad option (exit code 2), whatever its cause.
  if (!config.ok()) return InvalidRequest(std::string(config.status().message()));
  CIVITAS_ASSIGN_OR_RETURN(parts->store, store::Store::Open({.data_dir = options.data_dir,
                                                             .retention = config->retention}));
  RestoreHostedContexts(*parts->store, *parts->contexts);
  parts->devices = std::make_unique<ingest::DeviceRegistry>(*parts->store);
  CIVITAS_RETURN_IF_ERROR(parts->devices->Load());
  // Subscriptions: loaded before any write, so no change goes unmatched.
  parts->notifier =
      std::make_unique<notify::Notifier>(*parts->store, *parts->contexts, Clock::System());
  CIVITAS_RETURN_IF_ERROR(parts->notifier->Load());
  parts->store->SetChangeListener(parts->notifier.get());
  parts->notifier->Start();
  parts->broker = std::make_unique<api::Broker>(
      *parts->store, *parts->contexts, Clock::System(),
      api::BrokerOptions{.max_temporal_instances = options.max_temporal_instances},
      parts->devices.get(), parts->notifier.get());
  if (mqtt_address) {
    parts->mqtt =
        std::make_unique<ingest::MqttBridge>(*parts->devices, *parts->store, *parts->contexts,
                                             Clock::System(), ingest::MqttBridge::Options{});
    CIVITAS_RETURN_IF_ERROR(parts->mqtt->Start(mqtt_address->first, mqtt_address->second));
    parts->broker->SetReadinessCheck([bridge = parts->mqtt.get()] { return bridge->subscribed(); });
  }
  store::Store& store = *parts->store;
  api::Broker& broker = *parts->broker;
  parts->server = std::make_unique<api::HttpServer>(
      api::HttpServerOptions{
          .host = address.first, .port = address.second, .threads = options.threads},
      [&broker](api::HttpRequest& request) { return broker.Handle(request); },
      [&store](std::function<void(Status)> done) { store.WhenDurable(std::move(done)); });
  CIVITAS_ASSIGN_OR_RETURN(parts->port, parts->server->Listen());
  parts->broker->SetReady(true);
  if (parts->mqtt) {
    // Announce the server once measures can flow, so scripts and tests can start publishing;
    // a broker that is down delays this by at most 10 s (then /readyz says not ready).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!parts->mqtt->subscribed() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!parts->mqtt->subscribed())
      spdlog::warn("MQTT bridge not subscribed yet; /readyz reports 503");
  }
  return std::unique_ptr<EmbeddedServer>(new EmbeddedServer(std::move(parts)));
}

uint16_t EmbeddedServer::port() const { return parts_->port; }
const std::string& EmbeddedServer::host() const { return parts_->host; }
store::Store& EmbeddedServer::store() { return *parts_->store; }
model::ContextStore& EmbeddedServer::contexts() { return *parts_->contexts; }
ingest::DeviceRegistry& EmbeddedServer::devices() { return *parts_->devices; }
ingest::MqttBridge::Counters EmbeddedServer::mqtt_counters() const {
  return parts_->mqtt ? parts_->mqtt->counters() : ingest::MqttBridge::Counters{};
}
void EmbeddedServer::Run() { parts_->server->Run(); }
void EmbeddedServer::Stop() { parts_->server->Stop(); }

}  // namespace civitas::cli
