#pragma once

// The gate in front of the broker: authentication (API keys, the bootstrap admin token, JWTs),
// authorisation (route → permission, tenant), rate limits, brute-force lockout, the audit trail,
// and the admin endpoints /api/v1/tokens and /api/v1/audit.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "civitas/api/broker.h"
#include "civitas/api/http_server.h"
#include "civitas/api/metrics.h"
#include "civitas/security/audit_log.h"
#include "civitas/security/jwt_verifier.h"
#include "civitas/security/rate_limiter.h"
#include "civitas/security/token_store.h"

namespace civitas::api {

struct AccessOptions {
  // Every request acts as admin. For local experiments only; serve logs a warning every minute.
  bool insecure_no_auth = false;
  bool metrics_public = false;  // /metrics without a token
  security::RateLimiter::Options per_address{.capacity = 10000, .refill_per_second = 5000};
  security::RateLimiter::Options per_principal{.capacity = 10000, .refill_per_second = 5000};
  // Failed authentications per source address before it is locked out (429) until the
  // bucket refills: 10 failures, then one more attempt every 6 s.
  security::RateLimiter::Options auth_failures{.capacity = 10, .refill_per_second = 1.0 / 6};
  // Origins (e.g. "https://portal.example") whose browsers may call the API; "*" for any.
  // Preflights from them are answered without a token; other origins get no CORS headers.
  std::vector<std::string> cors_origins{};
};

// The credentials the gate accepts. Borrowed; all must outlive the AccessControl.
struct Credentials {
  security::TokenStore* tokens = nullptr;                          // API keys; required
  const security::JwtVerifier* jwt = nullptr;                      // null: JWTs are refused
  std::optional<security::TokenStore::Digest> admin_token_hash{};  // CIVITAS_ADMIN_TOKEN's hash
};

// Thread-safe: Handle runs concurrently on the server's threads. Answers 401 (no or bad
// credential), 403 (valid credential without the permission or the tenant), 429 (rate limit or
// lockout, with Retry-After), each as ProblemDetails; everything else is the broker's answer.
class AccessControl {
 public:
  AccessControl(Broker& broker, Credentials credentials, security::AuditLog& audit,
                const Clock& clock, AccessOptions options);
  ~AccessControl();

  Reply Handle(HttpRequest& request, const Peer& peer);
  // The requests answered so far (civitas_http_*).
  void WriteMetrics(MetricsWriter& out) const;

  struct Impl;  // src/api/access_control.cc

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace civitas::api
