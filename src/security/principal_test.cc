#include "civitas/security/principal.h"

#include <gtest/gtest.h>

namespace civitas::security {
namespace {

using P = Permission;

TEST(RoleTableTest, AdminHoldsEveryPermission) {
  for (int p = 0; p <= static_cast<int>(P::kAdministration); ++p) {
    EXPECT_TRUE(PermissionsOf(Role::kAdmin).Has(static_cast<P>(p))) << p;
  }
}

TEST(RoleTableTest, PublicReadsOnlyOpenData) {
  for (int p = 0; p <= static_cast<int>(P::kAdministration); ++p) {
    EXPECT_EQ(PermissionsOf(Role::kPublic).Has(static_cast<P>(p)),
              static_cast<P>(p) == P::kReadOpenData)
        << PermissionName(static_cast<P>(p));
  }
}

TEST(RoleTableTest, RolesMatchTheirJobs) {
  EXPECT_TRUE(PermissionsOf(Role::kOperator).Has(P::kCommands));
  EXPECT_TRUE(PermissionsOf(Role::kOperator).Has(P::kWriteEntities));
  EXPECT_FALSE(PermissionsOf(Role::kOperator).Has(P::kManageTokens));
  EXPECT_TRUE(PermissionsOf(Role::kAnalyst).Has(P::kReadHistory));
  EXPECT_FALSE(PermissionsOf(Role::kAnalyst).Has(P::kWriteEntities));
  EXPECT_TRUE(PermissionsOf(Role::kDevice).Has(P::kWriteOwnEntities));
  EXPECT_FALSE(PermissionsOf(Role::kDevice).Has(P::kWriteEntities));
  EXPECT_FALSE(PermissionsOf(Role::kDevice).Has(P::kReadEntities));
  EXPECT_TRUE(PermissionsOf(Role::kPartner).Has(P::kReadEntities));
  EXPECT_FALSE(PermissionsOf(Role::kPartner).Has(P::kReadHistory));
  EXPECT_TRUE(PermissionsOf(Role::kCitizen).Has(P::kSubmitReports));
  EXPECT_FALSE(PermissionsOf(Role::kCitizen).Has(P::kReadEntities));
  for (Role r : {Role::kOperator, Role::kAnalyst, Role::kDevice, Role::kPartner, Role::kCitizen}) {
    EXPECT_FALSE(PermissionsOf(r).Has(P::kReadAudit)) << RoleName(r);
    EXPECT_FALSE(PermissionsOf(r).Has(P::kAdministration)) << RoleName(r);
  }
}

TEST(RoleTableTest, NamesRoundTrip) {
  for (Role r : {Role::kAdmin, Role::kOperator, Role::kAnalyst, Role::kDevice, Role::kPartner,
                 Role::kCitizen, Role::kPublic}) {
    EXPECT_EQ(ParseRole(RoleName(r)), r);
  }
  EXPECT_FALSE(ParseRole("root").has_value());
  EXPECT_FALSE(ParseRole("Admin").has_value());
}

TEST(PrincipalTest, TenantsAreExactAndDefaultIsNamedDefault) {
  Principal p;
  p.tenants = {"north", "default"};
  EXPECT_TRUE(p.MayUseTenant("north"));
  EXPECT_TRUE(p.MayUseTenant(""));
  EXPECT_FALSE(p.MayUseTenant("south"));
  EXPECT_FALSE(p.MayUseTenant("nort"));
  EXPECT_FALSE(p.AllTenants());
  p.tenants = {"*"};
  EXPECT_TRUE(p.MayUseTenant("anything"));
  EXPECT_TRUE(p.AllTenants());
  EXPECT_FALSE(Principal::Anonymous().MayUseTenant(""));
}

TEST(PrincipalTest, EntityPatternsMatchExactlyOrByPrefix) {
  Principal p;
  p.entities = {"urn:ngsi-ld:Lamp:1", "urn:ngsi-ld:Meter:*"};
  EXPECT_TRUE(p.OwnsEntity("urn:ngsi-ld:Lamp:1"));
  EXPECT_FALSE(p.OwnsEntity("urn:ngsi-ld:Lamp:10"));
  EXPECT_TRUE(p.OwnsEntity("urn:ngsi-ld:Meter:7"));
  EXPECT_FALSE(p.OwnsEntity("urn:ngsi-ld:Lamp:2"));
  EXPECT_FALSE(p.OwnsEntity(""));
}

}  // namespace
}  // namespace civitas::security
