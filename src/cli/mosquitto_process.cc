#include "mosquitto_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

extern char** environ;

namespace civitas::cli {
namespace {

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// A port nobody listens on right now. Another process may take it before mosquitto binds it;
// then mosquitto exits and Start reports it.
uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof addr;
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool Accepts(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = Loopback(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

}  // namespace

Result<std::unique_ptr<MosquittoProcess>> MosquittoProcess::Start(
    const std::filesystem::path& dir) {
  const char* override_binary = std::getenv("CIVITAS_MOSQUITTO");
  std::string binary = override_binary != nullptr ? override_binary : "/usr/sbin/mosquitto";
  if (access(binary.c_str(), X_OK) != 0) {
    return NotFound("mosquitto not found at " + binary + " (apt-get install mosquitto)");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("cannot create " + dir.string() + ": " + ec.message());
  uint16_t port = FreePort();
  if (port == 0) return IoError("no free port for mosquitto");
  auto conf = dir / "mosquitto.conf";
  {
    std::ofstream out(conf);
    out << "# Written by civitas demo at each start.\nlistener " << port
        << " 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n";
    if (!out) return IoError("cannot write " + conf.string());
  }
  std::vector<std::string> args = {binary, "-c", conf.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The caller blocks SIGTERM for its sigwait thread; the broker must not inherit that mask,
  // or it could not be stopped.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  int spawned = posix_spawn(&pid, binary.c_str(), nullptr, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (spawned != 0) return IoError("cannot start " + binary);
  auto process = std::unique_ptr<MosquittoProcess>(new MosquittoProcess(pid, port));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!Accepts(port)) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      process->pid_ = -1;
      return IoError("mosquitto exited at start (port " + std::to_string(port) + " taken?)");
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return IoError("mosquitto did not accept connections within 10 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return process;
}

MosquittoProcess::~MosquittoProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
}

}  // namespace civitas::cli
