#include <chrono>
#include <cstdio>
#include <memory>

#include "bulk.h"
#include "bulk_history.h"
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
  if (options.history ? options.format != "jsonl" && options.format != "csv"
                      : !geojson && options.format != "jsonl") {
    std::fprintf(stderr, options.history ? "export: --format must be jsonl or csv with --history\n"
                                         : "export: --format must be jsonl or geojson\n");
    return 2;
  }
  HistoryExport history;
  history.tenant = options.tenant;
  history.csv = options.format == "csv";
  for (auto [text, bound] :
       {std::pair{&options.from, &history.from_us}, std::pair{&options.to, &history.to_us}}) {
    if (text->empty()) continue;
    auto t = ParseTimestamp(*text);
    if (!t.ok()) {
      std::fprintf(stderr, "export: --from/--to: %s\n", t.status().message().c_str());
      return 2;
    }
    *bound = t->time_since_epoch().count();
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
  if (options.history) {
    history.type = type;
    ProgressBar bar("export history");
    auto started = std::chrono::steady_clock::now();
    int64_t records = 0;
    Status written = WriteHistory(**store, *core, history, out.get(), [&](int64_t n) {
      records = n;
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      bar.Update(0, 0, n, s);
    });
    if (!written.ok() || std::fflush(out.get()) != 0 || std::ferror(out.get())) {
      std::fprintf(stderr, "export: %s\n",
                   written.ok() ? "write error" : written.message().c_str());
      return 1;
    }
    bar.Finish(std::to_string(records) + " instances");
    return 0;
  }
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
    auto entities = view->MultiGet(ids, {});
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
