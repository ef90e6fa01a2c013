#pragma once
// The load driver: N keep-alive HTTP/1.1 connections on one Asio io_context (run by T client
// threads), each a coroutine sending one request at a time (closed loop). Stops issuing requests
// once `max_requests` were issued or `duration` elapsed, whichever is first.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bench/load/workload.h"

namespace civitas::bench {

struct DriverOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  int connections = 1;
  int threads = 1;                 // client threads running the io_context
  uint64_t max_requests = 1000;
  std::chrono::milliseconds duration{60'000};
  std::chrono::milliseconds request_timeout{60'000};
};

struct DriverResult {
  uint64_t ok = 0;      // 2xx other than 207
  uint64_t errors = 0;  // other statuses, 207, and transport errors
  uint64_t transport_errors = 0;
  uint64_t response_bytes = 0;  // bodies of ok responses
  std::map<unsigned, uint64_t> statuses;
  std::string first_error;  // the first error status line + body, or transport error
  double seconds = 0;       // first request sent .. last response read
  std::vector<uint32_t> latencies_us;  // of every completed request, sorted ascending
};

// Runs `workload` against host:port. Blocks until every connection has finished.
DriverResult RunLoad(const DriverOptions& options, const Workload& workload);

}  // namespace civitas::bench
