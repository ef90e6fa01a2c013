#pragma once

// Helpers of the write tests: gzip bodies, and writers that run until the server is killed.

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness.h"

namespace civitas::testing {

// gzip of `text` (one member), and its inverse; a damaged stream fails the test.
std::string Gzip(std::string_view text);
std::string Gunzip(std::string_view gz);

// Runs `writers` threads, each with its own connection, calling `write(client, writer, i)` for
// i = 0, 1, ... (the write's HTTP status: 2xx acknowledged, 0 the server is gone), and SIGKILLs
// `server` as soon as `kill_after` writes are acknowledged, while the others are in flight.
// Returns the (writer, i) of every acknowledged write.
using Writer = std::function<int(HttpClient& client, int writer, int i)>;
std::vector<std::pair<int, int>> AcknowledgedBeforeSigkill(ServerProcess& server, int writers,
                                                           size_t kill_after, const Writer& write);

}  // namespace civitas::testing
