#include "compact.h"

#include <cstdio>
#include <filesystem>

#include "civitas/core/log.h"
#include "civitas/model/context.h"
#include "civitas/store/store.h"
#include "server_config.h"

namespace civitas::cli {
namespace {

uintmax_t DirectoryBytes(const std::string& dir) {
  uintmax_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  }
  return total;
}

}  // namespace

int Compact(const CompactOptions& options) {
  log::Init("warn");
  if (!std::filesystem::is_directory(options.data_dir)) {
    spdlog::error("no data dir at {}", options.data_dir);
    return 1;
  }
  auto contexts = model::OpenContextStore(options.context_dir);
  if (!contexts.ok()) {
    spdlog::error("{}", contexts.status().message());
    return 2;
  }
  auto config = LoadServerConfig(options.config, **contexts);
  if (!config.ok()) {
    spdlog::error("{}", config.status().message());
    return 2;
  }
  const uintmax_t before = DirectoryBytes(options.data_dir);
  {
    auto store = store::Store::Open({.data_dir = options.data_dir, .retention = config->retention});
    if (!store.ok()) {
      spdlog::error("{}", store.status().message());
      return 1;
    }
    if (Status compacted = (*store)->Compact(); !compacted.ok()) {
      spdlog::error("{}", compacted.message());
      return 1;
    }
  }
  std::printf("compacted %s: %ju bytes before, %ju bytes after\n", options.data_dir.c_str(), before,
              DirectoryBytes(options.data_dir));
  return 0;
}

}  // namespace civitas::cli
