#include "src/notify/notification.h"

#include <boost/json.hpp>

#include "civitas/model/entity_json.h"
#include "civitas/model/json_text.h"

namespace civitas::notify {
namespace json = boost::json;

json::object RenderNotifiedEntity(const Subscription& sub, const model::Entity& entity) {
  model::RenderOptions options;
  options.representation = sub.format;
  options.sys_attrs = sub.sys_attrs;
  options.attrs.insert(sub.notification_attributes.begin(), sub.notification_attributes.end());
  options.lang = sub.lang;
  return model::RenderEntity(entity, *sub.context, options);
}

json::object RenderNotifiedEntity(const Subscription& sub, const store::EntityChange& change) {
  if (change.after) return RenderNotifiedEntity(sub, *change.after);
  model::Entity gone;
  gone.id = change.before->id;
  gone.types = change.before->types;
  return RenderNotifiedEntity(sub, gone);
}

OutgoingNotification BuildNotification(const Subscription& sub, json::array data,
                                       const std::string& notification_id, Timestamp notified_at) {
  json::object notification{{"id", notification_id},
                            {"type", "Notification"},
                            {"subscriptionId", sub.id},
                            {"notifiedAt", FormatTimestamp(notified_at)},
                            {"data", std::move(data)}};
  OutgoingNotification out;
  const json::value& context = sub.context->Source();
  if (sub.endpoint.accept == "application/ld+json") {
    notification["@context"] = context;
    out.headers.emplace_back("Content-Type", "application/ld+json");
  } else {
    out.headers.emplace_back("Content-Type", "application/json");
    if (context.is_string()) {
      out.headers.emplace_back("Link", "<" + std::string(context.get_string()) +
                                           ">; rel=\"http://www.w3.org/ns/json-ld#context\"; "
                                           "type=\"application/ld+json\"");
    }
  }
  if (!sub.tenant.empty()) out.headers.emplace_back("NGSILD-Tenant", sub.tenant);
  for (const auto& header : sub.endpoint.receiver_info) out.headers.push_back(header);
  if (sub.endpoint.scheme == EndpointScheme::kHttp) {
    out.body = model::ToJsonText(notification);
  } else {
    // MQTT 3.1.1 has no headers: they travel as "metadata" beside the notification "body".
    json::object metadata;
    for (const auto& [name, value] : out.headers) metadata[name] = value;
    out.body = model::ToJsonText(
        json::object{{"metadata", std::move(metadata)}, {"body", std::move(notification)}});
  }
  return out;
}

}  // namespace civitas::notify
