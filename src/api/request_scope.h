#pragma once

// Per-request state of an NGSI-LD call: decoded path and parameters, tenant, negotiated media
// types, resolved @context and parsed body. Internal to api/.

#include <boost/json/value.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "civitas/api/http_server.h"
#include "civitas/model/context.h"
#include "civitas/model/entity_json.h"

namespace civitas::api {

enum class ResponseMedia { kJson, kLdJson, kGeoJson };

struct RequestScope {
  // `body_storage` is the storage of `body` (a json::value keeps the one it was made with).
  explicit RequestScope(boost::json::storage_ptr body_storage) : body(std::move(body_storage)) {}

  HttpRequest* http = nullptr;
  std::vector<std::string> segments;          // path after /ngsi-ld/v1/, percent-decoded
  std::map<std::string, std::string> params;  // query parameters, percent-decoded
  std::string tenant;
  ResponseMedia media = ResponseMedia::kJson;
  std::shared_ptr<const model::Context> context;
  boost::json::value body;  // null when the request has none

  const std::string* Param(std::string_view name) const {
    auto it = params.find(std::string(name));
    return it == params.end() ? nullptr : &it->second;
  }
  // The comma-separated list in `options` contains `option`.
  bool HasOption(std::string_view option) const;
  std::string Expand(std::string_view term) const { return context->ExpandTerm(term); }
};

// Splits the target, validates NGSILD-Tenant, negotiates Accept, and for requests with a body
// checks Content-Type, parses the JSON and resolves the @context (body for ld+json, Link
// header for json). Errors: kInvalidRequest, kBadRequestData, kUnsupportedMediaType,
// kNotAcceptable, kLdContextNotAvailable.
Result<RequestScope> OpenScope(HttpRequest& request, std::string_view path_after_base,
                               model::ContextStore& contexts);

// Reply builders that add @context (ld+json) or the Link header (json).
Reply JsonReply(const RequestScope& scope, http::status status, boost::json::value body);
// The same for a body already serialised: for ld+json, its objects carry ContextMember already.
Reply JsonTextReply(const RequestScope& scope, http::status status, std::string body);
// `"@context":<the request's context>`, which each top-level object of an ld+json reply ends
// with; empty for the other media.
std::string ContextMember(const RequestScope& scope);
Reply EmptyReply(const RequestScope& scope, http::status status);
// Replies of the APIs outside NGSI-LD (/iot, /api/v1): application/json, no @context.
Reply PlainJsonReply(const HttpRequest& request, http::status status,
                     const boost::json::value& body);
// Error replies: ProblemDetails, or InfluxDB's shape on its write paths (problem.h).
Reply ErrorReply(const RequestScope& scope, const Status& status);
Reply ErrorReply(const HttpRequest& request, const Status& status);

// The query parameters of a request target, percent-decoded; a repeated one joined with ','.
// kInvalidRequest on a bad escape.
Result<std::map<std::string, std::string>> QueryParams(std::string_view target);

// NGSILD-Tenant: letters, digits, '_', '-', '.', at most 64 bytes ("" is the default tenant).
// kBadRequestData otherwise.
Status ValidateTenant(std::string_view tenant);

// Percent-decoding of a path segment or parameter ('+' stays literal). kInvalidRequest on a bad
// escape.
Result<std::string> PercentDecode(std::string_view text);

// The non-empty items of a comma-separated parameter ("a,,b" → a, b).
std::vector<std::string> SplitList(std::string_view text);

// Rendering options from attrs, options (keyValues/concise/sysAttrs) and lang.
model::RenderOptions RenderOptionsOf(const RequestScope& scope);

}  // namespace civitas::api
