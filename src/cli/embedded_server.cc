#include "embedded_server.h"

#include <boost/json.hpp>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "civitas/api/access_control.h"
#include "civitas/api/broker.h"
#include "civitas/api/http_server.h"
#include "civitas/core/log.h"
#include "civitas/ingest/device_registry.h"
#include "civitas/model/context.h"
#include "civitas/notify/notifier.h"
#include "civitas/security/audit_log.h"
#include "civitas/security/jwt_verifier.h"
#include "civitas/security/token_store.h"
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

Result<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidRequest("cannot read " + std::string(what) + " " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Null when no JWT key is configured (API keys only).
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

}  // namespace

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
    spdlog::warn(
        "INSECURE: --insecure-no-auth is set; every request acts as admin. Never use this "
        "outside a local experiment.");
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

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
  std::string scheme;  // http, or https with --tls-cert
  std::string host;
  uint16_t port = 0;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<model::ContextStore> contexts;
  std::unique_ptr<ingest::DeviceRegistry> devices;
  std::unique_ptr<notify::Notifier> notifier;
  std::unique_ptr<api::Broker> broker;
  std::unique_ptr<security::TokenStore> tokens;
  std::unique_ptr<security::JwtVerifier> jwt;
  std::unique_ptr<security::AuditLog> audit;
  std::unique_ptr<api::AccessControl> gate;  // every request passes it before the broker
  std::optional<InsecureWarning> insecure_warning;
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

void EmbeddedServer::AddMetricsSources(Parts& parts) {
  const auto started = std::chrono::steady_clock::now();
  parts.broker->AddMetricsSource([started](api::MetricsWriter& out) {
    out.Gauge("civitas_uptime_seconds", "Seconds since the server started.",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  });
  parts.broker->AddMetricsSource(
      [&gate = *parts.gate](api::MetricsWriter& out) { gate.WriteMetrics(out); });
  parts.broker->AddMetricsSource([&store = *parts.store](api::MetricsWriter& out) {
    const store::StoreStats stats = store.Stats();
    auto per_family = [&](std::string_view name, std::string_view help, auto field) {
      out.Family(name, "gauge", help);
      for (const auto& family : stats.families) {
        out.Sample(static_cast<double>(family.*field), {{"family", family.name}});
      }
    };
    per_family("civitas_store_sst_bytes", "Bytes of the column family's SST files.",
               &store::StoreStats::Family::sst_bytes);
    per_family("civitas_store_memtable_bytes", "Bytes of the column family's memtables.",
               &store::StoreStats::Family::memtable_bytes);
    per_family("civitas_store_pending_compaction_bytes",
               "Bytes compaction is estimated still to rewrite.",
               &store::StoreStats::Family::pending_compaction_bytes);
    per_family("civitas_store_keys", "Keys in the column family (RocksDB's estimate).",
               &store::StoreStats::Family::estimated_keys);
    out.Gauge("civitas_store_running_compactions", "Compactions running.",
              static_cast<double>(stats.running_compactions));
    out.Gauge("civitas_store_running_flushes", "Memtable flushes running.",
              static_cast<double>(stats.running_flushes));
    out.Gauge("civitas_store_block_cache_bytes", "Bytes held by the block cache.",
              static_cast<double>(stats.block_cache_bytes));
    out.Counter("civitas_store_background_errors_total",
                "RocksDB background errors since open (a write error stops writes).",
                static_cast<double>(stats.background_errors));
    out.Gauge("civitas_store_writes_stopped",
              "1 while writes are stopped until compaction catches up (not merely slowed), else 0.",
              stats.writes_stopped ? 1 : 0);
  });
  parts.broker->AddMetricsSource([&notifier = *parts.notifier](api::MetricsWriter& out) {
    const notify::NotifierCounters counters = notifier.counters();
    out.Counter("civitas_notify_dropped_changes_total",
                "Entity changes not matched against subscriptions: the change queue was full.",
                static_cast<double>(counters.dropped_changes));
    out.Counter("civitas_notify_dropped_notifications_total",
                "Notifications dropped: a subscription's queue was full (the oldest go).",
                static_cast<double>(counters.dropped_notifications));
  });
  if (parts.mqtt) {
    parts.broker->AddMetricsSource([&mqtt = *parts.mqtt](api::MetricsWriter& out) {
      const ingest::MqttBridge::Counters counters = mqtt.counters();
      out.Counter("civitas_mqtt_messages_received_total", "MQTT measure messages received.",
                  static_cast<double>(counters.received));
      out.Family("civitas_mqtt_messages_total", "counter",
                 "MQTT measure messages handled, by outcome.");
      out.Sample(static_cast<double>(counters.applied), {{"outcome", "applied"}});
      out.Sample(static_cast<double>(counters.rejected), {{"outcome", "rejected"}});
    });
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
      api::BrokerOptions{.max_temporal_instances = options.max_temporal_instances,
                         .query_threads = options.query_threads,
                         .ingest = config->ingest,
                         .max_body_bytes = options.max_body_bytes},
      parts->devices.get(), parts->notifier.get());
  CIVITAS_ASSIGN_OR_RETURN(
      parts->tokens, security::TokenStore::Open(*parts->store,
                                                std::filesystem::path(options.data_dir) / "token.key",
                                                Clock::System()));
  CIVITAS_ASSIGN_OR_RETURN(parts->jwt, MakeJwtVerifier(options));
  api::Credentials credentials{.tokens = parts->tokens.get(), .jwt = parts->jwt.get()};
  if (const char* admin = std::getenv("CIVITAS_ADMIN_TOKEN"); admin != nullptr && *admin) {
    if (std::string_view(admin).size() < 16) {
      return InvalidRequest("CIVITAS_ADMIN_TOKEN must be at least 16 characters");
    }
    credentials.admin_token_hash = parts->tokens->Hash(admin);
  }
  parts->audit = std::make_unique<security::AuditLog>(*parts->store, Clock::System());
  const double refill_failures = options.auth_failures_per_minute / 60.0;
  parts->gate = std::make_unique<api::AccessControl>(
      *parts->broker, credentials, *parts->audit, Clock::System(),
      api::AccessOptions{
          .insecure_no_auth = options.insecure_no_auth,
          .metrics_public = options.metrics_public,
          .per_address = {.capacity = options.rate_burst, .refill_per_second = options.rate_limit},
          .per_principal = {.capacity = options.rate_burst,
                            .refill_per_second = options.rate_limit},
          .auth_failures = {.capacity = options.auth_failures_per_minute,
                            .refill_per_second = refill_failures},
          .cors_origins = options.cors_origins});
  if (options.insecure_no_auth) parts->insecure_warning.emplace();
  if (mqtt_address) {
    parts->mqtt =
        std::make_unique<ingest::MqttBridge>(*parts->devices, *parts->store, *parts->contexts,
                                             Clock::System(), ingest::MqttBridge::Options{});
    ingest::MqttTls tls{options.mqtt_ca_file, options.mqtt_cert, options.mqtt_key};
    CIVITAS_RETURN_IF_ERROR(parts->mqtt->Start(mqtt_address->first, mqtt_address->second,
                                               options.mqtt_ca_file.empty() ? nullptr : &tls));
    parts->broker->SetReadinessCheck([bridge = parts->mqtt.get()] { return bridge->subscribed(); });
  }
  AddMetricsSources(*parts);
  store::Store& store = *parts->store;
  api::AccessControl& gate = *parts->gate;
  parts->scheme = options.tls_cert.empty() ? "http" : "https";
  parts->server = std::make_unique<api::HttpServer>(
      api::HttpServerOptions{.host = address.first,
                             .port = address.second,
                             .threads = options.threads,
                             .body_limit_bytes = options.max_body_bytes,
                             .request_timeout = std::chrono::seconds(options.request_timeout_seconds),
                             .tls_cert_file = options.tls_cert,
                             .tls_key_file = options.tls_key},
      [&gate](api::HttpRequest& request, const api::Peer& peer) {
        return gate.Handle(request, peer);
      },
      [&store](std::function<void(Status)> done) { store.WhenDurable(std::move(done)); });
  parts->broker->AddMetricsSource([&server = *parts->server](api::MetricsWriter& out) {
    const api::HttpServer::RefusedCounts refused = server.refused();
    out.Family("civitas_http_refused_total", "counter",
               "Requests the HTTP layer refused before handling them (not in "
               "civitas_http_requests_total), by reason.");
    out.Sample(static_cast<double>(refused.malformed), {{"reason", "malformed"}});
    out.Sample(static_cast<double>(refused.body_too_large), {{"reason", "body_too_large"}});
    out.Sample(static_cast<double>(refused.headers_too_large), {{"reason", "headers_too_large"}});
    out.Sample(static_cast<double>(refused.timed_out), {{"reason", "timed_out"}});
  });
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
const std::string& EmbeddedServer::scheme() const { return parts_->scheme; }
store::Store& EmbeddedServer::store() { return *parts_->store; }
model::ContextStore& EmbeddedServer::contexts() { return *parts_->contexts; }
ingest::DeviceRegistry& EmbeddedServer::devices() { return *parts_->devices; }
ingest::MqttBridge::Counters EmbeddedServer::mqtt_counters() const {
  return parts_->mqtt ? parts_->mqtt->counters() : ingest::MqttBridge::Counters{};
}
void EmbeddedServer::Run() { parts_->server->Run(); }
void EmbeddedServer::Stop() { parts_->server->Stop(); }

}  // namespace civitas::cli
