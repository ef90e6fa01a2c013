#include "civitas/api/access_control.h"

#include <sodium.h>

#include <boost/json.hpp>

#include "civitas/core/log.h"
#include "problem.h"
#include "request_scope.h"
#include "src/api/access_control_impl.h"
#include "src/api/route_permissions.h"

namespace civitas::api {
namespace json = boost::json;
using security::Permission;
using security::Principal;
using security::Role;

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Status Unauthenticated(std::string message) {
  return Status(StatusCode::kUnauthenticated, std::move(message));
}
Status Denied(std::string message) {
  return Status(StatusCode::kPermissionDenied, std::move(message));
}

Principal AdminPrincipal(std::string id) {
  Principal p;
  p.id = std::move(id);
  p.role = Role::kAdmin;
  p.permissions = security::PermissionsOf(Role::kAdmin);
  p.tenants = {std::string(security::kAllTenants)};
  return p;
}

Reply TooMany(const HttpRequest& request, std::chrono::seconds retry_after, std::string why) {
  Reply reply = ProblemReply(request, Status(StatusCode::kTooManyRequests, std::move(why)));
  reply.response.set(http::field::retry_after, std::to_string(retry_after.count()));
  return reply;
}

// The ids of the entities a write targets, from the path or the body; kPermissionDenied when
// they cannot be told (a device may then not write).
Result<std::vector<std::string>> TargetEntities(const HttpRequest& request, std::string_view path) {
  std::vector<std::string> segments;
  for (size_t pos = std::string_view("/ngsi-ld/v1/").size(); pos <= path.size();) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    CIVITAS_ASSIGN_OR_RETURN(auto segment, PercentDecode(path.substr(pos, slash - pos)));
    segments.push_back(std::move(segment));
    pos = slash + 1;
  }
  size_t id_at = segments.size() > 0 && segments[0] == "temporal" ? 2 : 1;
  const bool entities_root = segments.size() > id_at - 1 && segments[id_at - 1] == "entities";
  if (entities_root && segments.size() > id_at) return std::vector{segments[id_at]};

  json::parse_options options;
  options.max_depth = 64;
  boost::system::error_code ec;
  json::value body = json::parse(request.body(), ec, {}, options);
  if (ec) return Denied("a device write needs a JSON body naming its entities");
  std::vector<std::string> ids;
  auto add = [&ids](const json::value& item) {
    if (item.is_string()) {
      ids.emplace_back(item.as_string());
    } else if (item.is_object()) {
      for (const char* key : {"id", "@id"}) {
        if (const auto* id = item.as_object().if_contains(key); id && id->is_string()) {
          ids.emplace_back(id->as_string());
        }
      }
      if (!item.as_object().contains("id") && !item.as_object().contains("@id")) ids.emplace_back();
    } else {
      ids.emplace_back();  // unknown shape: owned by no one
    }
  };
  if (entities_root && segments.size() == id_at && request.method() == http::verb::post) {
    add(body);
  } else if (segments.size() == 2 && segments[0] == "entityOperations" && body.is_array()) {
    for (const auto& item : body.as_array()) add(item);
  } else {
    return Denied("devices may write only their own entities");
  }
  if (ids.empty()) return Denied("a device write must name its entities");
  return ids;
}

Status CheckOwnership(const Principal& who, const HttpRequest& request, std::string_view path) {
  if (!path.starts_with("/ngsi-ld/v1/")) return Denied("devices may write only entities");
  CIVITAS_ASSIGN_OR_RETURN(auto ids, TargetEntities(request, path));
  for (const auto& id : ids) {
    if (!who.OwnsEntity(id)) {
      return Denied("this device token may not write entity '" + id + "'");
    }
  }
  return Status::Ok();
}

}  // namespace

std::string_view TenantOf(const HttpRequest& request) { return Trim(request["NGSILD-Tenant"]); }

std::string ActionOf(const HttpRequest& request) {
  std::string_view target = request.target();
  return std::string(request.method_string()) + " " +
         std::string(target.substr(0, target.find('?')));
}

Reply ProblemReply(const HttpRequest& request, const Status& status) {
  Reply reply = ErrorReply(request, status);
  if (status.code() == StatusCode::kUnauthenticated) {
    reply.response.set(http::field::www_authenticate, "Bearer realm=\"civitas\"");
  }
  return reply;
}

namespace {

bool SchemeIs(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return false;
  for (size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i]) return false;
  }
  return true;
}

// The password of "Basic base64(user:password)".
Result<std::string> BasicPassword(std::string_view encoded) {
  std::string decoded(encoded.size(), '\0');
  size_t size = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(),
                        encoded.data(), encoded.size(), nullptr, &size, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return Unauthenticated("the Basic credentials are not base64");
  }
  decoded.resize(size);
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return Unauthenticated("Basic credentials must be user:password");
  return decoded.substr(colon + 1);
}

// InfluxDB 1.x clients may send the credentials as query parameters u and p.
std::optional<std::string> QueryPassword(std::string_view target) {
  size_t question = target.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    if (pair.starts_with("p=")) {
      auto decoded = PercentDecode(pair.substr(2));
      return decoded.ok() ? std::move(*decoded) : std::string();
    }
    if (pair.size() == query.size()) break;
    query.remove_prefix(pair.size() + 1);
  }
  return std::nullopt;
}

}  // namespace

Result<std::optional<std::string>> PresentedToken(const HttpRequest& request,
                                                  std::string_view path) {
  std::string_view header = Trim(request[http::field::authorization]);
  if (header.empty()) {
    if (path == "/write") return QueryPassword(request.target());
    return std::optional<std::string>();
  }
  std::string token;
  if (SchemeIs(header, "bearer") || SchemeIs(header, "token")) {
    token = std::string(Trim(header.substr(header.find(' ') + 1)));
  } else if (SchemeIs(header, "basic")) {
    CIVITAS_ASSIGN_OR_RETURN(token, BasicPassword(Trim(header.substr(6))));
  } else {
    return Unauthenticated(
        "Authorization must be 'Bearer <token>', 'Token <token>' or Basic with the token as "
        "the password");
  }
  return std::optional<std::string>(std::move(token));
}

Result<Principal> AccessControl::Impl::Authenticate(std::string_view token) const {
  token = Trim(token);
  if (token.empty()) return Unauthenticated("the token is empty");
  if (credentials.admin_token_hash) {
    auto presented = credentials.tokens->Hash(token);
    if (sodium_memcmp(presented.data(), credentials.admin_token_hash->data(), presented.size()) ==
        0) {
      return AdminPrincipal("admin-env");
    }
  }
  if (token.starts_with("cvt_")) return credentials.tokens->Verify(token);
  if (security::LooksLikeJwt(token)) {
    if (credentials.jwt == nullptr) return Unauthenticated("JWTs are not accepted here");
    return credentials.jwt->Verify(token, clock.Now());
  }
  return Unauthenticated("the bearer token is not valid");
}

void AccessControl::Impl::Audit(std::string_view kind, const Principal& who, const Peer& peer,
                                const HttpRequest& request, int outcome, std::string detail,
                                bool durable_reply) {
  security::AuditEvent event;
  event.kind = kind;
  event.principal = who.id;
  event.role = security::RoleName(who.role);
  event.source = peer.address;
  event.tenant = TenantOf(request);
  event.action = ActionOf(request);
  event.outcome = outcome;
  event.detail = std::move(detail);
  auto sync =
      durable_reply ? security::AuditLog::Sync::kByCaller : security::AuditLog::Sync::kRequest;
  if (auto s = audit.Append(std::move(event), sync); !s.ok()) {
    spdlog::error("audit log write failed: {}", s.message());
  }
}

AccessControl::AccessControl(Broker& broker, Credentials credentials, security::AuditLog& audit,
                             const Clock& clock, AccessOptions options)
    : impl_(new Impl{broker,
                     credentials,
                     audit,
                     clock,
                     options,
                     security::RateLimiter(options.per_address),
                     security::RateLimiter(options.per_principal),
                     security::RateLimiter(options.auth_failures),
                     {}}) {}

AccessControl::~AccessControl() = default;

Reply AccessControl::Handle(HttpRequest& request, const Peer& peer) {
  const auto start = std::chrono::steady_clock::now();
  const std::string method(request.method_string());  // before the handlers take the request
  Reply reply = [&] {
    std::string_view origin = impl_->AllowedOrigin(request);
    if (origin.empty()) return impl_->Gate(request, peer);
    if (request.method() == http::verb::options &&
        !request[http::field::access_control_request_method].empty()) {
      return CorsPreflight(request, origin);
    }
    Reply gated = impl_->Gate(request, peer);
    AddCorsHeaders(gated, origin);
    return gated;
  }();
  impl_->requests.Record(method, reply.response.result_int(),
                         std::chrono::steady_clock::now() - start);
  return reply;
}

void AccessControl::WriteMetrics(MetricsWriter& out) const { impl_->requests.Write(out); }

Reply AccessControl::Impl::Gate(HttpRequest& request, const Peer& peer) {
  Impl& s = *this;
  std::string_view target = request.target();
  std::string_view path = target.substr(0, target.find('?'));
  const RouteRule rule = RuleFor(request.method(), path, s.options.metrics_public);
  if (rule.open && !rule.rate_limited) return s.broker.Handle(request);
  if (auto d = s.per_address.Take(peer.address); !d.allowed) {
    return TooMany(request, d.retry_after, "too many requests from this address");
  }
  if (rule.open) return s.broker.Handle(request);

  Principal who;
  if (s.options.insecure_no_auth) {
    who = AdminPrincipal("insecure-no-auth");
  } else if (auto presented = PresentedToken(request, path);
             !presented.ok() || presented->has_value()) {
    // A locked-out address is not even told whether its next guess would have been right.
    if (auto d = s.auth_failures.Peek(peer.address); !d.allowed) {
      return TooMany(request, d.retry_after, "too many failed authentications from this address");
    }
    auto verified =
        presented.ok() ? s.Authenticate(**presented) : Result<Principal>(presented.status());
    if (!verified.ok()) {
      s.auth_failures.Charge(peer.address);
      Reply reply = ProblemReply(request, verified.status());
      s.Audit("auth_failure", Principal::Anonymous(), peer, request, 401,
              verified.status().message());
      return reply;
    }
    who = std::move(verified).value();
    if (auto d = s.per_principal.Take(who.id); !d.allowed) {
      return TooMany(request, d.retry_after, "too many requests with this token");
    }
  } else {
    who = Principal::Anonymous();
  }

  Status allowed = Status::Ok();
  // A device token on a route whose entities come from the body mapping: the handler checks each.
  std::function<bool(std::string_view)> owned;
  if (!who.Has(rule.permission)) {
    const bool own_write =
        rule.permission == Permission::kWriteEntities && who.Has(Permission::kWriteOwnEntities);
    if (own_write && rule.owned_entities_by_handler) {
      owned = [&who](std::string_view id) { return who.OwnsEntity(id); };
    } else if (own_write) {
      allowed = CheckOwnership(who, request, path);
    } else if (who.role == Role::kPublic) {
      allowed = Unauthenticated("this resource needs a bearer token");
    } else {
      allowed = Denied("role '" + std::string(security::RoleName(who.role)) + "' lacks the '" +
                       std::string(security::PermissionName(rule.permission)) + "' permission");
    }
  }
  if (allowed.ok() && rule.tenant == TenantScope::kHeader && !who.MayUseTenant(TenantOf(request))) {
    allowed = Denied(
        "this token is not valid for tenant '" +
        std::string(TenantOf(request).empty() ? security::kDefaultTenant : TenantOf(request)) +
        "'");
  }
  if (allowed.ok() && rule.tenant == TenantScope::kAllTenants && !who.AllTenants()) {
    allowed = Denied("this resource is server-wide; it needs a token valid for all tenants");
  }
  if (!allowed.ok()) {
    Reply reply = ProblemReply(request, allowed);
    if (!rule.audit_kind.empty() && who.role != Role::kPublic) {
      s.Audit(rule.audit_kind, who, peer, request, reply.response.result_int(), allowed.message());
    }
    return reply;
  }

  Reply reply;
  if (path == "/api/v1/tokens" || path.starts_with("/api/v1/tokens/")) {
    reply = s.Tokens(request, who, peer);
  } else if (path == "/api/v1/audit") {
    reply = s.AuditQuery(request);
  } else {
    reply = s.broker.Handle(request, owned ? &owned : nullptr);
  }
  // Sensors' samples are not audited one by one: only people's writes, commands and exports.
  if (!rule.audit_kind.empty() && who.role != Role::kDevice) {
    s.Audit(rule.audit_kind, who, peer, request, reply.response.result_int(), {},
            reply.needs_durability);
  }
  return reply;
}

}  // namespace civitas::api
