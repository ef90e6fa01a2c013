#include "server_config.h"

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "civitas/core/config.h"

namespace civitas::cli {

namespace {

// A list of context URLs as the active context (the core one when empty).
Result<std::shared_ptr<const model::Context>> ContextOf(const std::vector<std::string>& urls,
                                                         model::ContextStore& contexts) {
  boost::json::array array;
  for (const auto& url : urls) array.emplace_back(url);
  return contexts.Resolve(array.empty() ? boost::json::value() : boost::json::value(array));
}

}  // namespace

Result<LoadedServerConfig> LoadServerConfig(const std::string& path,
                                            model::ContextStore& contexts) {
  LoadedServerConfig loaded;
  std::string file = path;
  ServerConfig config;
  if (file.empty() && std::filesystem::exists("civitas.yaml")) file = "civitas.yaml";
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return IoError("cannot read the configuration file " + file);
    std::stringstream text;
    text << in.rdbuf();
    CIVITAS_ASSIGN_OR_RETURN(config, ParseServerConfig(text.str()));
  }
  CIVITAS_ASSIGN_OR_RETURN(auto ingest_context, ContextOf(config.ingest.context, contexts));
  CIVITAS_ASSIGN_OR_RETURN(loaded.ingest,
                           ingest::IngestMappings::Compile(config.ingest, ingest_context));
  CIVITAS_ASSIGN_OR_RETURN(auto context, ContextOf(config.retention.context, contexts));
  for (const auto& rule : config.retention.rules) {
    loaded.retention.push_back({.type = rule.type == "*" ? "" : context->ExpandTerm(rule.type),
                                .raw = rule.raw,
                                .hourly = rule.hourly,
                                .keep_modified_at = rule.modified_at});
  }
  return loaded;
}

}  // namespace civitas::cli
