#pragma once

#include <cstdint>
#include <string>

namespace civitas::cli {

struct DemoOptions {
  std::string data_dir = "data/demo";
  std::string http = "127.0.0.1:8080";
  std::string log_level = "warn";  // the status board is the demo's main output
  int threads = 2;
  uint64_t seed = 1;
  int districts = 8;
  int sensors = 1500;
  double speed = 60;            // simulated seconds per wall-clock second
  std::string backfill = "7d";  // history written at start: "0", "90m", "2h", "7d", ...
};

// `civitas demo`: a synthetic city (src/demo) streaming into an embedded server. Starts a
// mosquitto on a free loopback port, the server (as `serve`, with the MQTT bridge on that
// broker), prints `civitas listening on http://HOST:PORT`, writes the backfill straight into
// the store (or only the gap since the last run over the same data dir), provisions every
// device as an IoT Agent device and then publishes live measures over MQTT at --speed, with a
// status board on stdout, until SIGINT/SIGTERM. Exit codes as `serve`: 0 clean, 1 runtime
// failure, 2 bad options (including a data dir that holds a different demo city).
int Demo(const DemoOptions& options);

}  // namespace civitas::cli
