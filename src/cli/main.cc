// The civitas command line: `civitas serve ...`, `civitas demo ...`.

#include <absl/synchronization/mutex.h>

#include <CLI/CLI.hpp>

#include "bulk.h"
#include "compact.h"
#include "demo.h"
#include "serve.h"
#include "token.h"

int main(int argc, char** argv) {
#ifdef NDEBUG
  // Debian builds libabsl without NDEBUG, so each Mutex lock also updated a lock-order graph
  // (~1 % of the server's CPU on ingest). The tests, which do not run through here, keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
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
  serve_cmd
      ->add_option("--query-threads", serve.query_threads,
                   "Threads one large query may use, its own included (0: one per core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  serve_cmd->add_option("--log-level", serve.log_level, "trace, debug, info, warn, error, off")
      ->capture_default_str();

  serve_cmd->add_flag("--insecure-no-auth", serve.insecure_no_auth,
                      "Every request acts as admin (local experiments only; warns every minute)");
  serve_cmd->add_flag("--metrics-public", serve.metrics_public, "Serve /metrics without a token");
  serve_cmd->add_option("--tls-cert", serve.tls_cert, "PEM certificate chain: serve HTTPS (TLS 1.2+)")
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("--tls-key", serve.tls_key, "PEM private key of --tls-cert")
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("--jwt-hs256-secret-file", serve.jwt_hs256_secret_file,
                        "File holding the HS256 JWT secret (32+ bytes)");
  serve_cmd->add_option("--jwt-public-key", serve.jwt_public_key,
                        "PEM RSA (RS256) or P-256 (ES256) public key for JWTs");
  serve_cmd->add_option("--jwks-file", serve.jwks_file, "JWKS file of JWT public keys");
  serve_cmd->add_option("--jwt-issuer", serve.jwt_issuer, "Required JWT 'iss'");
  serve_cmd->add_option("--jwt-audience", serve.jwt_audience, "Required JWT 'aud'");
  serve_cmd->add_option("--rate-limit", serve.rate_limit,
                        "Requests per second per token and per source address")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve_cmd->add_option("--rate-burst", serve.rate_burst, "Burst size of --rate-limit")
      ->check(CLI::Range(1.0, 1e9))
      ->capture_default_str();
  serve_cmd->add_option("--auth-failures-per-minute", serve.auth_failures_per_minute,
                        "Failed authentications per address before a lockout (429)")
      ->check(CLI::Range(1.0, 1e6))
      ->capture_default_str();
  serve_cmd->add_option("--max-body-bytes", serve.max_body_bytes, "Largest request body (413)")
      ->check(CLI::Range(size_t{1024}, size_t{1} << 34))
      ->capture_default_str();
  serve_cmd->add_option("--request-timeout", serve.request_timeout_seconds,
                        "Seconds a client has to send a request; idle connections close then")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();

  serve_cmd->add_option("--mqtt-ca-file", serve.mqtt_ca_file,
                        "CA certificate of the MQTT broker: connect with TLS 1.2+ (mqtts)")
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("--mqtt-cert", serve.mqtt_cert, "Client certificate for mqtts")
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("--mqtt-key", serve.mqtt_key, "Client key for mqtts")
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("--cors-origin", serve.cors_origins,
                        "Browser origin allowed to call the API (e.g. the portal's); repeatable");

  civitas::cli::TokenOptions token;
  auto* token_cmd = app.add_subcommand(
      "token", "Manage API keys in a store (server stopped; else use /api/v1/tokens)");
  token_cmd->require_subcommand(1);
  token_cmd->fallthrough();  // --data-dir may follow the action
  token_cmd->add_option("--data-dir", token.data_dir, "Directory of the store")
      ->capture_default_str();
  auto* create_cmd = token_cmd->add_subcommand("create", "Create a token; prints it once");
  create_cmd->add_option("--role", token.role, "admin, operator, analyst, device, partner, citizen")
      ->required();
  create_cmd->add_option("--tenant", token.tenants, "Tenant it is valid for ('*': all); repeatable")
      ->required();
  create_cmd->add_option("--entity", token.entities,
                         "Device role: entity id (or prefix*) it may write; repeatable");
  create_cmd->add_option("--expires", token.expires, "Lifetime (30d, 12h, 90m) or RFC 3339 time");
  auto* list_cmd = token_cmd->add_subcommand("list", "List tokens (never their secrets)");
  auto* revoke_cmd = token_cmd->add_subcommand("revoke", "Revoke a token by id");
  revoke_cmd->add_option("id", token.id, "Token id")->required();


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
      "import",
      "Import NGSI-LD entities (JSON, JSON-LD, JSON Lines, CSV; .gz; directories) or history");
  import_cmd->add_option("paths", import.paths, "Files or directories")->required();
  import_cmd->add_option("--data-dir", import.data_dir, "Store to import into (no server on it)")
      ->capture_default_str();
  import_cmd->add_option("--tenant", import.tenant, "NGSI-LD tenant (default: the default one)");
  import_cmd->add_flag("--restart", import.restart, "Ignore the progress of earlier imports");
  auto* mapping_opt =
      import_cmd->add_option("--mapping", import.mapping, "Column mapping (JSON) for CSV files");
  auto* csv_opt =
      import_cmd
          ->add_option("--csv", import.csv,
                       "CSV files through the civitas.yaml ingest mapping of this measurement")
          ->excludes(mapping_opt);
  import_cmd->add_option("--config", import.config, "Configuration file for --csv");
  import_cmd
      ->add_flag("--history", import.history,
                 "History records (JSON Lines of export --history), after the entities")
      ->excludes(mapping_opt, csv_opt);

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
  if (token_cmd->parsed()) {
    token.action = create_cmd->parsed() ? "create" : list_cmd->parsed() ? "list" : "revoke";
    return civitas::cli::Token(token);
  }
  return 0;
}
