#pragma once

#include <string>
#include <vector>

namespace civitas::cli {

struct ImportOptions {
  std::vector<std::string> paths;  // files or directories (searched recursively)
  std::string data_dir = "data/serve";
  std::string tenant;
  bool restart = false;  // ignore what an earlier, interrupted import of a file recorded
  std::string mapping;   // column mapping for *.csv files (docs/formats/bulk.md)
  std::string csv;       // or: the civitas.yaml ingest mapping of this measurement for *.csv
  std::string config;    // civitas.yaml for --csv; empty: ./civitas.yaml when present
  bool history = false;  // the files hold history records (`civitas export --history`)
};

// `civitas import`: reads NGSI-LD entities from JSON / JSON-LD documents (*.json, *.jsonld: one
// entity or an array), JSON Lines (*.jsonl, *.ndjson) and CSV (*.csv, one observation of an
// entity per row through the --mapping file or the civitas.yaml mapping --csv names), each
// optionally gzip-compressed (.gz),
// and upserts them into the store of a data dir that no server has open. Batches of 500 are
// made durable before the file's progress is recorded in the store's metadata, so an
// interrupted import resumes after the last durable batch. Progress on stderr, then a summary
// of records accepted and rejected with the reasons. Exit 0 when everything was accepted, 1
// when records were rejected or a file could not be read, 2 for bad options or a store that
// cannot be opened. With history, the files are history JSON Lines (ParseHistoryRecord): each
// record is written as an instance of its entity's attribute history, the current entities
// left alone; an entity's consecutive records share a write, up to a cap per durable batch.
int Import(const ImportOptions& options);

struct ExportOptions {
  std::string data_dir = "data/serve";
  std::string tenant;
  std::string format = "jsonl";  // jsonl | geojson; for --history: jsonl | csv
  bool history = false;          // attribute history instead of the current entities
  std::string from, to;          // --history: ISO 8601 bounds [from, to) on observedAt
  std::string type;              // short type name (core context) or IRI; empty = every entity
  std::string output = "-";      // file, or "-" for stdout
};

// `civitas export`: streams the entities of a data dir (in id order, a page of 500 at a time, so
// memory stays constant) as JSON Lines (one normalized entity with its @context per line, the
// format `civitas import` reads) or as a GeoJSON FeatureCollection. Progress on stderr. Exit 0,
// 1 on a read or write error, 2 for bad options or a store that cannot be opened. With history,
// the attribute history instead (bulk_history.h), as JSON Lines or CSV.
int Export(const ExportOptions& options);

}  // namespace civitas::cli
