// The admin endpoints: /api/v1/tokens (POST create, GET list, DELETE /{id} revoke) and
// /api/v1/audit (GET ?from=&to=&limit=).

#include <boost/json.hpp>
#include <charconv>

#include "request_scope.h"
#include "src/api/access_control_impl.h"

namespace civitas::api {
namespace json = boost::json;
namespace {

// Token secrets and audit records must not linger in caches.
Reply JsonReply(const HttpRequest& request, http::status status, const json::value& body) {
  Reply reply = PlainJsonReply(request, status, body);
  reply.response.set(http::field::cache_control, "no-store");
  return reply;
}

json::array Strings(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

// A token as listed: never its secret or hash.
json::object TokenJson(const security::TokenRecord& r) {
  json::object o;
  o["id"] = r.id;
  o["role"] = security::RoleName(r.spec.role);
  o["tenants"] = Strings(r.spec.tenants);
  if (!r.spec.entities.empty()) o["entities"] = Strings(r.spec.entities);
  o["created"] = FormatTimestamp(r.created);
  if (r.spec.expires) o["expires"] = FormatTimestamp(*r.spec.expires);
  if (r.revoked) o["revoked"] = FormatTimestamp(*r.revoked);
  return o;
}

Result<std::map<std::string, std::string>> Params(std::string_view target) {
  std::map<std::string, std::string> params;
  size_t question = target.find('?');
  if (question == std::string_view::npos) return params;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    CIVITAS_ASSIGN_OR_RETURN(auto key, PercentDecode(pair.substr(0, eq)));
    std::string value;
    if (eq != std::string_view::npos) {
      CIVITAS_ASSIGN_OR_RETURN(value, PercentDecode(pair.substr(eq + 1)));
    }
    params[key] = std::move(value);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return params;
}

}  // namespace

Reply AccessControl::Impl::Tokens(HttpRequest& request, const security::Principal& who,
                                  const Peer& peer) {
  std::string_view target = request.target();
  std::string_view path = target.substr(0, target.find('?'));
  const auto method = request.method();
  if (path == "/api/v1/tokens" && method == http::verb::get) {
    json::array out;
    for (const auto& record : credentials.tokens->List()) out.push_back(TokenJson(record));
    return JsonReply(request, http::status::ok, out);
  }
  if (path == "/api/v1/tokens" && method == http::verb::post) {
    auto spec = security::ParseTokenSpec(request.body(), clock.Now());
    if (!spec.ok()) {
      Audit("token_create", who, peer, request, 400, spec.status().message());
      return ProblemReply(request, spec.status());
    }
    auto issued = credentials.tokens->Create(*spec);
    if (!issued.ok()) return ProblemReply(request, issued.status());
    Audit("token_create", who, peer, request, 201, "token " + issued->id);
    json::object body;
    body["id"] = issued->id;
    body["token"] = issued->token;
    return JsonReply(request, http::status::created, body);
  }
  if (path.starts_with("/api/v1/tokens/") && method == http::verb::delete_) {
    auto id = PercentDecode(path.substr(std::string_view("/api/v1/tokens/").size()));
    if (!id.ok()) return ProblemReply(request, id.status());
    Status revoked = credentials.tokens->Revoke(*id);
    Audit("token_revoke", who, peer, request, revoked.ok() ? 204 : 404, "token " + *id);
    if (!revoked.ok()) return ProblemReply(request, revoked);
    Reply reply;
    reply.response = HttpResponse{http::status::no_content, request.version()};
    return reply;
  }
  return ProblemReply(request, InvalidRequest("method " + std::string(request.method_string()) +
                                              " is not allowed on " + std::string(path)));
}

Reply AccessControl::Impl::AuditQuery(HttpRequest& request) {
  if (request.method() != http::verb::get) {
    return ProblemReply(request, InvalidRequest("the audit log is read-only"));
  }
  auto params = Params(request.target());
  if (!params.ok()) return ProblemReply(request, params.status());
  security::AuditQuery query;
  for (const auto& [name, value] : *params) {
    if (name == "from" || name == "to") {
      auto at = ParseTimestamp(value);
      if (!at.ok()) return ProblemReply(request, at.status());
      (name == "from" ? query.from : query.to) = *at;
    } else if (name == "limit") {
      size_t limit = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (ec != std::errc() || end != value.data() + value.size() || limit == 0 || limit > 10000) {
        return ProblemReply(request, BadRequestData("limit must be 1..10000"));
      }
      query.limit = limit;
    } else {
      return ProblemReply(request, BadRequestData("unknown parameter '" + name + "'"));
    }
  }
  json::array out;
  for (const auto& event : audit.Read(query)) out.push_back(security::AuditLog::ToJson(event));
  return JsonReply(request, http::status::ok, out);
}

}  // namespace civitas::api
