#pragma once

// A real mosquitto broker for integration tests, on a free 127.0.0.1 port, stopped with the
// object.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace civitas::testing {

class Mosquitto {
 public:
  // Writes its config into `dir` and waits (up to 10 s) until it accepts connections. With
  // `tls_dir` (cert.pem, key.pem from MakeTestCertificate) the listener is mqtts only.
  explicit Mosquitto(const std::filesystem::path& dir, const std::filesystem::path& tls_dir = {});
  ~Mosquitto();  // SIGTERM, then wait
  int port() const { return port_; }

 private:
  int port_;
  pid_t pid_ = -1;
};

// Publishes one message with QoS 1 to the broker on 127.0.0.1:port; true once acknowledged.
// Over TLS, verifying the broker against `ca_file`, when it is given.
bool Publish(int port, const std::string& topic, const std::string& payload,
             const std::string& ca_file = "");
// Publishes every (topic, payload) in order on one connection with QoS 1; true once the broker
// acknowledged them all (bounded by 10 s).
bool PublishAll(int port, const std::vector<std::pair<std::string, std::string>>& messages);

}  // namespace civitas::testing
