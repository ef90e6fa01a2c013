#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <memory>
#include <string_view>

#include "civitas/core/result.h"
#include "src/model/active_context.h"

// Internal to src/model: JSON-LD 1.1 context processing (§4.1), restricted to NGSI-LD's needs.
namespace civitas::model::internal {

// Fetches a remote context document ({"@context": ...}) by URL from the local store. Returns
// kLdContextNotAvailable when the URL is unknown. Must be callable from any thread.
using DocumentLoader =
    std::function<Result<std::shared_ptr<const boost::json::value>>(std::string_view url)>;

// How deep remote contexts may reference further remote contexts before processing gives up
// (JSON-LD's "context overflow"); also what stops reference loops.
inline constexpr int kMaxRemoteContextDepth = 8;

// Processes `context` (a URL, an inline object, null, or an array of those) over an empty active
// context, then applies `core` (the core context's @context value) last so that its terms win.
// An @vocab set by `context` survives the core context, IRI-expanded under the core's prefixes as
// well ("ngsi-ld:x/" means the core's ngsi-ld IRI + "x/"); otherwise the core's @vocab (or
// kDefaultVocab) applies. The result's Source() is `source`.
// kLdContextNotAvailable: a URL the loader does not know. kBadRequestData: a malformed context,
// a reference loop, nesting deeper than kMaxRemoteContextDepth, or an @vocab that no term or
// IRI written under the result would expand back to.
Result<std::shared_ptr<const ActiveContext>> ProcessContext(const boost::json::value& context,
                                                            const boost::json::value& core,
                                                            const DocumentLoader& loader,
                                                            boost::json::value source);

}  // namespace civitas::model::internal
