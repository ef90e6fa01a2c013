// The civitas command line: `civitas serve ...`.

#include <CLI/CLI.hpp>

#include "compact.h"
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

  CLI11_PARSE(app, argc, argv);
  if (serve_cmd->parsed()) return civitas::cli::Serve(serve);
  if (compact_cmd->parsed()) return civitas::cli::Compact(compact);
  return 0;
}
