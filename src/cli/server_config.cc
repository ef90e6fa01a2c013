#include "server_config.h"

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "civitas/core/config.h"

namespace civitas::cli {

Result<LoadedServerConfig> LoadServerConfig(const std::string& path,
                                            model::ContextStore& contexts) {
  LoadedServerConfig loaded;
  std::string file = path;
  if (file.empty()) {
    if (!std::filesystem::exists("civitas.yaml")) return loaded;
    file = "civitas.yaml";
  }
  std::ifstream in(file);
  if (!in) return IoError("cannot read the configuration file " + file);
  std::stringstream text;
  text << in.rdbuf();
  CIVITAS_ASSIGN_OR_RETURN(ServerConfig config, ParseServerConfig(text.str()));

  boost::json::array urls;
  for (const auto& url : config.retention.context) urls.emplace_back(url);
  CIVITAS_ASSIGN_OR_RETURN(auto context, contexts.Resolve(urls.empty() ? boost::json::value()
                                                                       : boost::json::value(urls)));
  for (const auto& rule : config.retention.rules) {
    loaded.retention.push_back({.type = rule.type == "*" ? "" : context->ExpandTerm(rule.type),
                                .raw = rule.raw,
                                .hourly = rule.hourly,
                                .modified_at_timeline = rule.modified_at});
  }
  return loaded;
}

}  // namespace civitas::cli
