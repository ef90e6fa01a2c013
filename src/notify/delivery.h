#pragma once

// The transports of the Notifier: HTTP POST and MQTT publish. Internal to notify/.

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "civitas/core/status.h"
#include "civitas/notify/subscription.h"

struct mosquitto;

namespace civitas::notify {

using Headers = std::vector<std::pair<std::string, std::string>>;

// POSTs notifications over HTTP/1.1, keeping one idle keep-alive connection per host:port.
// Not thread-safe: each delivery worker owns one (with its own io_context).
class HttpDelivery {
 public:
  explicit HttpDelivery(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  // OK for a 2xx answer; kIoError naming the failure ("connection refused", "HTTP 500", "timed
  // out") otherwise. The whole exchange is bounded by the timeout.
  Status Post(const Endpoint& endpoint, const Headers& headers, const std::string& body);

 private:
  Status Exchange(boost::beast::tcp_stream& stream, const Endpoint& endpoint,
                  const Headers& headers, const std::string& body, bool& answered,
                  bool& keep_alive);

  std::chrono::milliseconds timeout_;
  boost::asio::io_context io_;
  std::map<std::string, std::unique_ptr<boost::beast::tcp_stream>> idle_;  // by host:port
};

// Publishes notifications with libmosquitto: one client per broker host:port, connected on first
// use and reconnected by its network thread. Thread-safe.
class MqttDelivery {
 public:
  MqttDelivery() = default;
  ~MqttDelivery();
  MqttDelivery(const MqttDelivery&) = delete;
  MqttDelivery& operator=(const MqttDelivery&) = delete;
  // OK once the client library accepted the message at the endpoint's QoS (for QoS 1 and 2 the
  // library completes the handshake); kIoError when the broker cannot be reached.
  Status Publish(const Endpoint& endpoint, const std::string& payload);

 private:
  std::mutex mu_;
  std::map<std::string, mosquitto*> clients_;  // guarded by mu_; owned
};

}  // namespace civitas::notify
