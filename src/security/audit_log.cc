#include "civitas/security/audit_log.h"

#include <sodium.h>

#include <boost/json.hpp>
#include <cstdio>

#include "civitas/core/log.h"

namespace civitas::security {
namespace json = boost::json;
namespace {

constexpr std::string_view kPrefix = "audit/";

std::string TimeKey(Timestamp t) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(t.time_since_epoch().count()));
  return buf;
}

std::string Str(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

// The sequence starts at a random value so two processes (server, CLI) writing in the same
// microsecond do not collide.
AuditLog::AuditLog(store::Store& store, const Clock& clock)
    : store_(store), clock_(clock), sequence_(randombytes_random()) {}

json::object AuditLog::ToJson(const AuditEvent& e) {
  json::object o;
  o["time"] = FormatTimestamp(e.time);
  o["kind"] = e.kind;
  o["principal"] = e.principal;
  if (!e.role.empty()) o["role"] = e.role;
  o["source"] = e.source;
  o["tenant"] = e.tenant;
  o["action"] = e.action;
  o["outcome"] = e.outcome;
  if (!e.detail.empty()) o["detail"] = e.detail;
  return o;
}

Status AuditLog::Append(AuditEvent event, Sync sync) {
  event.time = clock_.Now();
  char seq[9];
  std::snprintf(seq, sizeof seq, "%08x", sequence_.fetch_add(1, std::memory_order_relaxed));
  // No fsync of its own: an audited write's acknowledgement waits for the group commit that
  // covers this record too; for other events WhenDurable makes it durable within one group
  // commit, without blocking the request thread.
  const std::pair<std::string, std::string> record{
      std::string(kPrefix) + TimeKey(event.time) + seq, json::serialize(ToJson(event))};
  CIVITAS_RETURN_IF_ERROR(store_.PutMetas({&record, 1}));
  if (sync == Sync::kByCaller) return Status::Ok();
  store_.WhenDurable([](Status synced) {
    if (!synced.ok()) spdlog::error("audit log sync failed: {}", synced.message());
  });
  return Status::Ok();
}

std::vector<AuditEvent> AuditLog::Read(const AuditQuery& query) const {
  // Scan only the key range both bounds share: their common hex prefix.
  std::string prefix(kPrefix);
  if (query.from && query.to) {
    std::string a = TimeKey(*query.from), b = TimeKey(*query.to);
    size_t n = 0;
    while (n < a.size() && a[n] == b[n]) ++n;
    prefix += a.substr(0, n);
  }
  const std::string from_key = query.from ? std::string(kPrefix) + TimeKey(*query.from) : "";
  const std::string to_key = query.to ? std::string(kPrefix) + TimeKey(*query.to) : "";
  std::vector<AuditEvent> out;
  for (const auto& [key, text] : store_.ScanMeta(prefix)) {
    if (out.size() >= query.limit) break;
    if (!from_key.empty() && key < from_key) continue;
    if (!to_key.empty() && key >= to_key) break;
    boost::system::error_code ec;
    json::value doc = json::parse(text, ec);
    if (ec || !doc.is_object()) continue;
    const auto& o = doc.as_object();
    AuditEvent e;
    auto time = ParseTimestamp(Str(o, "time"));
    if (time.ok()) e.time = *time;
    e.kind = Str(o, "kind");
    e.principal = Str(o, "principal");
    e.role = Str(o, "role");
    e.source = Str(o, "source");
    e.tenant = Str(o, "tenant");
    e.action = Str(o, "action");
    e.detail = Str(o, "detail");
    if (const auto* v = o.if_contains("outcome"); v != nullptr && v->is_int64()) {
      e.outcome = static_cast<int>(v->as_int64());
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace civitas::security
