#include "request_scope.h"

#include <boost/json.hpp>

#include "civitas/model/json_text.h"
#include "problem.h"

namespace civitas::api {
namespace json = boost::json;
namespace {

constexpr std::string_view kLinkRel = "http://www.w3.org/ns/json-ld#context";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The media type of a Content-Type value without parameters, lower-cased.
std::string MediaType(std::string_view value) {
  return Lower(Trim(value.substr(0, value.find(';'))));
}

}  // namespace

Status ValidateTenant(std::string_view tenant) {
  if (tenant.size() > 64) return BadRequestData("NGSILD-Tenant is longer than 64 characters");
  for (char c : tenant) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) {
      return BadRequestData("NGSILD-Tenant may hold only letters, digits, '_', '-' and '.'");
    }
  }
  return Status::Ok();
}

namespace {

Result<ResponseMedia> NegotiateAccept(std::string_view accept) {
  if (Trim(accept).empty()) return ResponseMedia::kJson;
  bool json = false, ld = false, geo = false;
  size_t pos = 0;
  while (pos <= accept.size()) {
    size_t end = accept.find(',', pos);
    if (end == std::string_view::npos) end = accept.size();
    std::string type = MediaType(accept.substr(pos, end - pos));
    if (type == "application/ld+json") ld = true;
    if (type == "application/json" || type == "*/*" || type == "application/*") json = true;
    if (type == "application/geo+json") geo = true;
    pos = end + 1;
  }
  if (ld) return ResponseMedia::kLdJson;
  if (json) return ResponseMedia::kJson;
  if (geo) return ResponseMedia::kGeoJson;
  return Status(StatusCode::kNotAcceptable,
                "Accept must allow application/json, application/ld+json or application/geo+json");
}

// The context URL of a Link header with rel=json-ld#context, or "" when there is none.
Result<std::string> LinkContext(std::string_view link) {
  if (Trim(link).empty()) return std::string();
  size_t open = link.find('<');
  size_t close = link.find('>', open == std::string_view::npos ? 0 : open);
  if (open == std::string_view::npos || close == std::string_view::npos) {
    return BadRequestData("Link header must look like <url>; rel=\"" + std::string(kLinkRel) +
                          "\"");
  }
  if (link.find(kLinkRel) == std::string_view::npos) return std::string();
  return std::string(link.substr(open + 1, close - open - 1));
}

Status ParseBody(RequestScope& scope, model::ContextStore& contexts) {
  const HttpRequest& req = *scope.http;
  std::string content_type = MediaType(req[http::field::content_type]);
  if (content_type != "application/json" && content_type != "application/ld+json" &&
      content_type != "application/merge-patch+json") {
    return Status(
        StatusCode::kUnsupportedMediaType,
        "Content-Type must be application/json or application/ld+json, not '" + content_type + "'");
  }
  json::parse_options options;
  options.max_depth = 64;
  boost::system::error_code ec;
  scope.body = json::parse(req.body(), ec, scope.body.storage(), options);
  if (ec) return InvalidRequest("the body is not valid JSON: " + ec.message());
  // A context document for /jsonldContexts is data, not the request's own @context.
  if (!scope.segments.empty() && scope.segments.front() == "jsonldContexts") return Status::Ok();
  CIVITAS_ASSIGN_OR_RETURN(std::string link, LinkContext(req[http::field::link]));
  if (content_type == "application/ld+json") {
    if (!link.empty()) {
      return BadRequestData(
          "a Link header with a JSON-LD context is not allowed with "
          "application/ld+json: put the @context in the body");
    }
    const json::value* context = nullptr;
    if (const auto* obj = scope.body.if_object()) {
      context = obj->if_contains("@context");
    } else if (const auto* arr = scope.body.if_array();
               arr && !arr->empty() && arr->front().is_object()) {
      context = arr->front().as_object().if_contains("@context");
    }
    if (context == nullptr) {
      return BadRequestData("application/ld+json bodies must carry an @context member");
    }
    CIVITAS_ASSIGN_OR_RETURN(scope.context, contexts.Resolve(*context));
    return Status::Ok();
  }
  if (const auto* obj = scope.body.if_object(); obj && obj->contains("@context")) {
    return BadRequestData("an @context in the body requires Content-Type application/ld+json");
  }
  if (!link.empty()) {
    CIVITAS_ASSIGN_OR_RETURN(scope.context, contexts.Resolve(json::string(link)));
  }
  return Status::Ok();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

// Percent-decoding that keeps '+' literal: NGSI-LD values such as "+02:00" offsets must
// survive, and clients encode spaces as %20.
Result<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) return InvalidRequest("bad percent-encoding in the request target");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

namespace {

// Query parameters; a repeated parameter is joined with ',' (attrs=a&attrs=b ≡ attrs=a,b).
Status ParseQueryString(std::string_view query, std::map<std::string, std::string>& params) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      CIVITAS_ASSIGN_OR_RETURN(std::string key, PercentDecode(pair.substr(0, eq)));
      std::string value;
      if (eq != std::string_view::npos) {
        CIVITAS_ASSIGN_OR_RETURN(value, PercentDecode(pair.substr(eq + 1)));
      }
      auto [it, inserted] = params.emplace(std::move(key), value);
      if (!inserted) it->second.append(",").append(value);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return Status::Ok();
}

}  // namespace

Result<std::map<std::string, std::string>> QueryParams(std::string_view target) {
  std::map<std::string, std::string> params;
  if (size_t question = target.find('?'); question != std::string_view::npos) {
    CIVITAS_RETURN_IF_ERROR(ParseQueryString(target.substr(question + 1), params));
  }
  return params;
}

bool RequestScope::HasOption(std::string_view option) const {
  const std::string* options = Param("options");
  if (options == nullptr) return false;
  std::string_view rest = *options;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    if (Trim(rest.substr(0, comma)) == option) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

Result<RequestScope> OpenScope(HttpRequest& request, std::string_view path_after_base,
                               model::ContextStore& contexts) {
  bool has_body = request.method() == http::verb::post || request.method() == http::verb::patch ||
                  request.method() == http::verb::put;
  has_body = has_body && !request.body().empty();
  // A body lives as long as its request: its values go to one arena, freed at once, instead of
  // an allocation and a free each (a batch of 500 entities holds ~15,000). The body's storage is
  // chosen here, as a json::value keeps the storage it was made with.
  RequestScope scope(has_body ? json::make_shared_resource<json::monotonic_resource>()
                              : json::storage_ptr());
  scope.http = &request;
  CIVITAS_ASSIGN_OR_RETURN(scope.params, QueryParams(request.target()));
  std::string_view rest = path_after_base;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    CIVITAS_ASSIGN_OR_RETURN(std::string segment, PercentDecode(rest.substr(0, slash)));
    scope.segments.push_back(std::move(segment));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  scope.tenant = std::string(Trim(request["NGSILD-Tenant"]));
  CIVITAS_RETURN_IF_ERROR(ValidateTenant(scope.tenant));
  CIVITAS_ASSIGN_OR_RETURN(scope.media, NegotiateAccept(request[http::field::accept]));
  if (has_body) {
    CIVITAS_RETURN_IF_ERROR(ParseBody(scope, contexts));
  } else {
    CIVITAS_ASSIGN_OR_RETURN(std::string link, LinkContext(request[http::field::link]));
    if (!link.empty()) {
      CIVITAS_ASSIGN_OR_RETURN(scope.context, contexts.Resolve(json::string(link)));
    }
  }
  if (!scope.context) scope.context = contexts.Core();
  return scope;
}

namespace {

std::string LinkHeaderFor(const model::Context& context) {
  const json::value& source = context.Source();
  std::string url(model::kCoreContextUrl);
  if (source.is_string()) {
    url = source.get_string();
  } else if (const auto* arr = source.if_array()) {
    for (const auto& v : *arr) {
      if (v.is_string()) {
        url = v.get_string();
        break;
      }
    }
  }
  return "<" + url + ">; rel=\"" + std::string(kLinkRel) + "\"; type=\"application/ld+json\"";
}

void AddContextMember(json::value& body, const json::value& source) {
  if (auto* obj = body.if_object()) {
    (*obj)["@context"] = source;
  } else if (auto* arr = body.if_array()) {
    for (auto& item : *arr) {
      if (auto* o = item.if_object()) (*o)["@context"] = source;
    }
  }
}

}  // namespace

Reply JsonReply(const RequestScope& scope, http::status status, json::value body) {
  if (scope.media == ResponseMedia::kLdJson) AddContextMember(body, scope.context->Source());
  return JsonTextReply(scope, status, model::ToJsonText(body));
}

Reply JsonTextReply(const RequestScope& scope, http::status status, std::string body) {
  Reply reply;
  reply.response = HttpResponse{status, scope.http->version()};
  auto& res = reply.response;
  if (scope.media == ResponseMedia::kLdJson) {
    res.set(http::field::content_type, "application/ld+json");
  } else {
    res.set(http::field::content_type,
            scope.media == ResponseMedia::kGeoJson ? "application/geo+json" : "application/json");
    res.set(http::field::link, LinkHeaderFor(*scope.context));
  }
  res.body() = std::move(body);
  return reply;
}

std::string ContextMember(const RequestScope& scope) {
  if (scope.media != ResponseMedia::kLdJson) return {};
  std::string member = "\"@context\":";
  model::AppendJsonText(member, scope.context->Source());
  return member;
}

Reply PlainJsonReply(const HttpRequest& request, http::status status, const json::value& body) {
  Reply reply;
  reply.response = HttpResponse{status, request.version()};
  reply.response.set(http::field::content_type, "application/json");
  reply.response.body() = model::ToJsonText(body);
  return reply;
}

Reply EmptyReply(const RequestScope& scope, http::status status) {
  Reply reply;
  reply.response = HttpResponse{status, scope.http->version()};
  return reply;
}

Reply ErrorReply(const HttpRequest& request, const Status& status) {
  std::string_view target = request.target();
  return Reply{ProblemResponse(status, request.version(),
                               ErrorDialectOf(target.substr(0, target.find('?')))),
               false};
}

Reply ErrorReply(const RequestScope& scope, const Status& status) {
  return ErrorReply(*scope.http, status);
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

model::RenderOptions RenderOptionsOf(const RequestScope& scope) {
  model::RenderOptions options;
  if (scope.HasOption("keyValues") || scope.HasOption("simplified")) {
    options.representation = model::Representation::kKeyValues;
  } else if (scope.HasOption("concise")) {
    options.representation = model::Representation::kConcise;
  }
  if (const auto* format = scope.Param("format")) {
    if (*format == "keyValues" || *format == "simplified") {
      options.representation = model::Representation::kKeyValues;
    } else if (*format == "concise") {
      options.representation = model::Representation::kConcise;
    }
  }
  options.sys_attrs = scope.HasOption("sysAttrs");
  if (const auto* attrs = scope.Param("attrs")) {
    std::string_view rest = *attrs;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      auto name = Trim(rest.substr(0, comma));
      if (!name.empty()) options.attrs.insert(scope.Expand(name));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (const auto* lang = scope.Param("lang")) options.lang = *lang;
  return options;
}

}  // namespace civitas::api
