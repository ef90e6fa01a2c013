#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>

#include "civitas/core/result.h"

namespace civitas::cli {

// A mosquitto broker child process on 127.0.0.1 for `civitas demo`: its config
// (mosquitto.conf, anonymous access, no persistence, no log file) lives in `dir`.
// Not thread-safe; the destructor stops it (SIGTERM, then waits).
class MosquittoProcess {
 public:
  // Starts /usr/sbin/mosquitto (or $CIVITAS_MOSQUITTO) on a free port and waits up to 10 s until
  // it accepts connections. kNotFound when the binary is missing, kIoError when it does not come
  // up.
  static Result<std::unique_ptr<MosquittoProcess>> Start(const std::filesystem::path& dir);
  ~MosquittoProcess();
  MosquittoProcess(const MosquittoProcess&) = delete;
  MosquittoProcess& operator=(const MosquittoProcess&) = delete;

  uint16_t port() const { return port_; }

 private:
  MosquittoProcess(pid_t pid, uint16_t port) : pid_(pid), port_(port) {}
  pid_t pid_;
  uint16_t port_;
};

}  // namespace civitas::cli
