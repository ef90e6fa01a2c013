#pragma once

#include <string>
#include <string_view>
#include <vector>

// Internal to src/model: the @context documents compiled into the binary and the URLs they answer
// to. Not part of the public interface; other subsystems see them through model::ContextStore.
namespace civitas::model::internal {

// One file from contexts/, embedded by cmake/EmbedContexts.cmake.
struct EmbeddedContextFile {
  std::string_view path;  // relative to contexts/, e.g. "ngsi-ld/ngsi-ld-core-context-v1.8.jsonld"
  std::string_view text;  // the file's bytes
};

// Every embedded file, sorted by path. Generated at build time (embedded_contexts.cc).
const std::vector<EmbeddedContextFile>& EmbeddedContextFiles();

// A URL a bundled document is served at, and the text served.
struct BundledContext {
  std::string url;
  std::string_view text;
};

// The URL table: each core context at https://uri.etsi.org/ngsi-ld/v1/<file name>, the
// unversioned core URL at v1.8, and each Smart Data Models context both at
// raw.githubusercontent.com/smart-data-models/<repo>/master/context.jsonld and at
// smart-data-models.github.io/<repo>/context.jsonld.
std::vector<BundledContext> BundledContexts();

// The unversioned core context URL most payloads cite; served with the v1.8 document.
inline constexpr std::string_view kUnversionedCoreContextUrl =
    "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld";

}  // namespace civitas::model::internal
