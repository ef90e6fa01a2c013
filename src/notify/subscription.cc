#include "civitas/notify/subscription.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

namespace civitas::notify {
namespace json = boost::json;
namespace {

constexpr std::pair<std::string_view, Trigger> kTriggerNames[] = {
    {"entityCreated", kEntityCreated},       {"entityUpdated", kEntityUpdated},
    {"entityDeleted", kEntityDeleted},       {"attributeCreated", kAttributeCreated},
    {"attributeUpdated", kAttributeUpdated}, {"attributeDeleted", kAttributeDeleted},
};

Result<std::string> StringMember(const json::object& object, std::string_view key,
                                 std::string_view where) {
  const auto* value = object.if_contains(key);
  if (value == nullptr) return std::string();
  if (!value->is_string()) {
    return BadRequestData(std::string(where) + std::string(key) + " must be a string");
  }
  return std::string(value->get_string());
}

Result<std::vector<std::string>> NameList(const json::object& object, std::string_view key,
                                          const model::Context& context) {
  std::vector<std::string> names;
  const auto* value = object.if_contains(key);
  if (value == nullptr) return names;
  const auto* array = value->if_array();
  if (array == nullptr) return BadRequestData(std::string(key) + " must be an array of names");
  for (const auto& item : *array) {
    if (!item.is_string() || item.get_string().empty()) {
      return BadRequestData(std::string(key) + " must be an array of names");
    }
    CIVITAS_RETURN_IF_ERROR(model::ValidateAttributeName(item.get_string()));
    names.push_back(context.ExpandTerm(item.get_string()));
  }
  return names;
}

// A positive number of seconds, kept in milliseconds.
Result<std::optional<std::chrono::milliseconds>> Seconds(const json::object& object,
                                                         std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr) return std::optional<std::chrono::milliseconds>();
  if (!value->is_number()) return BadRequestData(std::string(key) + " must be a number of seconds");
  double seconds = value->to_number<double>();
  if (!(seconds > 0) || seconds > 1e9) {
    return BadRequestData(std::string(key) + " must be a positive number of seconds");
  }
  // Whole milliseconds, at least one; the epsilon keeps render → parse from rounding up.
  auto ms = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(seconds * 1000 - 1e-6)));
  return std::optional(std::chrono::milliseconds(ms));
}

Result<std::vector<std::pair<std::string, std::string>>> KeyValues(const json::object& endpoint,
                                                                   std::string_view key) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto* value = endpoint.if_contains(key);
  if (value == nullptr) return out;
  std::string what = "notification.endpoint." + std::string(key);
  if (!value->is_array()) return BadRequestData(what + " must be an array of {key, value}");
  for (const auto& item : value->get_array()) {
    const auto* pair = item.if_object();
    const json::value* k = pair ? pair->if_contains("key") : nullptr;
    const json::value* v = pair ? pair->if_contains("value") : nullptr;
    if (k == nullptr || v == nullptr || !k->is_string() || !v->is_string() ||
        k->get_string().empty()) {
      return BadRequestData(what + " items must be {\"key\": string, \"value\": string}");
    }
    // Values become HTTP header lines: no line breaks.
    for (const auto& text : {k->get_string(), v->get_string()}) {
      if (text.find_first_of("\r\n") != json::string::npos) {
        return BadRequestData(what + " must not contain line breaks");
      }
    }
    out.emplace_back(k->get_string(), v->get_string());
  }
  return out;
}

// scheme://host[:port]/rest
Status SplitUri(Endpoint& endpoint) {
  std::string_view uri = endpoint.uri;
  uint16_t default_port = 0;
  if (uri.starts_with("http://")) {
    endpoint.scheme = EndpointScheme::kHttp;
    uri.remove_prefix(7);
    default_port = 80;
  } else if (uri.starts_with("mqtt://")) {
    endpoint.scheme = EndpointScheme::kMqtt;
    uri.remove_prefix(7);
    default_port = 1883;
  } else if (uri.starts_with("https://") || uri.starts_with("mqtts://")) {
    return Status(StatusCode::kOperationNotSupported,
                  "notification.endpoint.uri: TLS endpoints (https, mqtts) are not supported yet");
  } else {
    return BadRequestData("notification.endpoint.uri must be an http:// or mqtt:// URI");
  }
  size_t slash = uri.find('/');
  std::string_view authority = uri.substr(0, slash);
  std::string_view rest = slash == std::string_view::npos ? "/" : uri.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return BadRequestData("notification.endpoint.uri: user info is not supported");
  }
  size_t colon = authority.rfind(':');
  endpoint.host = std::string(authority.substr(0, colon));
  endpoint.port = default_port;
  if (colon != std::string_view::npos) {
    std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return BadRequestData("notification.endpoint.uri has an invalid port");
    }
    endpoint.port = static_cast<uint16_t>(value);
  }
  if (endpoint.host.empty()) return BadRequestData("notification.endpoint.uri has no host");
  if (endpoint.uri.find_first_of(" \r\n\t") != std::string::npos) {
    return BadRequestData("notification.endpoint.uri must not contain spaces or line breaks");
  }
  if (endpoint.scheme == EndpointScheme::kMqtt) {
    rest.remove_prefix(1);
    if (rest.empty() || rest.find_first_of("+#") != std::string_view::npos) {
      return BadRequestData("notification.endpoint.uri: mqtt needs a topic without wildcards");
    }
  }
  endpoint.target = std::string(rest);
  return Status::Ok();
}

Result<Endpoint> ParseEndpoint(const json::value* value) {
  if (value == nullptr) return BadRequestData("notification.endpoint is required");
  const auto* object = value->if_object();
  if (object == nullptr) return BadRequestData("notification.endpoint must be an object");
  Endpoint endpoint;
  CIVITAS_ASSIGN_OR_RETURN(endpoint.uri, StringMember(*object, "uri", "notification.endpoint."));
  if (endpoint.uri.empty()) return BadRequestData("notification.endpoint.uri is required");
  CIVITAS_RETURN_IF_ERROR(SplitUri(endpoint));
  CIVITAS_ASSIGN_OR_RETURN(auto accept, StringMember(*object, "accept", "notification.endpoint."));
  if (!accept.empty()) {
    if (accept != "application/json" && accept != "application/ld+json") {
      return BadRequestData(
          "notification.endpoint.accept must be application/json or application/ld+json");
    }
    endpoint.accept = accept;
  }
  CIVITAS_ASSIGN_OR_RETURN(endpoint.receiver_info, KeyValues(*object, "receiverInfo"));
  CIVITAS_ASSIGN_OR_RETURN(endpoint.notifier_info, KeyValues(*object, "notifierInfo"));
  for (const auto& [key, v] : endpoint.notifier_info) {
    if (key != "MQTT-QoS") continue;
    if (v != "0" && v != "1" && v != "2") {
      return BadRequestData("notifierInfo MQTT-QoS must be 0, 1 or 2");
    }
    endpoint.mqtt_qos = v[0] - '0';
  }
  return endpoint;
}

Status ParseNotification(const json::value* value, Subscription& sub) {
  if (value == nullptr) return BadRequestData("notification is required");
  const auto* object = value->if_object();
  if (object == nullptr) return BadRequestData("notification must be an object");
  CIVITAS_ASSIGN_OR_RETURN(sub.notification_attributes,
                           NameList(*object, "attributes", *sub.context));
  CIVITAS_ASSIGN_OR_RETURN(auto format, StringMember(*object, "format", "notification."));
  if (format.empty() || format == "normalized") {
    sub.format = model::Representation::kNormalized;
  } else if (format == "keyValues") {
    sub.format = model::Representation::kKeyValues;
  } else if (format == "concise") {
    sub.format = model::Representation::kConcise;
  } else {
    return BadRequestData("notification.format must be normalized, keyValues or concise");
  }
  if (const auto* sys = object->if_contains("sysAttrs")) {
    if (!sys->is_bool()) return BadRequestData("notification.sysAttrs must be a boolean");
    sub.sys_attrs = sys->get_bool();
  }
  CIVITAS_ASSIGN_OR_RETURN(sub.endpoint, ParseEndpoint(object->if_contains("endpoint")));
  return Status::Ok();
}

Status ParseEntities(const json::value* value, Subscription& sub) {
  if (value == nullptr) return Status::Ok();
  const auto* array = value->if_array();
  if (array == nullptr || array->empty()) {
    return BadRequestData("entities must be a non-empty array of EntitySelectors");
  }
  for (size_t i = 0; i < array->size(); ++i) {
    std::string where = "entities[" + std::to_string(i) + "].";
    const auto* item = (*array)[i].if_object();
    if (item == nullptr)
      return BadRequestData(where.substr(0, where.size() - 1) + " must be an object");
    EntitySelector selector;
    CIVITAS_ASSIGN_OR_RETURN(auto type, StringMember(*item, "type", where));
    if (type.empty()) return BadRequestData(where + "type is required");
    selector.type = sub.context->ExpandTerm(type);
    CIVITAS_ASSIGN_OR_RETURN(selector.id, StringMember(*item, "id", where));
    if (!selector.id.empty() && !model::IsUri(selector.id)) {
      return BadRequestData(where + "id must be a URI");
    }
    CIVITAS_ASSIGN_OR_RETURN(selector.id_pattern, StringMember(*item, "idPattern", where));
    if (!selector.id_pattern.empty()) {
      if (selector.id_pattern.size() > 256) {
        return BadRequestData(where + "idPattern is longer than 256 characters");
      }
      try {
        selector.pattern = std::make_shared<const std::regex>(
            selector.id_pattern, std::regex::ECMAScript | std::regex::optimize);
      } catch (const std::regex_error&) {
        return BadRequestData(where + "idPattern is not a valid regular expression");
      }
    }
    sub.entities.push_back(std::move(selector));
  }
  return Status::Ok();
}

Result<uint32_t> ParseTriggers(const json::value* value) {
  if (value == nullptr) return kDefaultTriggers;
  const auto* array = value->if_array();
  if (array == nullptr || array->empty()) {
    return BadRequestData("notificationTrigger must be a non-empty array");
  }
  uint32_t triggers = 0;
  for (const auto& item : *array) {
    const auto* name = item.if_string();
    auto it = std::find_if(std::begin(kTriggerNames), std::end(kTriggerNames),
                           [&](const auto& t) { return name && t.first == *name; });
    if (it == std::end(kTriggerNames)) {
      return BadRequestData(
          "notificationTrigger items must be one of entityCreated, "
          "entityUpdated, entityDeleted, attributeCreated, attributeUpdated, "
          "attributeDeleted");
    }
    triggers |= it->second;
  }
  return triggers;
}

Result<std::optional<Timestamp>> TimeMember(const json::object& object, std::string_view key) {
  CIVITAS_ASSIGN_OR_RETURN(auto text, StringMember(object, key, ""));
  if (text.empty()) return std::optional<Timestamp>();
  auto parsed = ParseTimestamp(text);
  if (!parsed.ok()) return BadRequestData(std::string(key) + " must be an ISO 8601 date-time");
  return std::optional(*parsed);
}

}  // namespace

std::string_view Subscription::StatusAt(Timestamp now) const {
  if (expires_at && *expires_at <= now) return "expired";
  return is_active ? "active" : "paused";
}

Result<Subscription> ParseSubscription(const json::value& body,
                                       std::shared_ptr<const model::Context> context,
                                       std::string id) {
  const auto* object = body.if_object();
  if (object == nullptr) return BadRequestData("a Subscription must be a JSON object");
  Subscription sub;
  sub.context = std::move(context);
  CIVITAS_ASSIGN_OR_RETURN(auto type, StringMember(*object, "type", ""));
  if (type != "Subscription") return BadRequestData("type must be \"Subscription\"");
  CIVITAS_ASSIGN_OR_RETURN(sub.id, StringMember(*object, "id", ""));
  if (sub.id.empty()) sub.id = std::move(id);
  if (!model::IsUri(sub.id)) return BadRequestData("id must be a URI");
  CIVITAS_ASSIGN_OR_RETURN(sub.name, StringMember(*object, "subscriptionName", ""));
  CIVITAS_ASSIGN_OR_RETURN(sub.description, StringMember(*object, "description", ""));
  CIVITAS_RETURN_IF_ERROR(ParseEntities(object->if_contains("entities"), sub));
  CIVITAS_ASSIGN_OR_RETURN(sub.watched_attributes,
                           NameList(*object, "watchedAttributes", *sub.context));
  if (object->contains("watchedAttributes") && sub.watched_attributes.empty()) {
    return BadRequestData("watchedAttributes must not be empty");
  }
  if (sub.entities.empty() && sub.watched_attributes.empty()) {
    return BadRequestData("a Subscription needs entities or watchedAttributes");
  }
  query::TermExpander expand = [&](std::string_view term) { return sub.context->ExpandTerm(term); };
  CIVITAS_ASSIGN_OR_RETURN(sub.q_text, StringMember(*object, "q", ""));
  if (!sub.q_text.empty()) {
    CIVITAS_ASSIGN_OR_RETURN(sub.filter.q, query::ParseQ(sub.q_text, expand));
  }
  if (const auto* geo_q = object->if_contains("geoQ")) {
    CIVITAS_ASSIGN_OR_RETURN(auto geo, query::ParseGeoQueryJson(*geo_q, expand));
    sub.filter.geo = std::make_shared<const query::GeoQuery>(std::move(geo));
    sub.geo_q = *geo_q;
  }
  CIVITAS_ASSIGN_OR_RETURN(sub.triggers, ParseTriggers(object->if_contains("notificationTrigger")));
  CIVITAS_ASSIGN_OR_RETURN(sub.time_interval, Seconds(*object, "timeInterval"));
  CIVITAS_ASSIGN_OR_RETURN(sub.throttling, Seconds(*object, "throttling"));
  if (sub.time_interval && !sub.watched_attributes.empty()) {
    return BadRequestData("timeInterval and watchedAttributes cannot be combined");
  }
  if (sub.time_interval && sub.throttling) {
    return BadRequestData("timeInterval and throttling cannot be combined");
  }
  if (sub.time_interval && sub.entities.empty()) {
    return BadRequestData("a periodic Subscription (timeInterval) needs entities");
  }
  CIVITAS_ASSIGN_OR_RETURN(sub.expires_at, TimeMember(*object, "expiresAt"));
  if (const auto* active = object->if_contains("isActive")) {
    if (!active->is_bool()) return BadRequestData("isActive must be a boolean");
    sub.is_active = active->get_bool();
  }
  CIVITAS_ASSIGN_OR_RETURN(sub.lang, StringMember(*object, "lang", ""));
  CIVITAS_RETURN_IF_ERROR(ParseNotification(object->if_contains("notification"), sub));
  CIVITAS_ASSIGN_OR_RETURN(sub.created_at, TimeMember(*object, "createdAt"));
  CIVITAS_ASSIGN_OR_RETURN(sub.modified_at, TimeMember(*object, "modifiedAt"));
  return sub;
}

namespace {

json::array KeyValuesJson(const std::vector<std::pair<std::string, std::string>>& items) {
  json::array out;
  for (const auto& [k, v] : items) out.push_back(json::object{{"key", k}, {"value", v}});
  return out;
}

json::array NamesJson(const std::vector<std::string>& names, const model::Context& context) {
  json::array out;
  for (const auto& n : names) out.emplace_back(context.CompactIri(n));
  return out;
}

void PutTime(json::object& object, std::string_view key, const std::optional<Timestamp>& t) {
  if (t) object[key] = FormatTimestamp(*t);
}

}  // namespace

json::object RenderSubscription(const Subscription& sub, const DeliveryStatus& delivery,
                                const model::Context& context, Timestamp now) {
  json::object out;
  out["id"] = sub.id;
  out["type"] = "Subscription";
  if (!sub.name.empty()) out["subscriptionName"] = sub.name;
  if (!sub.description.empty()) out["description"] = sub.description;
  if (!sub.entities.empty()) {
    json::array entities;
    for (const auto& e : sub.entities) {
      json::object selector;
      if (!e.id.empty()) selector["id"] = e.id;
      if (!e.id_pattern.empty()) selector["idPattern"] = e.id_pattern;
      selector["type"] = context.CompactIri(e.type);
      entities.push_back(std::move(selector));
    }
    out["entities"] = std::move(entities);
  }
  if (!sub.watched_attributes.empty()) {
    out["watchedAttributes"] = NamesJson(sub.watched_attributes, context);
  }
  if (!sub.q_text.empty()) out["q"] = sub.q_text;
  if (!sub.geo_q.is_null()) out["geoQ"] = sub.geo_q;
  json::array triggers;
  for (const auto& [name, bit] : kTriggerNames) {
    if (sub.triggers & bit) triggers.emplace_back(name);
  }
  out["notificationTrigger"] = std::move(triggers);
  if (sub.time_interval) out["timeInterval"] = sub.time_interval->count() / 1000.0;
  if (sub.throttling) out["throttling"] = sub.throttling->count() / 1000.0;
  PutTime(out, "expiresAt", sub.expires_at);
  out["isActive"] = sub.is_active;
  out["status"] = sub.StatusAt(now);
  if (!sub.lang.empty()) out["lang"] = sub.lang;

  json::object endpoint{{"uri", sub.endpoint.uri}, {"accept", sub.endpoint.accept}};
  if (!sub.endpoint.receiver_info.empty()) {
    endpoint["receiverInfo"] = KeyValuesJson(sub.endpoint.receiver_info);
  }
  if (!sub.endpoint.notifier_info.empty()) {
    endpoint["notifierInfo"] = KeyValuesJson(sub.endpoint.notifier_info);
  }
  json::object notification;
  if (!sub.notification_attributes.empty()) {
    notification["attributes"] = NamesJson(sub.notification_attributes, context);
  }
  constexpr std::string_view kFormats[] = {"normalized", "keyValues", "concise"};
  notification["format"] = kFormats[static_cast<int>(sub.format)];
  if (sub.sys_attrs) notification["sysAttrs"] = true;
  notification["endpoint"] = std::move(endpoint);
  notification["status"] = delivery.failed ? "failed" : "ok";
  notification["timesSent"] = delivery.times_sent;
  notification["timesFailed"] = delivery.times_failed;
  PutTime(notification, "lastNotification", delivery.last_notification);
  PutTime(notification, "lastSuccess", delivery.last_success);
  PutTime(notification, "lastFailure", delivery.last_failure);
  out["notification"] = std::move(notification);
  PutTime(out, "createdAt", sub.created_at);
  PutTime(out, "modifiedAt", sub.modified_at);
  return out;
}

DeliveryStatus ParseDeliveryStatus(const json::value& notification) {
  DeliveryStatus status;
  const auto* object = notification.if_object();
  if (object == nullptr) return status;
  auto count = [&](std::string_view key) -> uint64_t {
    const auto* v = object->if_contains(key);
    if (v == nullptr) return 0;
    boost::system::error_code ec;
    auto n = v->to_number<uint64_t>(ec);
    return ec ? 0 : n;
  };
  auto time = [&](std::string_view key) -> std::optional<Timestamp> {
    const auto* v = object->if_contains(key);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    auto parsed = ParseTimestamp(v->get_string());
    return parsed.ok() ? std::optional(*parsed) : std::nullopt;
  };
  const auto* s = object->if_contains("status");
  status.failed = s && s->is_string() && s->get_string() == "failed";
  status.times_sent = count("timesSent");
  status.times_failed = count("timesFailed");
  status.last_notification = time("lastNotification");
  status.last_success = time("lastSuccess");
  status.last_failure = time("lastFailure");
  return status;
}

}  // namespace civitas::notify
