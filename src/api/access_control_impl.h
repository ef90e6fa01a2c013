#pragma once

// Internals of AccessControl shared by access_control.cc (the gate) and admin_api.cc
// (/api/v1/tokens, /api/v1/audit). Internal to api/.

#include "civitas/api/access_control.h"
#include "civitas/api/metrics.h"

namespace civitas::api {

struct AccessControl::Impl {
  Broker& broker;
  Credentials credentials;
  security::AuditLog& audit;
  const Clock& clock;
  AccessOptions options;
  security::RateLimiter per_address;
  security::RateLimiter per_principal;
  security::RateLimiter auth_failures;
  RequestMetrics requests;

  // Everything but CORS: rate limits, authentication, authorisation, dispatch, audit.
  Reply Gate(HttpRequest& request, const Peer& peer);
  // The allowed Origin of a request, or "" (cors.cc).
  std::string_view AllowedOrigin(const HttpRequest& request) const;

  // The principal of a presented token (PresentedToken); kUnauthenticated when it does not
  // verify.
  Result<security::Principal> Authenticate(std::string_view token) const;

  // Appends an audit event; a failing audit write is logged, not answered (the action is done).
  // `durable_reply`: the reply waits for a group commit, which then covers the record too.
  void Audit(std::string_view kind, const security::Principal& who, const Peer& peer,
             const HttpRequest& request, int outcome, std::string detail = {},
             bool durable_reply = false);

  // admin_api.cc
  Reply Tokens(HttpRequest& request, const security::Principal& who, const Peer& peer);
  Reply AuditQuery(HttpRequest& request);
};

// The token a request presents: Authorization "Bearer <t>" or "Token <t>" (InfluxDB 2 clients),
// "Basic base64(user:t)" (InfluxDB 1.x clients: the password is the token), or on /write the
// 1.x query parameter p=<t>. nullopt when it presents none; kUnauthenticated for an
// Authorization header of another scheme or malformed Basic credentials.
Result<std::optional<std::string>> PresentedToken(const HttpRequest& request,
                                                  std::string_view path);

// The request's tenant as the principal's tenant list names it ("" = default).
std::string_view TenantOf(const HttpRequest& request);
// Method and path without the query string (which may hold personal data), for the audit log.
std::string ActionOf(const HttpRequest& request);
Reply ProblemReply(const HttpRequest& request, const Status& status);

// cors.cc: the 204 answer to a preflight, and the headers every reply to an allowed origin gets.
Reply CorsPreflight(const HttpRequest& request, std::string_view origin);
void AddCorsHeaders(Reply& reply, std::string_view origin);

}  // namespace civitas::api
