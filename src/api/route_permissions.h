#pragma once

// Route → permission: which right each API path needs, in one table (route_permissions.cc).
// Internal to api/.

#include <string_view>

#include "civitas/api/http_server.h"
#include "civitas/security/principal.h"

namespace civitas::api {

enum class TenantScope {
  kNone,        // not tenant data (open endpoints, the portal)
  kHeader,      // NGSILD-Tenant names the tenant; the principal must hold it
  kAllTenants,  // server-wide data (tokens, audit, provisioning): needs a "*" principal
};

struct RouteRule {
  bool open = false;  // no credential ever needed (/healthz, /readyz)
  // Whether an open route is charged to the client address's rate limit (routes that need a
  // credential always are): health probes are not, so a flood cannot make a load balancer take
  // the server out.
  bool rate_limited = true;
  security::Permission permission = security::Permission::kAdministration;
  TenantScope tenant = TenantScope::kHeader;
  // Non-empty: the request is audited with this kind ("write", "command", "export").
  std::string_view audit_kind{};
  // A device token may write here; the handler rejects entities the token does not own.
  bool owned_entities_by_handler = false;
};

// The rule for a method and a path (without query string). Unknown paths under /api/ and
// /ngsi-ld/ need kAdministration, so a new endpoint is admin-only until it has its row.
RouteRule RuleFor(http::verb method, std::string_view path, bool metrics_public);

}  // namespace civitas::api
