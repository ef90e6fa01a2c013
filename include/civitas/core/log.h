#pragma once

#include <spdlog/spdlog.h>

// Logging goes through spdlog's default logger (stderr). Never log request bodies, tokens or
// personal identifiers: log ids, counts and status codes.
namespace civitas::log {

// Sets the level from "trace" .. "off"; unknown names keep "info".
void Init(std::string_view level);

}  // namespace civitas::log
