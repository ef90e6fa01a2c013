#include "civitas/core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace civitas::log {

void Init(std::string_view level) {
  auto logger = spdlog::stderr_color_mt("civitas");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  auto parsed = spdlog::level::from_str(std::string(level));
  spdlog::set_level(parsed == spdlog::level::off && level != "off" ? spdlog::level::info : parsed);
}

}  // namespace civitas::log
