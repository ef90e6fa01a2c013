#include "src/api/route_permissions.h"

#include <array>

namespace civitas::api {
namespace {

using security::Permission;
using P = Permission;

struct Row {
  std::string_view prefix;  // matches the path itself and anything below it
  Permission read;          // GET, HEAD, OPTIONS
  Permission write;         // POST, PUT, PATCH, DELETE
  TenantScope tenant;
  std::string_view write_audit;  // audit kind of writes ("" none)
  bool audit_reads = false;
  // Writes whose entities only the handler can tell (mapped from the body): a device token's
  // ownership is checked there, on every entity the request maps to.
  bool owned_entities_by_handler = false;
};

// THE route table: first matching prefix wins, so specific rows come first. Keep in sync with
// the README's table.
constexpr std::array kRows = {
    // Queries sent as POST bodies are reads.
    Row{"/ngsi-ld/v1/entityOperations/query", P::kReadEntities, P::kReadEntities,
        TenantScope::kHeader, ""},
    Row{"/ngsi-ld/v1/temporal/entityOperations/query", P::kReadHistory, P::kReadHistory,
        TenantScope::kHeader, ""},
    Row{"/ngsi-ld/v1/entities", P::kReadEntities, P::kWriteEntities, TenantScope::kHeader, "write"},
    Row{"/ngsi-ld/v1/entityOperations", P::kReadEntities, P::kWriteEntities, TenantScope::kHeader,
        "write"},
    Row{"/ngsi-ld/v1/temporal", P::kReadHistory, P::kWriteEntities, TenantScope::kHeader, "write"},
    Row{"/ngsi-ld/v1/types", P::kReadEntities, P::kAdministration, TenantScope::kHeader, ""},
    Row{"/ngsi-ld/v1/attributes", P::kReadEntities, P::kAdministration, TenantScope::kHeader, ""},
    Row{"/ngsi-ld/v1/jsonldContexts", P::kReadEntities, P::kManageContexts, TenantScope::kHeader,
        "write"},
    Row{"/ngsi-ld/v1/subscriptions", P::kSubscriptions, P::kSubscriptions, TenantScope::kHeader,
        "write"},
    Row{"/ngsi-ld/v1/", P::kAdministration, P::kAdministration, TenantScope::kAllTenants, "write"},
    Row{"/iot/", P::kProvisioning, P::kProvisioning, TenantScope::kAllTenants, "write"},
    // Compact ingest (line protocol, CSV): entity writes, devices limited to their entities.
    Row{"/api/v2/write", P::kWriteEntities, P::kWriteEntities, TenantScope::kHeader, "write", false,
        true},
    Row{"/write", P::kWriteEntities, P::kWriteEntities, TenantScope::kHeader, "write", false, true},
    Row{"/api/v1/bulk/csv", P::kWriteEntities, P::kWriteEntities, TenantScope::kHeader, "write",
        false, true},
    Row{"/api/v1/tokens", P::kManageTokens, P::kManageTokens, TenantScope::kAllTenants, ""},
    Row{"/api/v1/audit", P::kReadAudit, P::kAdministration, TenantScope::kAllTenants, ""},
    Row{"/api/v1/export", P::kExport, P::kExport, TenantScope::kHeader, "export", true},
    Row{"/api/v1/commands", P::kCommands, P::kCommands, TenantScope::kHeader, "command"},
    Row{"/api/v1/alerts", P::kAlerts, P::kAlerts, TenantScope::kHeader, "write"},
    Row{"/api/v1/opendata", P::kReadOpenData, P::kAdministration, TenantScope::kNone, "write"},
    Row{"/api/v1/", P::kAdministration, P::kAdministration, TenantScope::kAllTenants, "write"},
    Row{"/open311/v2/", P::kReadOpenData, P::kSubmitReports, TenantScope::kNone, "write"},
    Row{"/metrics", P::kReadMetrics, P::kReadMetrics, TenantScope::kNone, ""},
    // The portal's static files.
    Row{"/", P::kReadOpenData, P::kAdministration, TenantScope::kNone, "write"},
};

bool Matches(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return false;
  return prefix.ends_with('/') || path.size() == prefix.size() || path[prefix.size()] == '/';
}

}  // namespace

RouteRule RuleFor(http::verb method, std::string_view path, bool metrics_public) {
  if (path == "/healthz" || path == "/readyz") return {.open = true, .rate_limited = false};
  if (path == "/metrics" && metrics_public) return {.open = true};
  const bool read =
      method == http::verb::get || method == http::verb::head || method == http::verb::options;
  for (const Row& row : kRows) {
    if (!Matches(path, row.prefix)) continue;
    RouteRule rule;
    rule.permission = read ? row.read : row.write;
    rule.tenant = row.tenant;
    if (!read || row.audit_reads) rule.audit_kind = row.write_audit;
    rule.owned_entities_by_handler = row.owned_entities_by_handler;
    return rule;
  }
  return {};
}

}  // namespace civitas::api
