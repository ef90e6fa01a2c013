#include "src/model/bundled_contexts.h"

#include <string>

#include "civitas/model/context.h"

namespace civitas::model::internal {
namespace {

constexpr std::string_view kCoreDir = "ngsi-ld/";
constexpr std::string_view kSdmDir = "smart-data-models/";
constexpr std::string_view kSdmFile = "/context.jsonld";

}  // namespace

std::vector<BundledContext> BundledContexts() {
  std::vector<BundledContext> out;
  for (const EmbeddedContextFile& file : EmbeddedContextFiles()) {
    std::string_view path = file.path;
    if (path.starts_with(kCoreDir)) {
      std::string_view name = path.substr(kCoreDir.size());
      std::string url = "https://uri.etsi.org/ngsi-ld/v1/" + std::string(name);
      // The unversioned URL names "the current core context"; ours is v1.8 (kCoreContextUrl).
      if (url == kCoreContextUrl)
        out.push_back({std::string(kUnversionedCoreContextUrl), file.text});
      out.push_back({std::move(url), file.text});
    } else if (path.starts_with(kSdmDir) && path.ends_with(kSdmFile)) {
      std::string repo(path.substr(kSdmDir.size(), path.size() - kSdmDir.size() - kSdmFile.size()));
      out.push_back(
          {"https://raw.githubusercontent.com/smart-data-models/" + repo + "/master/context.jsonld",
           file.text});
      out.push_back({"https://smart-data-models.github.io/" + repo + "/context.jsonld", file.text});
    }
  }
  return out;
}

}  // namespace civitas::model::internal
