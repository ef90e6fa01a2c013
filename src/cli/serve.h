#pragma once

#include <csignal>
#include <string>

#include "civitas/core/status.h"

namespace civitas::cli {

struct ServeOptions {
  std::string data_dir = "data/serve";
  std::string http = "127.0.0.1:8080";
  std::string context_dir;
  std::string config;  // civitas.yaml path; empty: ./civitas.yaml when present
  std::string mqtt;  // HOST:PORT of an MQTT broker for device ingest; empty: none
  std::string log_level = "info";
  int threads = 2;
  size_t max_temporal_instances = 10000;  // per attribute in a temporal response
};

// `civitas serve`: opens the store, serves the API until SIGINT/SIGTERM. Exit code 0 on a clean
// shutdown, 1 when the store or listener cannot be opened, 2 for bad options.
int Serve(const ServeOptions& options);

// Blocks SIGINT and SIGTERM in the calling thread (and every thread it starts later), for one
// thread to take them with sigwait; returns that set. Call before starting any thread.
sigset_t BlockShutdownSignals();
// The exit code for a failed start: 2 for bad options (kInvalidRequest), 1 otherwise.
int ExitCodeOf(const Status& status);

}  // namespace civitas::cli
