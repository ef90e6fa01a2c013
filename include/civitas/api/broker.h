#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "civitas/api/http_server.h"
#include "civitas/api/metrics.h"
#include "civitas/ingest/device_registry.h"
#include "civitas/ingest/ingest_mapping.h"
#include "civitas/model/context.h"
#include "civitas/store/store.h"

namespace civitas::notify {
class Notifier;  // civitas/notify/notifier.h
}  // namespace civitas::notify

namespace civitas::api {

struct BrokerOptions {
  size_t max_page_size = 1000;      // larger limit → 403 TooManyResults
  size_t default_page_size = 20;
  size_t max_batch_entities = 10000;
  // Temporal responses hold at most this many instances per attribute; more → 206 with
  // Content-Range (the client continues from the end of the range).
  size_t max_temporal_instances = 10000;
  // Threads one large query may use, its own included (a long page of history is rendered in
  // slices); 0 = one per core.
  size_t query_threads = 0;
  // How line protocol and CSV writes map to entities (civitas.yaml `ingest:`); null: the
  // built-in default mapping.
  std::shared_ptr<const ingest::IngestMappings> ingest{};
  // Largest body once decompressed (Content-Encoding: gzip); more → 413.
  size_t max_body_bytes = 64u << 20;
};

// Which entity ids a request may write (a device token's entity patterns).
using EntityFilter = std::function<bool(std::string_view entity_id)>;

// The NGSI-LD API (/ngsi-ld/v1/...), the compact ingest endpoints (/api/v2/write and /write
// for the InfluxDB line protocol, /api/v1/bulk/csv) plus /healthz and /readyz over a store and
// a context store, which must outlive it. Thread-safe: Handle is called concurrently from the server's
// threads. Never throws for bad input: every error is a ProblemDetails reply.
class Broker {
 public:
  // `devices`, when given, serves the IoT Agent provisioning API (/iot/services, /iot/devices);
  // `notifier`, when given, the subscriptions API (/ngsi-ld/v1/subscriptions).
  Broker(store::Store& store, model::ContextStore& contexts, const Clock& clock,
         BrokerOptions options = {}, ingest::DeviceRegistry* devices = nullptr,
         notify::Notifier* notifier = nullptr);
  ~Broker();

  // `writable`, when given, limits the entities the compact ingest endpoints may write (any
  // other entity: 403, nothing written); the other endpoints ignore it (the gate checks those).
  Reply Handle(HttpRequest& request, const EntityFilter* writable = nullptr);

  // /readyz answers 200 only after this (the listener is up).
  void SetReady(bool ready) { ready_.store(ready, std::memory_order_release); }
  // An extra condition for /readyz (e.g. the MQTT bridge is subscribed). Set before serving.
  void SetReadinessCheck(std::function<bool()> check) { readiness_check_ = std::move(check); }
  // GET /metrics gathers these, in the order added. Add before serving.
  void AddMetricsSource(MetricsSource source) { metrics_.push_back(std::move(source)); }

  struct Impl;  // the handlers (src/api/broker_impl.h)

 private:
  Reply Metrics(const HttpRequest& request) const;

  std::unique_ptr<Impl> impl_;
  std::atomic<bool> ready_{false};
  std::function<bool()> readiness_check_;
  std::vector<MetricsSource> metrics_;
};

}  // namespace civitas::api
