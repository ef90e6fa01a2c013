// JWT claims → Principal, and the checks on iss, aud, exp and nbf.

#include <boost/json.hpp>

#include "civitas/security/jwt_verifier.h"

namespace civitas::security {
namespace json = boost::json;
namespace {

Status Refused(std::string message) {
  return Status(StatusCode::kUnauthenticated, "JWT " + std::move(message));
}

// NumericDate: seconds since the epoch, integer or not.
Result<Timestamp> NumericDate(const json::value& v, std::string_view claim) {
  double seconds = 0;
  if (v.is_int64()) {
    seconds = static_cast<double>(v.as_int64());
  } else if (v.is_uint64()) {
    seconds = static_cast<double>(v.as_uint64());
  } else if (v.is_double()) {
    seconds = v.as_double();
  } else {
    return Refused("claim '" + std::string(claim) + "' is not a number");
  }
  if (!(seconds > -1e11 && seconds < 1e11)) {
    return Refused("claim '" + std::string(claim) + "' is out of range");
  }
  return Timestamp(std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6)));
}

Result<std::vector<std::string>> Strings(const json::value& v, std::string_view claim) {
  if (!v.is_array()) return Refused("claim '" + std::string(claim) + "' is not an array");
  std::vector<std::string> out;
  for (const auto& item : v.as_array()) {
    if (!item.is_string()) return Refused("claim '" + std::string(claim) + "' holds a non-string");
    out.emplace_back(item.as_string());
  }
  return out;
}

bool AudienceMatches(const json::value& aud, std::string_view wanted) {
  if (aud.is_string()) return aud.as_string() == wanted;
  if (!aud.is_array()) return false;
  for (const auto& a : aud.as_array()) {
    if (a.is_string() && a.as_string() == wanted) return true;
  }
  return false;
}

}  // namespace

Result<Principal> PrincipalFromClaims(std::string_view claims_json, const JwtOptions& options,
                                      Timestamp now) {
  json::parse_options parse_options;
  parse_options.max_depth = 8;
  boost::system::error_code ec;
  json::value doc = json::parse(claims_json, ec, {}, parse_options);
  if (ec || !doc.is_object()) return Refused("claims are not a JSON object");
  const json::object& claims = doc.as_object();

  const auto* exp = claims.if_contains("exp");
  if (exp == nullptr) return Refused("has no 'exp' claim");
  CIVITAS_ASSIGN_OR_RETURN(Timestamp expires, NumericDate(*exp, "exp"));
  if (expires + options.leeway <= now) return Refused("has expired");
  if (const auto* nbf = claims.if_contains("nbf")) {
    CIVITAS_ASSIGN_OR_RETURN(Timestamp not_before, NumericDate(*nbf, "nbf"));
    if (not_before - options.leeway > now) return Refused("is not valid yet (nbf)");
  }
  if (!options.issuer.empty()) {
    const auto* iss = claims.if_contains("iss");
    if (iss == nullptr || !iss->is_string() || iss->as_string() != options.issuer) {
      return Refused("issuer does not match");
    }
  }
  if (!options.audience.empty()) {
    const auto* aud = claims.if_contains("aud");
    if (aud == nullptr || !AudienceMatches(*aud, options.audience)) {
      return Refused("audience does not match");
    }
  }
  const auto* sub = claims.if_contains("sub");
  if (sub == nullptr || !sub->is_string() || sub->as_string().empty() ||
      sub->as_string().size() > 256) {
    return Refused("has no 'sub' claim");
  }

  std::vector<std::string> role_names;
  if (const auto* roles = claims.if_contains("roles")) {
    CIVITAS_ASSIGN_OR_RETURN(role_names, Strings(*roles, "roles"));
  } else if (const auto* role = claims.if_contains("role"); role != nullptr && role->is_string()) {
    role_names.emplace_back(role->as_string());
  }
  Principal p;
  p.id = "jwt:" + std::string(sub->as_string());
  p.expires = expires;
  bool any_role = false;
  for (const auto& name : role_names) {
    auto role = ParseRole(name);
    if (!role || *role == Role::kPublic) continue;
    // Roles are ordered from most to least privileged, so the smallest is the one shown.
    if (!any_role || *role < p.role) p.role = *role;
    p.permissions.AddAll(PermissionsOf(*role));
    any_role = true;
  }
  if (!any_role) return Refused("names no known role ('roles' or 'role')");
  const auto* tenants = claims.if_contains("tenants");
  if (tenants == nullptr) return Refused("has no 'tenants' claim");
  CIVITAS_ASSIGN_OR_RETURN(p.tenants, Strings(*tenants, "tenants"));
  if (p.tenants.empty()) return Refused("'tenants' is empty");
  if (const auto* entities = claims.if_contains("entities")) {
    CIVITAS_ASSIGN_OR_RETURN(p.entities, Strings(*entities, "entities"));
  }
  return p;
}

}  // namespace civitas::security
