#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "bulk.h"
#include "bulk_history.h"
#include "civitas/core/log.h"
#include "civitas/ingest/bulk.h"
#include "civitas/ingest/csv_mapping.h"
#include "civitas/ingest/observations.h"
#include "civitas/model/entity_ops.h"
#include "civitas/store/store.h"
#include "demo_terminal.h"
#include "server_config.h"

namespace civitas::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr size_t kBatch = 500;
// History records are a few hundred bytes, and a city's history is billions of them: larger
// durable batches keep the fsyncs few.
constexpr size_t kHistoryBatch = 20000;

bool ValidTenant(const std::string& tenant) {
  if (tenant.size() > 64) return false;
  return std::all_of(tenant.begin(), tenant.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

bool IsLines(const fs::path& path) {
  std::string name = path.filename().string();
  if (name.ends_with(".gz")) name.resize(name.size() - 3);
  return name.ends_with(".jsonl") || name.ends_with(".ndjson");
}

bool IsCsv(const fs::path& path) {
  std::string name = path.filename().string();
  if (name.ends_with(".gz")) name.resize(name.size() - 3);
  return name.ends_with(".csv");
}

bool Importable(const fs::path& path) {
  std::string name = path.filename().string();
  if (name.ends_with(".gz")) name.resize(name.size() - 3);
  return IsLines(path) || IsCsv(path) || name.ends_with(".json") || name.ends_with(".jsonld");
}

// A file read through zlib: gzip-compressed or plain (zlib reads both).
class InputFile {
 public:
  explicit InputFile(const fs::path& path) : file_(gzopen(path.c_str(), "rb")) {}
  ~InputFile() {
    if (file_ != nullptr) gzclose(file_);
  }
  bool ok() const { return file_ != nullptr; }
  // The next line without its newline; false at the end or on error (see failed()).
  bool ReadLine(std::string& line) {
    line.clear();
    char buffer[65536];
    while (gzgets(file_, buffer, sizeof buffer) != nullptr) {
      line += buffer;
      if (!line.empty() && line.back() == '\n') {
        line.pop_back();
        return true;
      }
    }
    return !line.empty();
  }
  bool ReadAll(std::string& text) {
    char buffer[65536];
    int n = 0;
    while ((n = gzread(file_, buffer, sizeof buffer)) > 0)
      text.append(buffer, static_cast<size_t>(n));
    return n == 0;
  }
  bool failed() {
    int error = Z_OK;
    gzerror(file_, &error);
    return error != Z_OK && error != Z_STREAM_END;
  }
  int64_t offset() { return gzoffset(file_); }  // compressed bytes consumed

 private:
  gzFile file_;
};

// Where an import of one file got to, kept in the store's metadata so a rerun resumes.
struct FileProgress {
  int64_t size = 0, mtime = 0, records = 0;
  bool complete = false;
};

// A history import keeps its own record: the same file imported as entities (all rejected) is
// not a done history import.
std::string ProgressKey(const fs::path& path, bool history) {
  return (history ? "import-history/" : "import/") + fs::absolute(path).string();
}

std::optional<FileProgress> LoadProgress(store::Store& store, const std::string& key) {
  for (const auto& [k, v] : store.ScanMeta(key)) {
    if (k != key) continue;
    boost::system::error_code ec;
    json::value parsed = json::parse(v, ec);
    if (ec || !parsed.is_object()) return std::nullopt;
    const auto& o = parsed.as_object();
    auto number = [&](const char* name) {
      const json::value* x = o.if_contains(name);
      return x != nullptr && x->is_int64() ? x->as_int64() : -1;
    };
    const json::value* complete = o.if_contains("complete");
    return FileProgress{number("size"), number("mtime"), number("records"),
                        complete != nullptr && complete->is_bool() && complete->as_bool()};
  }
  return std::nullopt;
}

class Importer {
 public:
  // `mappings` and `csv_measurement` (the mapping CSV rows go through) may be null / empty: no
  // CSV files then. With `history`, files hold history records (JSON Lines only).
  Importer(store::Store& store, model::ContextStore& contexts, std::string tenant,
           const ingest::IngestMappings* mappings, std::string csv_measurement, bool history)
      : store_(store),
        contexts_(contexts),
        core_(contexts.Core()),
        tenant_(std::move(tenant)),
        mappings_(mappings),
        csv_measurement_(std::move(csv_measurement)),
        history_(history) {
    if (mappings_ != nullptr) rows_.emplace(*mappings_);
  }

  // Imports one file; false when it could not be read or written.
  bool ImportFile(const fs::path& path, bool restart, ProgressBar& bar, int64_t total_bytes);
  void PrintSummary() const;
  int64_t rejected() const { return rejected_; }

 private:
  // Queues an accepted entity (replacing an earlier one of the same id) or counts a rejection.
  void Add(const std::string& where, int64_t position, Result<model::Entity> entity);
  // Queues an accepted history record with the other records of its entity, or counts a
  // rejection.
  void AddHistoryRecord(const std::string& where, int64_t position, Result<HistoryRecord> record);
  // Counts a CSV row that rows_ accepted, or its rejection.
  void Count(const std::string& where, int64_t position, const Status& added);
  void Reject(const std::string& where, int64_t position, const Status& why);
  Status Flush();

  store::Store& store_;
  model::ContextStore& contexts_;
  std::shared_ptr<const model::Context> core_;  // names in history records
  std::string tenant_;
  const ingest::IngestMappings* mappings_;  // null without --mapping or --csv
  std::string csv_measurement_;
  std::optional<ingest::ObservationBatch> rows_;  // CSV rows, merged into their entities
  const bool history_;
  struct Pending {
    model::Entity entity;  // with history_, only its id and the records' types
    std::vector<store::TemporalInstance> history;  // of every record of it in the batch
    std::vector<bool> kinds_named;  // with history_, per instance: HistoryRecord::kind_named
  };
  std::vector<Pending> batch_;
  std::map<std::string, size_t> index_;  // entity id → position in batch_
  size_t history_instances_ = 0;         // in batch_, with history_
  int64_t accepted_ = 0, rejected_ = 0, bytes_done_ = 0;
  std::vector<std::string> examples_;       // the first rejections, "file:position: reason"
  std::map<std::string, int64_t> reasons_;  // rejection message → count
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

void Importer::Reject(const std::string& where, int64_t position, const Status& why) {
  ++rejected_;
  ++reasons_[why.message()];
  if (examples_.size() < 20) {
    examples_.push_back(where + ":" + std::to_string(position) + ": " + why.message());
  }
}

void Importer::Count(const std::string& where, int64_t position, const Status& added) {
  if (added.ok()) {
    ++accepted_;
  } else {
    Reject(where, position, added);
  }
}

void Importer::Add(const std::string& where, int64_t position, Result<model::Entity> entity) {
  if (!entity.ok()) return Reject(where, position, entity.status());
  ++accepted_;
  // Every record's observations go to history, also when a later record of the same entity in
  // this batch replaces them in the entity's current state.
  std::vector<store::TemporalInstance> history;
  for (const model::Attribute& attribute : entity->attributes) {
    if (!attribute.observed_at) continue;
    if (auto instance = store::TemporalInstanceOf(attribute))
      history.push_back(std::move(*instance));
  }
  auto [it, added] = index_.emplace(entity->id, batch_.size());
  if (added) {
    batch_.push_back({std::move(*entity), std::move(history), {}});
    return;
  }
  Pending& pending = batch_[it->second];
  pending.entity = std::move(*entity);
  for (auto& instance : history) pending.history.push_back(std::move(instance));
}

void Importer::AddHistoryRecord(const std::string& where, int64_t position,
                                Result<HistoryRecord> record) {
  if (!record.ok()) return Reject(where, position, record.status());
  ++accepted_;
  ++history_instances_;
  // The export writes an entity's records together: they go into one write.
  auto [it, added] = index_.emplace(record->id, batch_.size());
  if (added) {
    model::Entity entity;
    entity.id = std::move(record->id);
    batch_.push_back({std::move(entity), {}, {}});
  }
  Pending& pending = batch_[it->second];
  pending.entity.types = std::move(record->types);
  pending.history.push_back(std::move(record->instance));
  pending.kinds_named.push_back(record->kind_named);
}

Status Importer::Flush() {
  const Timestamp now = Clock::System().Now();
  if (rows_ && rows_->entity_count() > 0) {
    CIVITAS_RETURN_IF_ERROR(ingest::WriteObservations(store_, tenant_, *rows_, now));
    rows_->Clear();
  }
  if (!batch_.empty()) {
    std::vector<std::string> ids;
    for (const auto& [id, index] : index_) ids.push_back(id);
    CIVITAS_RETURN_IF_ERROR(store_.Mutate(tenant_, ids, [&](store::Mutation& m) -> Status {
      for (Pending& pending : batch_) {
        if (history_) {
          // History only: the current entity, if any, is left alone, and its types win over
          // the record's (exports before this version name only the first of several).
          CIVITAS_ASSIGN_OR_RETURN(const model::Entity* current, m.Find(pending.entity.id));
          if (current != nullptr) pending.entity.types = current->types;
          for (size_t i = 0; i < pending.history.size(); ++i) {
            store::TemporalInstance& instance = pending.history[i];
            if (!instance.modified_at_us) instance.modified_at_us = now.time_since_epoch().count();
            // A record of an export that named no attributeType (older than it) read as a
            // Property: a text value takes the kind the entity's attribute has, so that a
            // Relationship's history stays one (its object, a URI, is text).
            if (current == nullptr || pending.kinds_named[i]) continue;
            const model::Attribute* now_kind = current->Find(instance.attr, instance.dataset_id);
            if (now_kind != nullptr && instance.value_kind == store::SampleKind::kText) {
              instance.kind = now_kind->kind;
            }
          }
          m.AddHistory(pending.entity.id, std::move(pending.entity.types),
                       std::move(pending.history));
          continue;
        }
        // A replace: an entity that exists keeps its creation time, unless the record (an
        // export) names one. Times the record carries are kept, the others are now.
        auto existing = m.Get(pending.entity.id);
        model::Entity entity = std::move(pending.entity);
        if (!entity.created_at && existing.ok()) entity.created_at = existing->created_at;
        model::StampMissing(entity, now);
        for (auto& instance : pending.history) {
          if (!instance.modified_at_us) instance.modified_at_us = now.time_since_epoch().count();
        }
        m.AddHistory(entity.id, entity.types, std::move(pending.history));
        m.Put(std::move(entity));
      }
      return Status::Ok();
    }));
    batch_.clear();
    index_.clear();
    history_instances_ = 0;
  }
  return store_.SyncDurable();
}

bool Importer::ImportFile(const fs::path& path, bool restart, ProgressBar& bar,
                          int64_t total_bytes) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    std::fprintf(stderr, "import: cannot read %s\n", path.c_str());
    return false;
  }
  const std::string key = ProgressKey(path, history_);
  FileProgress progress{static_cast<int64_t>(info.st_size), static_cast<int64_t>(info.st_mtime)};
  if (auto earlier = LoadProgress(store_, key);
      earlier && !restart && earlier->size == progress.size && earlier->mtime == progress.mtime) {
    if (earlier->complete) {
      std::fprintf(stderr, "import: %s was imported already (--restart imports it again)\n",
                   path.c_str());
      bytes_done_ += progress.size;
      return true;
    }
    progress.records = earlier->records;
    std::fprintf(stderr, "import: resuming %s after record %lld\n", path.c_str(),
                 static_cast<long long>(progress.records));
  }
  InputFile file(path);
  if (!file.ok()) {
    std::fprintf(stderr, "import: cannot open %s\n", path.c_str());
    return false;
  }
  const int64_t skip = progress.records;
  auto record_done = [&](int64_t position) -> bool {
    if (history_ ? history_instances_ < kHistoryBatch
                 : batch_.size() + static_cast<size_t>(rows_ ? rows_->accepted() : 0) < kBatch) {
      return true;
    }
    if (Status flushed = Flush(); !flushed.ok()) {
      std::fprintf(stderr, "import: writing %s: %s\n", path.c_str(), flushed.message().c_str());
      return false;
    }
    progress.records = position;
    (void)store_.PutMeta(key, json::serialize(json::object{{"size", progress.size},
                                                           {"mtime", progress.mtime},
                                                           {"records", progress.records}}));
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    bar.Update(bytes_done_ + file.offset(), total_bytes, accepted_ + rejected_, elapsed);
    return true;
  };
  const std::string where = path.string();
  if (history_ && !IsLines(path)) {
    std::fprintf(stderr, "import: --history reads JSON Lines (*.jsonl, *.ndjson), not %s\n",
                 path.c_str());
    return false;
  }
  if (IsCsv(path)) {
    if (mappings_ == nullptr) {
      std::fprintf(stderr, "import: %s is CSV: pass --mapping FILE or --csv MEASUREMENT\n",
                   path.c_str());
      return false;
    }
    std::string line;
    auto header = file.ReadLine(line)
                      ? ingest::ParseCsvRecord(line)
                      : Result<std::vector<std::string>>(BadRequestData("no header line"));
    auto layout = header.ok() ? ingest::MakeCsvLayout(*mappings_, csv_measurement_, *header)
                              : Result<ingest::CsvLayout>(header.status());
    if (!layout.ok()) {
      std::fprintf(stderr, "import: %s: %s\n", path.c_str(),
                   layout.status().message().c_str());
      return false;
    }
    int64_t position = 1;
    while (file.ReadLine(line)) {
      ++position;
      if (position <= skip || ingest::IsBlankLine(line)) continue;
      auto row = ingest::ParseCsvRecord(line);
      Count(where, position, row.ok() ? rows_->AddRow(*layout, *row) : row.status());
      if (!record_done(position)) return false;
    }
  } else if (IsLines(path)) {
    std::string line;
    int64_t position = 0;
    while (file.ReadLine(line)) {
      ++position;
      if (position <= skip || ingest::IsBlankLine(line)) continue;
      if (history_) {
        AddHistoryRecord(where, position, ParseHistoryRecord(line, *core_));
      } else {
        Add(where, position, ingest::ParseImportEntity(line, contexts_));
      }
      if (!record_done(position)) return false;
    }
  } else {
    std::string text;
    if (!file.ReadAll(text)) {
      std::fprintf(stderr, "import: cannot read %s\n", path.c_str());
      return false;
    }
    for (auto& record : ingest::ParseImportDocument(text, contexts_)) {
      if (record.position <= skip) continue;
      Add(where, record.position, std::move(record.entity));
      if (!record_done(record.position)) return false;
    }
  }
  if (file.failed()) {
    std::fprintf(stderr, "import: %s is damaged (gzip or read error)\n", path.c_str());
    return false;
  }
  if (Status flushed = Flush(); !flushed.ok()) {
    std::fprintf(stderr, "import: writing %s: %s\n", path.c_str(), flushed.message().c_str());
    return false;
  }
  (void)store_.PutMeta(
      key, json::serialize(json::object{
               {"size", progress.size}, {"mtime", progress.mtime}, {"complete", true}}));
  bytes_done_ += progress.size;
  return true;
}

void Importer::PrintSummary() const {
  std::fprintf(stderr, "import: %lld accepted, %lld rejected\n", static_cast<long long>(accepted_),
               static_cast<long long>(rejected_));
  for (const auto& example : examples_) std::fprintf(stderr, "  rejected %s\n", example.c_str());
  if (rejected_ > static_cast<int64_t>(examples_.size())) {
    std::fprintf(stderr, "  rejections by reason:\n");
    for (const auto& [reason, count] : reasons_) {
      std::fprintf(stderr, "  %8lld  %s\n", static_cast<long long>(count), reason.c_str());
    }
  }
}

// The mappings CSV rows go through and the measurement that picks one: a --mapping file, or
// civitas.yaml's ingest mapping of --csv MEASUREMENT. No mappings without either option.
struct CsvChoice {
  std::shared_ptr<const ingest::IngestMappings> mappings;
  std::string measurement;
};

Result<CsvChoice> CsvMappingOf(const ImportOptions& options, model::ContextStore& contexts) {
  CsvChoice choice;
  if (!options.csv.empty()) {
    CIVITAS_ASSIGN_OR_RETURN(auto config, LoadServerConfig(options.config, contexts));
    choice.mappings = std::move(config.ingest);
    choice.measurement = options.csv;
    return choice;
  }
  if (options.mapping.empty()) return choice;
  std::string text;
  InputFile file(options.mapping);
  if (!file.ok() || !file.ReadAll(text)) return IoError("--mapping: cannot read " + options.mapping);
  auto parsed = ingest::ParseCsvMapping(text);
  if (!parsed.ok()) return InvalidRequest("--mapping: " + parsed.status().message());
  choice.measurement = parsed->measurement;
  CIVITAS_ASSIGN_OR_RETURN(choice.mappings,
                           ingest::IngestMappings::Compile({.mappings = {std::move(*parsed)}},
                                                           contexts.Core(), "--mapping"));
  return choice;
}

}  // namespace

int Import(const ImportOptions& options) {
  log::Init("warn");
  if (!ValidTenant(options.tenant)) {
    std::fprintf(stderr, "import: --tenant must be letters, digits, '_' or '-' (at most 64)\n");
    return 2;
  }
  std::vector<fs::path> files;
  for (const auto& p : options.paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& entry : fs::recursive_directory_iterator(p, ec)) {
        if (entry.is_regular_file() &&
            (options.history ? IsLines(entry.path()) : Importable(entry.path()))) {
          files.push_back(entry.path());
        }
      }
    } else if (fs::is_regular_file(p, ec)) {
      files.emplace_back(p);
    } else {
      std::fprintf(stderr, "import: no such file or directory: %s\n", p.c_str());
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  auto store = store::Store::Open({.data_dir = options.data_dir});
  if (!store.ok()) {
    std::fprintf(stderr, "import: cannot open the store in %s (is a server using it?): %s\n",
                 options.data_dir.c_str(), store.status().message().c_str());
    return 2;
  }
  auto contexts = model::OpenContextStore("");
  if (!contexts.ok()) {
    std::fprintf(stderr, "import: %s\n", contexts.status().message().c_str());
    return 2;
  }
  int64_t total_bytes = 0;
  for (const auto& f : files) total_bytes += static_cast<int64_t>(fs::file_size(f));
  auto csv = CsvMappingOf(options, **contexts);
  if (!csv.ok()) {
    std::fprintf(stderr, "import: %s\n", csv.status().message().c_str());
    return 2;
  }
  Importer importer(**store, **contexts, options.tenant, csv->mappings.get(), csv->measurement,
                    options.history);
  ProgressBar bar("import");
  bool all_read = true;
  for (const auto& f : files)
    all_read = importer.ImportFile(f, options.restart, bar, total_bytes) && all_read;
  bar.Finish(std::to_string(files.size()) + " files");
  importer.PrintSummary();
  return all_read && importer.rejected() == 0 ? 0 : 1;
}

}  // namespace civitas::cli
