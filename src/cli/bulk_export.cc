#include <chrono>
#include <cstdio>
#include <memory>

#include "bulk.h"
#include "civitas/core/log.h"
#include "civitas/ingest/bulk.h"
#include "civitas/store/store.h"
#include "demo_terminal.h"

namespace civitas::cli {
namespace {

constexpr size_t kPage = 500;

struct FileCloser {
  void operator()(FILE* f) const {
    if (f != stdout) std::fclose(f);
  }
};

}  // namespace

int Export(const ExportOptions& options) {
  log::Init("warn");
  const bool geojson = options.format == "geojson";
  if (!geojson && options.format != "jsonl") {
    std::fprintf(stderr, "export: --format must be jsonl or geojson\n");
    return 2;
  }
  auto store = store::Store::Open({.data_dir = options.data_dir});
  if (!store.ok()) {
    std::fprintf(stderr, "export: cannot open the store in %s (is a server using it?): %s\n",
                 options.data_dir.c_str(), store.status().message().c_str());
    return 2;
  }
  auto contexts = model::OpenContextStore("");
  if (!contexts.ok()) {
    std::fprintf(stderr, "export: %s\n", contexts.status().message().c_str());
    return 2;
  }
  auto core = (*contexts)->Core();
  std::unique_ptr<FILE, FileCloser> out(
      options.output == "-" ? stdout : std::fopen(options.output.c_str(), "w"));
  if (!out) {
    std::fprintf(stderr, "export: cannot write %s\n", options.output.c_str());
    return 1;
  }
  const std::string type = options.type.empty() ? "" : core->ExpandTerm(options.type);
  int64_t total = 0;
  for (const auto& t : (*store)->Types(options.tenant)) {
    if (type.empty() || t.name == type) total += t.count;
  }
  auto view = (*store)->Read(options.tenant);
  ProgressBar bar("export");
  auto started = std::chrono::steady_clock::now();
  if (geojson) std::fputs("{\"type\":\"FeatureCollection\",\"features\":[\n", out.get());
  int64_t written = 0;
  std::string from;
  for (;;) {
    // One page of ids at a time: memory stays constant however large the store is.
    std::vector<std::string> ids;
    auto collect = [&](std::string_view id) {
      ids.emplace_back(id);
      return ids.size() < kPage;
    };
    Status scanned =
        type.empty() ? view->ScanAll(from, collect) : view->ScanType(type, from, collect);
    if (!scanned.ok()) {
      std::fprintf(stderr, "export: %s\n", scanned.message().c_str());
      return 1;
    }
    if (ids.empty()) break;
    auto entities = view->MultiGet(ids);
    if (!entities.ok()) {
      std::fprintf(stderr, "export: %s\n", entities.status().message().c_str());
      return 1;
    }
    for (const auto& entity : *entities) {
      if (!entity) continue;  // deleted since the scan
      std::string line = geojson ? ingest::EntityGeoJsonFeature(*entity, *core)
                                 : ingest::EntityJsonLine(*entity, *core, model::kCoreContextUrl);
      if (geojson && written > 0) std::fputs(",\n", out.get());
      std::fputs(line.c_str(), out.get());
      if (!geojson) std::fputc('\n', out.get());
      ++written;
    }
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    bar.Update(written, total, written, elapsed);
    if (ids.size() < kPage) break;
    from = ids.back() + '\0';  // the first id after the last one
  }
  if (geojson) std::fputs("\n]}\n", out.get());
  if (std::fflush(out.get()) != 0 || std::ferror(out.get())) {
    std::fprintf(stderr, "export: write error on %s\n", options.output.c_str());
    return 1;
  }
  bar.Finish(std::to_string(written) + " entities");
  return 0;
}

}  // namespace civitas::cli
