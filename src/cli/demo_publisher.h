#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "civitas/core/status.h"

struct mosquitto;

namespace civitas::cli {

// The demo's devices' side of MQTT: one libmosquitto client that publishes measures (QoS 1) to
// the demo's broker on 127.0.0.1. libmosquitto's own thread does the network I/O; Publish may
// be called from one thread at a time.
class MeasurePublisher {
 public:
  MeasurePublisher() = default;
  ~MeasurePublisher();  // disconnects
  MeasurePublisher(const MeasurePublisher&) = delete;
  MeasurePublisher& operator=(const MeasurePublisher&) = delete;

  // kIoError when the broker cannot be reached.
  Status Connect(uint16_t port);
  // Queues one message; kIoError when the client refuses it (e.g. disconnected).
  Status Publish(const std::string& topic, const std::string& payload);
  // Messages the broker has acknowledged.
  uint64_t acknowledged() const { return acknowledged_.load(std::memory_order_relaxed); }

 private:
  mosquitto* client_ = nullptr;
  std::atomic<uint64_t> acknowledged_{0};  // relaxed: a display figure
};

}  // namespace civitas::cli
