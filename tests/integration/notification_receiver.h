#pragma once

// Test endpoints for notifications: a real HTTP server on 127.0.0.1 (port 0) that records every
// request, and a real MQTT subscriber on a mosquitto broker. Tests wait for N notifications with
// a deadline instead of sleeping.

#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct mosquitto;

namespace civitas::testing {

struct ReceivedNotification {
  std::string target;                          // HTTP request target, or the MQTT topic
  std::map<std::string, std::string> headers;  // lower-case names (HTTP only)
  boost::json::value body;                     // parsed JSON (null when not JSON)
  int qos = -1;                                // MQTT QoS of the delivered message
  std::chrono::steady_clock::time_point received_at;
};

// Collects notifications; thread-safe.
class NotificationLog {
 public:
  void Add(ReceivedNotification notification);
  // Waits until at least `n` were received or `timeout` passed; the received ones (maybe fewer).
  std::vector<ReceivedNotification> WaitFor(
      size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  std::vector<ReceivedNotification> All() const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<ReceivedNotification> received_;
};

// An HTTP/1.1 server with keep-alive on 127.0.0.1 answering every request with `status()`
// (200 by default) and an empty body; requests are recorded (also the failed ones).
class HttpReceiver : public NotificationLog {
 public:
  HttpReceiver();
  ~HttpReceiver();
  int port() const { return port_; }
  std::string Url(const std::string& path = "/notify") const;
  void SetStatus(int status);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// A libmosquitto client subscribed to `topic` (QoS 1) on the broker at 127.0.0.1:port.
class MqttReceiver : public NotificationLog {
 public:
  MqttReceiver(int port, const std::string& topic);
  ~MqttReceiver();
  bool subscribed() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
  mosquitto* client_ = nullptr;
};

}  // namespace civitas::testing
