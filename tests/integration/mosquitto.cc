#include "mosquitto.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

extern char** environ;

namespace civitas::testing {
namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool CanConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

}  // namespace

Mosquitto::Mosquitto(const std::filesystem::path& dir, const std::filesystem::path& tls_dir)
    : port_(FreePort()) {
  auto conf = dir / "mosquitto.conf";
  std::ofstream out(conf);
  out << "listener " << port_ << " 127.0.0.1\nallow_anonymous true\nlog_dest none\n";
  if (!tls_dir.empty()) {
    out << "certfile " << (tls_dir / "cert.pem").string() << "\nkeyfile "
        << (tls_dir / "key.pem").string() << "\ntls_version tlsv1.2\n";
  }
  out.close();
  std::string binary = "/usr/sbin/mosquitto";
  std::vector<std::string> args = {binary, "-c", conf.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = SpawnTiedChild(argv, environ);
  if (pid_ < 0) {
    ADD_FAILURE() << "cannot start mosquitto";
    pid_ = -1;
    return;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!CanConnect(port_) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
}

Mosquitto::~Mosquitto() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
}

bool Publish(int port, const std::string& topic, const std::string& payload,
             const std::string& ca_file) {
  mosquitto_lib_init();
  struct Acked {
    bool done = false;
  } acked;
  mosquitto* client = mosquitto_new(nullptr, true, &acked);
  mosquitto_publish_callback_set(
      client, [](mosquitto*, void* user, int) { static_cast<Acked*>(user)->done = true; });
  if (!ca_file.empty()) {
    mosquitto_tls_set(client, ca_file.c_str(), nullptr, nullptr, nullptr, nullptr);
  }
  bool ok = mosquitto_connect(client, "127.0.0.1", port, 10) == MOSQ_ERR_SUCCESS &&
            mosquitto_publish(client, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                              payload.data(), 1, false) == MOSQ_ERR_SUCCESS;
  for (int i = 0; ok && !acked.done && i < 100; ++i) mosquitto_loop(client, 100, 1);
  mosquitto_disconnect(client);
  mosquitto_destroy(client);
  return ok && acked.done;
}

// Publishes every (topic, payload) in order on one connection with QoS 1; true once the broker
// acknowledged them all.
bool PublishAll(int port, const std::vector<std::pair<std::string, std::string>>& messages) {
  mosquitto_lib_init();
  struct Acked {
    size_t count = 0;
  } acked;
  mosquitto* client = mosquitto_new(nullptr, true, &acked);
  mosquitto_publish_callback_set(
      client, [](mosquitto*, void* user, int) { ++static_cast<Acked*>(user)->count; });
  bool ok = mosquitto_connect(client, "127.0.0.1", port, 10) == MOSQ_ERR_SUCCESS;
  for (const auto& [topic, payload] : messages) {
    ok = ok && mosquitto_publish(client, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                                 payload.data(), 1, false) == MOSQ_ERR_SUCCESS;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ok && acked.count < messages.size() && std::chrono::steady_clock::now() < deadline) {
    mosquitto_loop(client, 100, 1);
  }
  mosquitto_disconnect(client);
  mosquitto_destroy(client);
  return ok && acked.count == messages.size();
}

}  // namespace civitas::testing
