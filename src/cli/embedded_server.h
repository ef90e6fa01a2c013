#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "civitas/core/result.h"
#include "civitas/ingest/mqtt_bridge.h"
#include "serve.h"

namespace civitas::store {
class Store;
}
namespace civitas::model {
class ContextStore;
}
namespace civitas::ingest {
class DeviceRegistry;
}

namespace civitas::cli {

// The server that `civitas serve` runs, as an object another command can embed (`civitas demo`
// writes into its store while it serves). Start opens the store and contexts, loads provisioned
// devices, connects the MQTT bridge when options.mqtt is set (waiting up to 10 s for its
// subscription) and binds the listener; Run serves until Stop.
// Thread-safety: Run on one thread; Stop and the accessors from any thread.
class EmbeddedServer {
 public:
  // kInvalidRequest for bad options (--http, --mqtt); kIoError / other codes when the data dir,
  // the store, the contexts or the listener cannot be opened.
  static Result<std::unique_ptr<EmbeddedServer>> Start(const ServeOptions& options);
  ~EmbeddedServer();

  uint16_t port() const;
  const std::string& host() const;
  const std::string& scheme() const;  // "http" or "https"
  store::Store& store();
  model::ContextStore& contexts();
  ingest::DeviceRegistry& devices();
  // The bridge's counters (all zero without --mqtt).
  ingest::MqttBridge::Counters mqtt_counters() const;

  void Run();
  void Stop();

 private:
  struct Parts;
  explicit EmbeddedServer(std::unique_ptr<Parts> parts);
  // GET /metrics: the HTTP requests, the store, notifications and the MQTT bridge.
  static void AddMetricsSources(Parts& parts);
  std::unique_ptr<Parts> parts_;
};

// Splits "HOST:PORT"; kInvalidRequest naming `what` otherwise.
Result<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& address,
                                                       std::string_view what);

}  // namespace civitas::cli
