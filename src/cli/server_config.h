#pragma once

#include <string>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/ingest/ingest_mapping.h"
#include "civitas/model/context.h"
#include "civitas/store/retention.h"

namespace civitas::cli {

// What civitas.yaml configures, ready for the subsystems.
struct LoadedServerConfig {
  std::vector<store::RetentionRule> retention;  // type names expanded to IRIs
  std::shared_ptr<const ingest::IngestMappings> ingest;  // never null (the defaults without any)
};

// Reads the configuration file at `path` (empty: ./civitas.yaml if it exists, else defaults)
// and expands its type and attribute names with the @contexts it names, resolved from `contexts` (bundled and
// --context-dir contexts only: hosted ones are not loaded yet). kInvalidRequest for a bad file,
// kIoError when a named file cannot be read, kLdContextNotAvailable for an unknown context.
Result<LoadedServerConfig> LoadServerConfig(const std::string& path, model::ContextStore& contexts);

}  // namespace civitas::cli
