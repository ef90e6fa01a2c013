#pragma once

#include <csignal>
#include <string>
#include <vector>

#include "civitas/core/status.h"

namespace civitas::cli {

struct ServeOptions {
  std::string data_dir = "data/serve";
  std::string http = "127.0.0.1:8080";
  std::string context_dir;
  std::string config;  // civitas.yaml path; empty: ./civitas.yaml when present
  std::string mqtt;  // HOST:PORT of an MQTT broker for device ingest; empty: none
  std::string mqtt_ca_file;  // set: mqtts, the broker's certificate is verified against it
  std::string mqtt_cert;     // optional client certificate and key for mqtts
  std::string mqtt_key;
  std::string log_level = "info";
  int threads = 2;
  size_t max_temporal_instances = 10000;  // per attribute in a temporal response
  size_t query_threads = 0;               // api::BrokerOptions::query_threads

  // Security (src/security/README.md). The admin bootstrap token comes from the environment
  // (CIVITAS_ADMIN_TOKEN), never from a flag, so it stays out of `ps`.
  bool insecure_no_auth = false;
  bool metrics_public = false;
  std::string tls_cert;
  std::string tls_key;
  std::string jwt_hs256_secret_file;
  std::string jwt_public_key;  // PEM file
  std::string jwks_file;
  std::string jwt_issuer;
  std::string jwt_audience;
  double rate_limit = 5000;  // requests per second, per token and per source address
  double rate_burst = 10000;
  double auth_failures_per_minute = 10;  // then the address is locked out (429)
  size_t max_body_bytes = 64u << 20;
  int request_timeout_seconds = 30;
  std::vector<std::string> cors_origins;  // browser origins allowed to call the API
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
