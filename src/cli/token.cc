#include "token.h"

#include <cstdio>
#include <filesystem>

#include "civitas/core/log.h"
#include "civitas/security/audit_log.h"
#include "civitas/security/token_store.h"

namespace civitas::cli {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out.empty() ? "-" : out;
}

void AuditTokenChange(store::Store& store, std::string_view kind, std::string_view id) {
  security::AuditLog audit(store, Clock::System());
  security::AuditEvent event{.kind = std::string(kind),
                             .principal = "cli",
                             .role = "admin",
                             .source = "local",
                             .action = "civitas token",
                             .outcome = 0,
                             .detail = "token " + std::string(id)};
  if (auto s = audit.Append(std::move(event)); !s.ok()) {
    spdlog::error("audit log write failed: {}", s.message());
  }
}

}  // namespace

int Token(const TokenOptions& options) {
  auto store = store::Store::Open({.data_dir = options.data_dir});
  if (!store.ok()) {
    spdlog::error("{} (is a server running on this data dir? use /api/v1/tokens then)",
                  store.status().message());
    return 1;
  }
  auto tokens = security::TokenStore::Open(
      **store, std::filesystem::path(options.data_dir) / "token.key", Clock::System());
  if (!tokens.ok()) {
    spdlog::error("{}", tokens.status().message());
    return 1;
  }
  if (options.action == "create") {
    security::TokenSpec spec;
    auto role = security::ParseRole(options.role);
    if (!role || *role == security::Role::kPublic) {
      spdlog::error("--role must be admin, operator, analyst, device, partner or citizen");
      return 2;
    }
    spec.role = *role;
    spec.tenants = options.tenants;
    spec.entities = options.entities;
    if (spec.role == security::Role::kDevice && spec.entities.empty()) {
      spdlog::error("a device token needs --entity (the entity ids it may write)");
      return 2;
    }
    if (!options.expires.empty()) {
      auto expires = security::ParseExpiry(options.expires, Clock::System().Now());
      if (!expires.ok()) {
        spdlog::error("--expires: {}", expires.status().message());
        return 2;
      }
      spec.expires = *expires;
    }
    auto issued = (*tokens)->Create(spec);
    if (!issued.ok()) {
      spdlog::error("{}", issued.status().message());
      return issued.status().code() == StatusCode::kIoError ? 1 : 2;
    }
    AuditTokenChange(**store, "token_create", issued->id);
    std::printf("id:    %s\ntoken: %s\n(the token is shown this once; store it now)\n",
                issued->id.c_str(), issued->token.c_str());
    return 0;
  }
  if (options.action == "list") {
    std::printf("%-16s  %-8s  %-20s  %-24s  %-24s  %s\n", "ID", "ROLE", "TENANTS", "CREATED",
                "EXPIRES", "STATE");
    const auto now = Clock::System().Now();
    for (const auto& r : (*tokens)->List()) {
      const char* state = r.revoked                                  ? "revoked"
                          : r.spec.expires && *r.spec.expires <= now ? "expired"
                                                                     : "active";
      std::printf("%-16s  %-8s  %-20s  %-24s  %-24s  %s\n", r.id.c_str(),
                  std::string(security::RoleName(r.spec.role)).c_str(),
                  Join(r.spec.tenants).c_str(), FormatTimestamp(r.created).c_str(),
                  r.spec.expires ? FormatTimestamp(*r.spec.expires).c_str() : "never", state);
    }
    return 0;
  }
  if (options.action == "revoke") {
    Status revoked = (*tokens)->Revoke(options.id);
    if (!revoked.ok()) {
      spdlog::error("{}", revoked.message());
      return revoked.code() == StatusCode::kNotFound ? 2 : 1;
    }
    AuditTokenChange(**store, "token_revoke", options.id);
    std::printf("revoked %s\n", options.id.c_str());
    return 0;
  }
  return 2;
}

}  // namespace civitas::cli
