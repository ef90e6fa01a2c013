#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/time.h"
#include "civitas/ingest/device_registry.h"
#include "civitas/ingest/topic.h"
#include "civitas/model/context.h"
#include "civitas/store/store.h"

struct mosquitto;

namespace civitas::ingest {

// Subscribes to the FIWARE IoT Agent measure topics on an MQTT broker (libmosquitto) and turns
// every message from a provisioned device into attribute updates of its entity (created on the
// first measure). Topics: /<apikey>/<device>/attrs[/<attr>] and the same under /json and /ul.
//
// Threading: libmosquitto's network thread only reads the topic and hands the message to one of
// `workers` threads, chosen by device, so a device's messages are applied in the order they
// arrived. A worker takes every message queued for it and writes them in one store mutation (at
// most one message per entity in a mutation, so history keeps every measure); the store and
// registry are thread-safe. A full worker queue holds the network thread back (backpressure to
// the broker) rather than dropping. Unknown devices and malformed payloads are counted and
// logged at most once per device per minute, never with the payload (it may carry personal
// identifiers). Delivery is at-most-once today: a message is acknowledged to the broker before
// it is applied.
//
// mqtts: the bridge verifies the broker's certificate against `ca_file` (and its name against
// the host it connects to) and speaks TLS 1.2+; `cert_file`/`key_file` add a client certificate.
struct MqttTls {
  std::string ca_file;
  std::string cert_file;  // optional
  std::string key_file;   // with cert_file
};

class MqttBridge {
 public:
  struct Options {
    int workers = 2;                  // threads applying measures; >= 1
    size_t queue_capacity = 8192;     // messages waiting per worker before backpressure
    size_t max_batch_messages = 512;  // messages per store mutation
  };

  MqttBridge(DeviceRegistry& registry, store::Store& store, model::ContextStore& contexts,
             const Clock& clock, Options options);
  ~MqttBridge();  // Stop()

  // Starts the workers, connects to host:port in the background and subscribes once connected;
  // reconnects with backoff. With `tls`, connects over TLS (mqtts). kInvalidRequest for an
  // unusable address or TLS files.
  Status Start(const std::string& host, uint16_t port, const MqttTls* tls = nullptr);
  // Disconnects, applies what is queued, joins the workers.
  void Stop();
  // True once the broker acknowledged every subscription (after the latest connect).
  bool subscribed() const { return subscribed_.load(std::memory_order_acquire); }

  struct Counters {
    uint64_t received = 0;
    uint64_t applied = 0;
    uint64_t rejected = 0;
  };
  Counters counters() const;

  // libmosquitto callbacks (C linkage trampolines call these).
  void OnConnect(int rc);
  void OnSubscribe();
  void OnMessage(std::string_view topic, std::string_view payload);

 private:
  // A measure message, its topic parsed on the network thread (which needs the device anyway,
  // to choose the worker).
  struct Message {
    DeviceTopic topic;
    std::string payload;
  };
  class Worker;
  // A message turned into its entity's update: parsed attributes, ready to write.
  struct Update;

  // Runs on a worker: prepares the messages, writes them in as few mutations as order allows.
  void ApplyMessages(std::vector<Message>& messages);
  Result<Update> Prepare(const Message& message);
  void ApplyBatch(std::vector<Update>& batch);
  void LogRejection(std::string_view device_id, const Status& status);

  DeviceRegistry& registry_;
  store::Store& store_;
  model::ContextStore& contexts_;
  const Clock& clock_;
  const Options options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  struct mosquitto* client_ = nullptr;
  std::atomic<bool> subscribed_{false};
  std::atomic<uint64_t> received_{0};  // relaxed: statistics only
  std::atomic<uint64_t> applied_{0};
  std::atomic<uint64_t> rejected_{0};
  std::mutex log_mu_;
  std::map<std::string, Timestamp, std::less<>> last_logged_;  // guarded by log_mu_
};

}  // namespace civitas::ingest
