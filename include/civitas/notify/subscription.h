#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/core/time.h"
#include "civitas/model/context.h"
#include "civitas/model/entity_json.h"
#include "civitas/query/entity_query.h"

namespace civitas::notify {

// What makes a change notify (NGSI-LD notificationTrigger, ETSI GS CIM 009 §5.2.12). A bit set.
enum Trigger : uint32_t {
  kEntityCreated = 1u << 0,
  kEntityUpdated = 1u << 1,
  kEntityDeleted = 1u << 2,
  kAttributeCreated = 1u << 3,
  kAttributeUpdated = 1u << 4,
  kAttributeDeleted = 1u << 5,
};
// The spec's default: entityCreated, attributeCreated, attributeUpdated.
inline constexpr uint32_t kDefaultTriggers = kEntityCreated | kAttributeCreated | kAttributeUpdated;

// One item of `entities` (EntitySelector): type is required, id and idPattern optional.
struct EntitySelector {
  std::string id;                             // empty: any id
  std::string id_pattern;                     // as given; empty: any id
  std::shared_ptr<const std::regex> pattern;  // compiled id_pattern (whole id must match)
  std::string type;                           // expanded IRI
};

enum class EndpointScheme { kHttp, kMqtt };

// notification.endpoint. The uri is split at parse time: http://host[:port]/path or
// mqtt://host[:port]/topic.
struct Endpoint {
  std::string uri;
  EndpointScheme scheme = EndpointScheme::kHttp;
  std::string host;
  uint16_t port = 0;
  std::string target;  // HTTP request target ("/path?query") or MQTT topic (no leading '/')
  std::string accept = "application/json";                         // or "application/ld+json"
  std::vector<std::pair<std::string, std::string>> receiver_info;  // HTTP headers
  std::vector<std::pair<std::string, std::string>> notifier_info;  // as given
  int mqtt_qos = 0;                                                // notifierInfo MQTT-QoS
};

// The delivery status members of NotificationParams (§5.2.14), kept by the Notifier.
struct DeliveryStatus {
  bool failed = false;  // "status": "failed" after the last attempt failed, else "ok"
  uint64_t times_sent = 0;
  uint64_t times_failed = 0;
  std::optional<Timestamp> last_notification;
  std::optional<Timestamp> last_success;
  std::optional<Timestamp> last_failure;
};

// An NGSI-LD Subscription (§5.2.12), validated and compiled. All names are expanded IRIs; the
// @context it was created with is kept to render notifications and to persist it. Immutable once
// built and shared as shared_ptr<const Subscription>; PATCH builds a new one.
struct Subscription {
  std::string id;
  std::string tenant;
  std::string name;
  std::string description;
  std::vector<EntitySelector> entities;         // empty: any entity (then watched attrs needed)
  std::vector<std::string> watched_attributes;  // empty: every attribute
  std::string q_text;                           // as given
  boost::json::value geo_q;                     // as given (null when absent)
  query::EntityQuery filter;                    // q and geoQ only, compiled
  uint32_t triggers = kDefaultTriggers;
  std::optional<std::chrono::milliseconds> time_interval;  // periodic notification
  std::optional<std::chrono::milliseconds> throttling;     // minimum gap between notifications
  std::optional<Timestamp> expires_at;
  bool is_active = true;
  std::string lang;
  // notification
  std::vector<std::string> notification_attributes;  // empty: all
  model::Representation format = model::Representation::kNormalized;
  bool sys_attrs = false;
  Endpoint endpoint;
  std::shared_ptr<const model::Context> context;
  std::optional<Timestamp> created_at;
  std::optional<Timestamp> modified_at;

  // "expired" when expires_at has passed, else "paused" when !is_active, else "active".
  std::string_view StatusAt(Timestamp now) const;
  bool Notifies(Timestamp now) const { return StatusAt(now) == "active"; }
};

// Parses a Subscription body (compacted terms, expanded with `context`, which the result keeps).
// `id` is used when the body has none (the caller generates one). Read-only members (status,
// timesSent, ...) are ignored. Contract checks:
// kBadRequestData for a wrong member type or value ("entities[0].type is required", "q: ...",
// "notification.endpoint.uri must be http:// or mqtt://", "timeInterval and watchedAttributes
// cannot be combined", ...); kInvalidRequest for q/geoQ syntax errors (from query/). Never throws.
Result<Subscription> ParseSubscription(const boost::json::value& body,
                                       std::shared_ptr<const model::Context> context,
                                       std::string id);

// The Subscription as JSON, names compacted with `context` (no @context member), with the status
// members: status (at `now`), and in notification: status, timesSent, timesFailed,
// lastNotification, lastSuccess, lastFailure. ParseSubscription(render) gives back an equal
// subscription.
boost::json::object RenderSubscription(const Subscription& subscription,
                                       const DeliveryStatus& delivery,
                                       const model::Context& context, Timestamp now);

// Reads the delivery status members of a rendered notification object (missing → zero).
DeliveryStatus ParseDeliveryStatus(const boost::json::value& notification);

}  // namespace civitas::notify
