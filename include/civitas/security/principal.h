#pragma once

// Who is calling and what they may do: roles, permissions, the one role → permission table, and
// the Principal a verified credential yields.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/time.h"

namespace civitas::security {

enum class Role : uint8_t { kAdmin, kOperator, kAnalyst, kDevice, kPartner, kCitizen, kPublic };

// One right, checked per request; the route → permission table is in api/.
enum class Permission : uint8_t {
  kReadEntities,      // current state: entities, types, attributes, @contexts
  kWriteEntities,     // create, update, delete any entity (and its history)
  kWriteOwnEntities,  // write only entities matching the principal's entity patterns
  kReadHistory,       // temporal queries
  kManageContexts,    // POST/DELETE /jsonldContexts
  kSubscriptions,     // /subscriptions
  kProvisioning,      // IoT Agent /iot/services, /iot/devices
  kCommands,          // actuator commands
  kAlerts,            // alert rules and acknowledgements
  kExport,            // bulk export of a tenant's data
  kReadOpenData,      // open data, published KPIs, the portal's public views
  kSubmitReports,     // Open311 service requests
  kReadMetrics,       // /metrics
  kManageTokens,      // /api/v1/tokens
  kReadAudit,         // /api/v1/audit
  kAdministration,    // anything not classified (new routes default to admin only)
};

// A set of permissions as bits; cheap to copy and test on every request.
class PermissionSet {
 public:
  constexpr PermissionSet() = default;
  constexpr PermissionSet(std::initializer_list<Permission> permissions) {
    for (Permission p : permissions) Add(p);
  }
  constexpr void Add(Permission p) { bits_ |= Bit(p); }
  constexpr void AddAll(PermissionSet other) { bits_ |= other.bits_; }
  constexpr bool Has(Permission p) const { return (bits_ & Bit(p)) != 0; }

 private:
  static constexpr uint32_t Bit(Permission p) { return uint32_t{1} << static_cast<unsigned>(p); }
  uint32_t bits_ = 0;
};

// The role → permission table (principal.cc; documented in the README).
PermissionSet PermissionsOf(Role role);

// "admin", "operator", ...; nullopt for an unknown name. RoleName is the inverse.
std::optional<Role> ParseRole(std::string_view name);
std::string_view RoleName(Role role);
std::string_view PermissionName(Permission permission);

// The tenant name tokens use for requests without NGSILD-Tenant.
inline constexpr std::string_view kDefaultTenant = "default";
// A tenant entry that grants every tenant (the admin bootstrap token).
inline constexpr std::string_view kAllTenants = "*";

// A verified caller. Immutable once built by TokenStore, JwtVerifier or the anonymous default.
struct Principal {
  std::string id;             // token id, "jwt:<sub>", "admin-env" or "anonymous"; never a secret
  Role role = Role::kPublic;  // the most privileged role held (for display and audit)
  PermissionSet permissions;  // union over every role held
  std::vector<std::string> tenants;   // tenant names, or "*"
  std::vector<std::string> entities;  // device role: entity id patterns ("id" or "prefix*")
  std::optional<Timestamp> expires;   // when the credential stops being valid

  static Principal Anonymous();

  bool Has(Permission p) const { return permissions.Has(p); }
  // True when `tenant` (the NGSILD-Tenant value, "" for none) is one the principal names.
  bool MayUseTenant(std::string_view tenant) const;
  bool AllTenants() const;
  // True when `entity_id` matches one of `entities` (exact, or prefix before a trailing '*').
  bool OwnsEntity(std::string_view entity_id) const;
};

}  // namespace civitas::security
