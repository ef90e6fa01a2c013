#pragma once

// The append-only audit trail: authentication failures, token changes, writes by people,
// actuator commands and exports (docs/formats/audit-log.md).

#include <atomic>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/core/time.h"
#include "civitas/store/store.h"

namespace civitas::security {

// One audited event. Callers must not put secrets or personal data in any field: principals
// are token ids or JWT subjects, actions are a method and a path without its query string.
struct AuditEvent {
  Timestamp time{};  // set by Append
  std::string
      kind{};  // "auth_failure", "token_create", "token_revoke", "write", "command", "export"
  std::string principal{};  // who ("anonymous" when no credential verified)
  std::string role{};
  std::string source{};  // peer IP address
  std::string tenant{};  // NGSILD-Tenant, "" for the default
  std::string action{};  // e.g. "PATCH /ngsi-ld/v1/entities/urn:ngsi-ld:Lamp:1/attrs"
  int outcome = 0;       // the HTTP status answered
  std::string detail{};  // why it failed, or the token id created/revoked
};

struct AuditQuery {
  std::optional<Timestamp> from{};  // inclusive
  std::optional<Timestamp> to{};    // exclusive
  size_t limit = 100;
};

// Thread-safe. Events are keys "audit/<time µs, 16 hex><sequence, 8 hex>" in the store's
// metadata, so they sort by time and are never rewritten.
class AuditLog {
 public:
  AuditLog(store::Store& store, const Clock& clock);

  // Who makes an appended record durable.
  enum class Sync {
    kRequest,   // Append asks the store for a group commit (without waiting for it)
    kByCaller,  // the caller calls WhenDurable afterwards anyway (an audited write's reply)
  };
  // Stamps the time and writes the event, durable with the next group commit: before any write
  // acknowledged after it. kIoError when the store fails.
  Status Append(AuditEvent event, Sync sync = Sync::kRequest);
  // Events in time order from `from`, at most `limit`.
  std::vector<AuditEvent> Read(const AuditQuery& query) const;

  static boost::json::object ToJson(const AuditEvent& event);

 private:
  store::Store& store_;
  const Clock& clock_;
  std::atomic<uint32_t> sequence_;  // relaxed: only uniqueness matters
};

}  // namespace civitas::security
