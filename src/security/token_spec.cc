// Parsers of token requests: the POST /api/v1/tokens body and expiry texts.

#include <boost/json.hpp>
#include <charconv>

#include "civitas/security/token_store.h"

namespace civitas::security {
namespace json = boost::json;
namespace {

Result<std::vector<std::string>> StringList(const json::value& value, std::string_view member) {
  if (!value.is_array()) return BadRequestData("'" + std::string(member) + "' must be an array");
  std::vector<std::string> out;
  for (const auto& item : value.as_array()) {
    if (!item.is_string() || item.as_string().empty() || item.as_string().size() > 256) {
      return BadRequestData("'" + std::string(member) + "' must hold non-empty strings");
    }
    out.emplace_back(item.as_string());
  }
  return out;
}

Status ValidateTenantName(std::string_view tenant) {
  if (tenant == kAllTenants) return Status::Ok();
  if (tenant.empty() || tenant.size() > 64) return BadRequestData("a tenant name has 1..64 chars");
  for (char c : tenant) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) {
      return BadRequestData("tenant names hold only letters, digits, '_', '-' and '.'");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Timestamp> ParseExpiry(std::string_view text, Timestamp now) {
  if (text.size() >= 2 && std::isdigit(static_cast<unsigned char>(text[0])) &&
      std::string_view("dhms").find(text.back()) != std::string_view::npos) {
    int64_t count = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, count);
    if (ec != std::errc() || end != text.data() + text.size() - 1 || count <= 0 ||
        count > 36500 * 86400LL) {
      return BadRequestData("expiry '" + std::string(text) + "' is not a positive duration");
    }
    const int64_t unit = text.back() == 'd'   ? 86400
                         : text.back() == 'h' ? 3600
                         : text.back() == 'm' ? 60
                                              : 1;
    if (count > 36500 * 86400LL / unit) return BadRequestData("expiry is more than 100 years");
    return now + std::chrono::seconds(count * unit);
  }
  auto at = ParseTimestamp(text);
  if (!at.ok()) {
    return BadRequestData(
        "expires must be a duration like 30d, 12h, 90m, 3600s or an RFC 3339 "
        "instant");
  }
  if (*at <= now) return BadRequestData("expires lies in the past");
  return *at;
}

Result<TokenSpec> ParseTokenSpec(std::string_view text, Timestamp now) {
  json::parse_options options;
  options.max_depth = 8;
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec, {}, options);
  if (ec) return InvalidRequest("the token request is not valid JSON: " + ec.message());
  if (!doc.is_object()) return BadRequestData("the token request must be a JSON object");
  TokenSpec spec;
  bool has_role = false;
  for (const auto& [key, value] : doc.as_object()) {
    if (key == "role") {
      if (!value.is_string()) return BadRequestData("'role' must be a string");
      auto role = ParseRole(value.as_string());
      if (!role) return BadRequestData("unknown role '" + std::string(value.as_string()) + "'");
      spec.role = *role;
      has_role = true;
    } else if (key == "tenants") {
      CIVITAS_ASSIGN_OR_RETURN(spec.tenants, StringList(value, "tenants"));
    } else if (key == "entities") {
      CIVITAS_ASSIGN_OR_RETURN(spec.entities, StringList(value, "entities"));
    } else if (key == "expires") {
      if (!value.is_string()) return BadRequestData("'expires' must be a string");
      CIVITAS_ASSIGN_OR_RETURN(spec.expires, ParseExpiry(value.as_string(), now));
    } else {
      return BadRequestData("unknown member '" + std::string(key) + "' in the token request");
    }
  }
  if (!has_role) return BadRequestData("the token request needs a 'role'");
  if (spec.role == Role::kPublic) return BadRequestData("'public' is the anonymous role");
  if (spec.tenants.empty()) return BadRequestData("the token request needs 'tenants'");
  for (const auto& t : spec.tenants) CIVITAS_RETURN_IF_ERROR(ValidateTenantName(t));
  if (spec.role == Role::kDevice && spec.entities.empty()) {
    return BadRequestData("a device token needs 'entities' (the ids it may write)");
  }
  return spec;
}

}  // namespace civitas::security
