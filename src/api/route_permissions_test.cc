#include "src/api/route_permissions.h"

#include <gtest/gtest.h>

namespace civitas::api {
namespace {

using security::Permission;
using V = http::verb;

TEST(RoutePermissionsTest, ProbesAreOpenAndMetricsOnlyWhenPublic) {
  EXPECT_TRUE(RuleFor(V::get, "/healthz", false).open);
  EXPECT_TRUE(RuleFor(V::get, "/readyz", false).open);
  EXPECT_FALSE(RuleFor(V::get, "/metrics", false).open);
  EXPECT_EQ(RuleFor(V::get, "/metrics", false).permission, Permission::kReadMetrics);
  EXPECT_TRUE(RuleFor(V::get, "/metrics", true).open);
  // Only the health probes escape the address's rate limit.
  EXPECT_TRUE(RuleFor(V::get, "/metrics", true).rate_limited);
  EXPECT_FALSE(RuleFor(V::get, "/healthz", false).rate_limited);
  EXPECT_FALSE(RuleFor(V::get, "/readyz", false).rate_limited);
}

TEST(RoutePermissionsTest, NgsiLdReadsWritesAndQueries) {
  EXPECT_EQ(RuleFor(V::get, "/ngsi-ld/v1/entities", false).permission, Permission::kReadEntities);
  EXPECT_EQ(RuleFor(V::patch, "/ngsi-ld/v1/entities/urn:x/attrs", false).permission,
            Permission::kWriteEntities);
  EXPECT_EQ(RuleFor(V::patch, "/ngsi-ld/v1/entities/urn:x/attrs", false).audit_kind, "write");
  EXPECT_EQ(RuleFor(V::get, "/ngsi-ld/v1/entities/urn:x", false).audit_kind, "");
  // A query sent as POST is a read and is not audited.
  auto query = RuleFor(V::post, "/ngsi-ld/v1/entityOperations/query", false);
  EXPECT_EQ(query.permission, Permission::kReadEntities);
  EXPECT_EQ(query.audit_kind, "");
  EXPECT_EQ(RuleFor(V::post, "/ngsi-ld/v1/entityOperations/upsert", false).permission,
            Permission::kWriteEntities);
  EXPECT_EQ(RuleFor(V::get, "/ngsi-ld/v1/temporal/entities", false).permission,
            Permission::kReadHistory);
  EXPECT_EQ(RuleFor(V::post, "/ngsi-ld/v1/temporal/entityOperations/query", false).permission,
            Permission::kReadHistory);
  EXPECT_EQ(RuleFor(V::post, "/ngsi-ld/v1/subscriptions", false).permission,
            Permission::kSubscriptions);
  EXPECT_EQ(RuleFor(V::post, "/ngsi-ld/v1/jsonldContexts", false).permission,
            Permission::kManageContexts);
}

TEST(RoutePermissionsTest, UnknownOrDisguisedPathsNeedAdministration) {
  for (const char* path :
       {"/ngsi-ld/v1/%65ntities", "/ngsi-ld/v1//entities", "/ngsi-ld/v1/csourceRegistrations",
        "/api/v1/something-new", "/ngsi-ld/v1/entitiesX"}) {
    EXPECT_EQ(RuleFor(V::get, path, false).permission, Permission::kAdministration) << path;
    EXPECT_EQ(RuleFor(V::get, path, false).tenant, TenantScope::kAllTenants) << path;
  }
  EXPECT_EQ(RuleFor(V::post, "/ngsi-ld/v1/entityOperations/%71uery", false).permission,
            Permission::kWriteEntities);
}

TEST(RoutePermissionsTest, ServerWideResourcesNeedAllTenants) {
  EXPECT_EQ(RuleFor(V::get, "/api/v1/tokens", false).tenant, TenantScope::kAllTenants);
  EXPECT_EQ(RuleFor(V::delete_, "/api/v1/tokens/abc", false).permission, Permission::kManageTokens);
  EXPECT_EQ(RuleFor(V::get, "/api/v1/audit", false).permission, Permission::kReadAudit);
  EXPECT_EQ(RuleFor(V::post, "/iot/devices", false).permission, Permission::kProvisioning);
  EXPECT_EQ(RuleFor(V::post, "/iot/devices", false).tenant, TenantScope::kAllTenants);
  EXPECT_EQ(RuleFor(V::get, "/", false).permission, Permission::kReadOpenData);
  EXPECT_EQ(RuleFor(V::post, "/open311/v2/requests.json", false).permission,
            Permission::kSubmitReports);
}

TEST(RoutePermissionsTest, CompactIngestIsAnEntityWriteOwnedPerEntityByTheHandler) {
  for (const char* path : {"/api/v2/write", "/write", "/api/v1/bulk/csv"}) {
    RouteRule rule = RuleFor(V::post, path, false);
    EXPECT_EQ(rule.permission, Permission::kWriteEntities) << path;
    EXPECT_EQ(rule.tenant, TenantScope::kHeader) << path;
    EXPECT_EQ(rule.audit_kind, "write") << path;
    EXPECT_TRUE(rule.owned_entities_by_handler) << path;
  }
  EXPECT_FALSE(RuleFor(V::post, "/ngsi-ld/v1/entities", false).owned_entities_by_handler);
  EXPECT_EQ(RuleFor(V::post, "/writer", false).permission, Permission::kAdministration);
  EXPECT_FALSE(RuleFor(V::post, "/writer", false).owned_entities_by_handler);
}

}  // namespace
}  // namespace civitas::api
