#include "serve.h"

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include "civitas/api/access_control.h"
#include "civitas/api/broker.h"
#include "civitas/api/http_server.h"
#include "civitas/core/log.h"
#include "civitas/ingest/device_registry.h"
#include "civitas/ingest/mqtt_bridge.h"
#include "server_config.h"

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

Result<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidRequest("cannot read " + std::string(what) + " " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<std::unique_ptr<security::JwtVerifier>> MakeJwtVerifier(const ServeOptions& o) {
  if (o.jwt_hs256_secret_file.empty() && o.jwt_public_key.empty() && o.jwks_file.empty()) {
    return std::unique_ptr<security::JwtVerifier>();
  }
  security::JwtOptions jwt{.issuer = o.jwt_issuer, .audience = o.jwt_audience};
  if (!o.jwt_hs256_secret_file.empty()) {
    CIVITAS_ASSIGN_OR_RETURN(jwt.hs256_secret, ReadFile(o.jwt_hs256_secret_file, "JWT secret"));
    while (!jwt.hs256_secret.empty() && jwt.hs256_secret.back() == '\n') jwt.hs256_secret.pop_back();
    if (jwt.hs256_secret.size() < 32) return InvalidRequest("the HS256 secret needs 32+ bytes");
  }
  if (!o.jwt_public_key.empty()) {
    CIVITAS_ASSIGN_OR_RETURN(jwt.public_key_pem, ReadFile(o.jwt_public_key, "JWT public key"));
  }
  if (!o.jwks_file.empty()) {
    CIVITAS_ASSIGN_OR_RETURN(jwt.jwks, ReadFile(o.jwks_file, "JWKS"));
  }
  return security::JwtVerifier::Create(std::move(jwt));
}

// --insecure-no-auth must not go unnoticed: a warning at start and then every minute.
class InsecureWarning {
 public:
  InsecureWarning() {
    Warn();
    thread_ = std::thread([this] {
      std::unique_lock lock(mu_);
      while (!cv_.wait_for(lock, std::chrono::minutes(1), [this] { return stop_; })) Warn();
    });
  }
  ~InsecureWarning() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

 private:
  static void Warn() {
    spdlog::warn("INSECURE: --insecure-no-auth is set; every request acts as admin. Never use "
                 "this outside a local experiment.");
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

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
  auto contexts = model::OpenContextStore(options.context_dir);
  if (!contexts.ok()) {
    spdlog::error("{}", contexts.status().message());
    return 1;
  }
  auto config = LoadServerConfig(options.config, **contexts);
  if (!config.ok()) {
    spdlog::error("{}", config.status().message());
    return 2;
  }
  auto store = store::Store::Open({.data_dir = options.data_dir, .retention = config->retention});
  if (!store.ok()) {
    spdlog::error("{}", store.status().message());
    return 1;
  }
  RestoreHostedContexts(**store, **contexts);

  ingest::DeviceRegistry devices(**store);
  if (auto loaded = devices.Load(); !loaded.ok()) {
    spdlog::error("{}", loaded.message());
    return 1;
  }
  api::Broker broker(**store, **contexts, Clock::System(),
                     {.max_temporal_instances = options.max_temporal_instances}, &devices);
  auto tokens = security::TokenStore::Open(**store, std::filesystem::path(options.data_dir) /
                                                        "token.key",
                                           Clock::System());
  if (!tokens.ok()) {
    spdlog::error("{}", tokens.status().message());
    return 1;
  }
  auto jwt = MakeJwtVerifier(options);
  if (!jwt.ok()) {
    spdlog::error("{}", jwt.status().message());
    return 2;
  }
  api::Credentials credentials{.tokens = tokens->get(), .jwt = jwt->get()};
  if (const char* admin = std::getenv("CIVITAS_ADMIN_TOKEN"); admin != nullptr && *admin) {
    if (std::string_view(admin).size() < 16) {
      spdlog::error("CIVITAS_ADMIN_TOKEN must be at least 16 characters");
      return 2;
    }
    credentials.admin_token_hash = (*tokens)->Hash(admin);
  }
  security::AuditLog audit(**store, Clock::System());
  const double refill_failures = options.auth_failures_per_minute / 60.0;
  api::AccessControl gate(
      broker, credentials, audit, Clock::System(),
      {.insecure_no_auth = options.insecure_no_auth,
       .metrics_public = options.metrics_public,
       .per_address = {.capacity = options.rate_burst, .refill_per_second = options.rate_limit},
       .per_principal = {.capacity = options.rate_burst, .refill_per_second = options.rate_limit},
       .auth_failures = {.capacity = options.auth_failures_per_minute,
                         .refill_per_second = refill_failures},
       .cors_origins = options.cors_origins});
  std::optional<InsecureWarning> insecure_warning;
  if (options.insecure_no_auth) insecure_warning.emplace();
  std::unique_ptr<ingest::MqttBridge> mqtt;
  if (!options.mqtt.empty()) {
    auto mqtt_address = SplitHostPort(options.mqtt);
    if (!mqtt_address.ok()) {
      spdlog::error("--mqtt: {}", mqtt_address.status().message());
      return 2;
    }
    mqtt = std::make_unique<ingest::MqttBridge>(devices, **store, **contexts, Clock::System(),
                                                ingest::MqttBridge::Options{});
    ingest::MqttTls tls{options.mqtt_ca_file, options.mqtt_cert, options.mqtt_key};
    auto started = mqtt->Start(mqtt_address->first, mqtt_address->second,
                               options.mqtt_ca_file.empty() ? nullptr : &tls);
    if (!started.ok()) {
      spdlog::error("{}", started.message());
      return 2;
    }
    broker.SetReadinessCheck([bridge = mqtt.get()] { return bridge->subscribed(); });
  }
  store::Store& store_ref = **store;
  api::HttpServer server(
      {.host = address->first,
       .port = address->second,
       .threads = options.threads,
       .body_limit_bytes = options.max_body_bytes,
       .request_timeout = std::chrono::seconds(options.request_timeout_seconds),
       .tls_cert_file = options.tls_cert,
       .tls_key_file = options.tls_key},
      [&gate](api::HttpRequest& request, const api::Peer& peer) {
        return gate.Handle(request, peer);
      },
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
  const char* scheme = options.tls_cert.empty() ? "http" : "https";
  std::printf("civitas listening on %s://%s:%u\n", scheme, address->first.c_str(), *port);
  std::fflush(stdout);
  spdlog::info("serving NGSI-LD on {}://{}:{} with data in {}", scheme, address->first, *port,
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
  spdlog::info("stopped");
  return 0;
}

}  // namespace civitas::cli
