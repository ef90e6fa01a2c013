#pragma once

// Rendering of Notification messages (ETSI GS CIM 009 §5.3.1). Internal to notify/; pure.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>

#include "civitas/core/time.h"
#include "civitas/notify/subscription.h"
#include "civitas/store/store.h"
#include "src/notify/delivery.h"

namespace civitas::notify {

// The entity of a change as one `data` item, in the subscription's format with only
// notification.attributes (if given), compacted with the subscription's @context. A deleted
// entity is rendered as {id, type} as it was before.
boost::json::object RenderNotifiedEntity(const Subscription& subscription,
                                         const store::EntityChange& change);
boost::json::object RenderNotifiedEntity(const Subscription& subscription,
                                         const model::Entity& entity);

// One notification ready for a transport.
struct OutgoingNotification {
  std::string body;  // HTTP body, or the MQTT payload {"metadata": {headers}, "body": {...}}
  Headers headers;   // Content-Type, Link (application/json), NGSILD-Tenant, receiverInfo
};

// {id, type: "Notification", subscriptionId, notifiedAt, data} for the subscription's endpoint:
// application/json gets a Link header to the @context when it is a URL, application/ld+json gets
// "@context" in the body.
OutgoingNotification BuildNotification(const Subscription& subscription, boost::json::array data,
                                       const std::string& notification_id, Timestamp notified_at);

}  // namespace civitas::notify
