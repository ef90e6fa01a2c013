// The civitas command line: `civitas serve ...`, `civitas demo ...`.

#include <CLI/CLI.hpp>

#include "bulk.h"
#include "compact.h"
#include "demo.h"
#include "serve.h"

int main(int argc, char** argv) {
  CLI::App app{"civitas: an open smart-city data platform (NGSI-LD broker)"};
  app.require_subcommand(1);

  civitas::cli::ServeOptions serve;
  auto* serve_cmd = app.add_subcommand("serve", "Serve the NGSI-LD API");
  serve_cmd->add_option("--data-dir", serve.data_dir, "Directory of the store")
      ->capture_default_str();
  serve_cmd->add_option("--http", serve.http, "Listen address HOST:PORT (port 0 = any free)")
      ->capture_default_str();
  serve_cmd->add_option("--threads", serve.threads, "HTTP event-loop threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  serve_cmd->add_option("--context-dir", serve.context_dir,
                        "Directory of extra @context files (see docs/formats/jsonld-contexts.md)");
  serve_cmd->add_option("--config", serve.config,
                        "Configuration file (default: ./civitas.yaml when present; see "
                        "docs/formats/civitas-yaml.md)");
  serve_cmd->add_option("--mqtt", serve.mqtt,
                        "MQTT broker HOST:PORT for device measures (FIWARE IoT Agent topics)");
  serve_cmd
      ->add_option("--max-temporal-instances", serve.max_temporal_instances,
                   "Instances per attribute in a temporal response; more → 206")
      ->check(CLI::Range(1, 100000000))
      ->capture_default_str();
  serve_cmd->add_option("--log-level", serve.log_level, "trace, debug, info, warn, error, off")
      ->capture_default_str();

  civitas::cli::CompactOptions compact;
  auto* compact_cmd = app.add_subcommand(
      "compact", "Compact a data dir no server has open (drops dead data, applies retention)");
  compact_cmd->add_option("--data-dir", compact.data_dir, "Directory of the store")
      ->capture_default_str();
  compact_cmd->add_option("--config", compact.config, "Configuration file (retention rules)");
  compact_cmd->add_option("--context-dir", compact.context_dir,
                          "Directory of extra @context files");

  civitas::cli::DemoOptions demo;
  auto* demo_cmd = app.add_subcommand("demo", "Run a synthetic city streaming into a server");
  demo_cmd->add_option("--data-dir", demo.data_dir, "Directory of the store")
      ->capture_default_str();
  demo_cmd->add_option("--http", demo.http, "Listen address HOST:PORT (port 0 = any free)")
      ->capture_default_str();
  demo_cmd->add_option("--threads", demo.threads, "HTTP and backfill threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  demo_cmd->add_option("--seed", demo.seed, "Seed of the city: same seed, same city and data")
      ->capture_default_str();
  demo_cmd->add_option("--districts", demo.districts, "Number of districts")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  demo_cmd->add_option("--sensors", demo.sensors, "Approximate number of devices")
      ->check(CLI::Range(40, 200000))
      ->capture_default_str();
  demo_cmd->add_option("--speed", demo.speed, "Simulated seconds per second (60: a minute/s)")
      ->check(CLI::Range(0.1, 100000.0))
      ->capture_default_str();
  demo_cmd->add_option("--backfill", demo.backfill, "History written at start: 0, 90m, 2h, 7d")
      ->capture_default_str();
  demo_cmd->add_option("--log-level", demo.log_level, "trace, debug, info, warn, error, off")
      ->capture_default_str();

  civitas::cli::ImportOptions import;
  auto* import_cmd = app.add_subcommand(
      "import", "Import NGSI-LD entities (JSON, JSON-LD, JSON Lines, CSV; .gz; directories)");
  import_cmd->add_option("paths", import.paths, "Files or directories")->required();
  import_cmd->add_option("--data-dir", import.data_dir, "Store to import into (no server on it)")
      ->capture_default_str();
  import_cmd->add_option("--tenant", import.tenant, "NGSI-LD tenant (default: the default one)");
  import_cmd->add_flag("--restart", import.restart, "Ignore the progress of earlier imports");
  import_cmd->add_option("--mapping", import.mapping, "Column mapping (JSON) for CSV files");

  civitas::cli::ExportOptions export_options;
  auto* export_cmd = app.add_subcommand(
      "export", "Export entities (JSON Lines, GeoJSON) or history (JSON Lines, CSV)");
  export_cmd->add_option("--data-dir", export_options.data_dir, "Store to export (no server on it)")
      ->capture_default_str();
  export_cmd->add_option("--tenant", export_options.tenant, "NGSI-LD tenant");
  export_cmd->add_option("--format", export_options.format, "jsonl or geojson")
      ->capture_default_str();
  export_cmd->add_option("--type", export_options.type, "Only entities of this type");
  export_cmd->add_option("--output,-o", export_options.output, "File to write, - for stdout")
      ->capture_default_str();
  export_cmd->add_flag("--history", export_options.history,
                       "Attribute history (JSON Lines or CSV) instead of entities");
  export_cmd->add_option("--from", export_options.from, "--history: from this instant (ISO 8601)");
  export_cmd->add_option("--to", export_options.to, "--history: before this instant (ISO 8601)");

  CLI11_PARSE(app, argc, argv);
  if (import_cmd->parsed()) return civitas::cli::Import(import);
  if (export_cmd->parsed()) return civitas::cli::Export(export_options);
  if (serve_cmd->parsed()) return civitas::cli::Serve(serve);
  if (compact_cmd->parsed()) return civitas::cli::Compact(compact);
  if (demo_cmd->parsed()) return civitas::cli::Demo(demo);
  return 0;
}
