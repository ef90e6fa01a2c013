#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "civitas/core/time.h"
#include "civitas/ingest/device_registry.h"
#include "civitas/model/context.h"
#include "civitas/store/store.h"

struct mosquitto;

namespace civitas::ingest {

// Subscribes to the FIWARE IoT Agent measure topics on an MQTT broker (libmosquitto) and turns
// every message from a provisioned device into attribute updates of its entity (created on the
// first measure). Topics: /<apikey>/<device>/attrs[/<attr>] and the same under /json and /ul.
//
// Threading: libmosquitto's network thread calls HandleMessage; the store and registry are
// thread-safe. Unknown devices and malformed payloads are counted and logged at most once per
// device per minute, never with the payload (it may carry personal identifiers).
// Delivery is at-most-once today: a message is acknowledged to the broker before it is applied.
// mqtts: the bridge verifies the broker's certificate against `ca_file` (and its name against
// the host it connects to) and speaks TLS 1.2+; `cert_file`/`key_file` add a client certificate.
struct MqttTls {
  std::string ca_file;
  std::string cert_file;  // optional
  std::string key_file;   // with cert_file
};

class MqttBridge {
 public:
  MqttBridge(DeviceRegistry& registry, store::Store& store, model::ContextStore& contexts,
             const Clock& clock);
  ~MqttBridge();  // Stop()

  // Connects to host:port in the background and subscribes once connected; reconnects with
  // backoff. With `tls`, connects over TLS (mqtts). kInvalidRequest for an unusable address or
  // TLS files.
  Status Start(const std::string& host, uint16_t port, const MqttTls* tls = nullptr);
  void Stop();
  // True once the broker acknowledged every subscription (after the latest connect).
  bool subscribed() const { return subscribed_.load(std::memory_order_acquire); }

  // Applies one message. kBadRequestData / kNotFound say why it was rejected.
  Status HandleMessage(std::string_view topic, std::string_view payload);

  struct Counters {
    uint64_t received = 0;
    uint64_t applied = 0;
    uint64_t rejected = 0;
  };
  Counters counters() const;

 private:
  void LogRejection(std::string_view device_id, const Status& status);
  Status Apply(const std::string& entity_id, const std::string& entity_type,
               const std::vector<boost::json::object>& fragments);

  DeviceRegistry& registry_;
  store::Store& store_;
  model::ContextStore& contexts_;
  const Clock& clock_;
  struct mosquitto* client_ = nullptr;
  std::atomic<bool> subscribed_{false};
  std::atomic<uint64_t> received_{0};  // relaxed: statistics only
  std::atomic<uint64_t> applied_{0};
  std::atomic<uint64_t> rejected_{0};
  std::mutex log_mu_;
  std::map<std::string, Timestamp, std::less<>> last_logged_;  // guarded by log_mu_

 public:
  // libmosquitto callbacks (C linkage trampolines call these).
  void OnConnect(int rc);
  void OnSubscribe();
};

}  // namespace civitas::ingest
