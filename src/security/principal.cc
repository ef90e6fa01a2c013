#include "civitas/security/principal.h"

#include <algorithm>
#include <array>

namespace civitas::security {
namespace {

using P = Permission;

struct RoleRow {
  Role role;
  std::string_view name;
  PermissionSet permissions;
};

// THE role → permission table. Keep it in sync with the README's table.
const std::array<RoleRow, 7>& Table() {
  static const std::array<RoleRow, 7> kTable = {{
      {Role::kAdmin,
       "admin",
       {P::kReadEntities, P::kWriteEntities, P::kWriteOwnEntities, P::kReadHistory,
        P::kManageContexts, P::kSubscriptions, P::kProvisioning, P::kCommands, P::kAlerts,
        P::kExport, P::kReadOpenData, P::kSubmitReports, P::kReadMetrics, P::kManageTokens,
        P::kReadAudit, P::kAdministration}},
      {Role::kOperator,
       "operator",
       {P::kReadEntities, P::kWriteEntities, P::kReadHistory, P::kSubscriptions, P::kCommands,
        P::kAlerts, P::kReadOpenData, P::kReadMetrics}},
      {Role::kAnalyst,
       "analyst",
       {P::kReadEntities, P::kReadHistory, P::kSubscriptions, P::kExport, P::kReadOpenData}},
      {Role::kDevice, "device", {P::kWriteOwnEntities, P::kReadOpenData}},
      {Role::kPartner, "partner", {P::kReadEntities, P::kReadOpenData}},
      {Role::kCitizen, "citizen", {P::kSubmitReports, P::kReadOpenData}},
      {Role::kPublic, "public", {P::kReadOpenData}},
  }};
  return kTable;
}

}  // namespace

PermissionSet PermissionsOf(Role role) { return Table()[static_cast<size_t>(role)].permissions; }

std::optional<Role> ParseRole(std::string_view name) {
  for (const auto& row : Table()) {
    if (row.name == name) return row.role;
  }
  return std::nullopt;
}

std::string_view RoleName(Role role) { return Table()[static_cast<size_t>(role)].name; }

std::string_view PermissionName(Permission permission) {
  static constexpr std::array<std::string_view, 16> kNames = {
      "read entities",   "write entities", "write own entities", "read history",
      "manage contexts", "subscriptions",  "provisioning",       "commands",
      "alerts",          "export",         "read open data",     "submit reports",
      "read metrics",    "manage tokens",  "read audit",         "administration"};
  return kNames[static_cast<size_t>(permission)];
}

Principal Principal::Anonymous() {
  Principal p;
  p.id = "anonymous";
  p.role = Role::kPublic;
  p.permissions = PermissionsOf(Role::kPublic);
  return p;
}

bool Principal::AllTenants() const {
  return std::find(tenants.begin(), tenants.end(), kAllTenants) != tenants.end();
}

bool Principal::MayUseTenant(std::string_view tenant) const {
  if (tenant.empty()) tenant = kDefaultTenant;
  for (const auto& t : tenants) {
    if (t == kAllTenants || t == tenant) return true;
  }
  return false;
}

bool Principal::OwnsEntity(std::string_view entity_id) const {
  for (std::string_view pattern : entities) {
    if (pattern.ends_with('*')) {
      pattern.remove_suffix(1);
      if (entity_id.starts_with(pattern)) return true;
    } else if (entity_id == pattern) {
      return true;
    }
  }
  return false;
}

}  // namespace civitas::security
