#pragma once

// The server's configuration file, civitas.yaml (docs/formats/civitas-yaml.md). Parsing only:
// the file says what the operator wants; the subsystems it configures check the rest.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/result.h"

namespace civitas {

// How long the temporal history of a type is kept (store/retention.h is what enforces it).
struct RetentionConfigRule {
  std::string type;  // as written: a term of RetentionConfig::context or an IRI; "*" = default
  std::chrono::seconds raw{0};
  std::chrono::seconds hourly{0};  // 0: no hourly rollup
  bool modified_at = true;         // false: no modifiedAt timeline for this type
};

struct RetentionConfig {
  // The @context the type names expand with (URLs); empty: the NGSI-LD core context.
  std::vector<std::string> context;
  std::vector<RetentionConfigRule> rules;
};

struct ServerConfig {
  RetentionConfig retention;
};

// Parses the YAML text of civitas.yaml. Unknown keys are errors (a typo must not silently keep
// data forever). kInvalidRequest with the key path and what is wrong.
Result<ServerConfig> ParseServerConfig(std::string_view yaml);

// "90s", "15m", "36h", "30d", "2w", "10y" (365 days): a positive whole number and one unit.
// kInvalidRequest otherwise.
Result<std::chrono::seconds> ParseRetentionPeriod(std::string_view text);

}  // namespace civitas
