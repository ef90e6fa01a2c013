// Subscriptions: /ngsi-ld/v1/subscriptions[/{id}] (§5.8). The subscriptions themselves and their
// delivery live in notify/; this file turns requests into Notifier calls.

#include <boost/json.hpp>
#include <charconv>

#include "broker_impl.h"
#include "civitas/notify/notifier.h"

namespace civitas::api {
namespace json = boost::json;
namespace {

Result<size_t> CountParam(const RequestScope& scope, std::string_view name, size_t fallback) {
  const std::string* text = scope.Param(name);
  if (text == nullptr) return fallback;
  size_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) {
    return BadRequestData(std::string(name) + " must be a non-negative integer, not '" + *text +
                          "'");
  }
  return value;
}

Status CheckExpiry(const notify::Subscription& subscription, Timestamp now) {
  if (subscription.expires_at && *subscription.expires_at <= now) {
    return BadRequestData("expiresAt must be in the future");
  }
  return Status::Ok();
}

Status CheckId(const std::string& id) {
  if (!model::IsUri(id)) return BadRequestData("subscription id '" + id + "' is not a URI");
  return Status::Ok();
}

}  // namespace

Reply Broker::Impl::CreateSubscription(RequestScope& scope) {
  Timestamp now = clock.Now();
  CIVITAS_ASSIGN_OR_RETURN_REPLY(
      auto parsed,
      notify::ParseSubscription(scope.body, scope.context, notify::NewSubscriptionId()));
  if (auto s = CheckExpiry(parsed, now); !s.ok()) return ErrorReply(scope, s);
  parsed.tenant = scope.tenant;
  parsed.created_at = parsed.modified_at = now;
  std::string id = parsed.id;
  if (auto s = notifier->Create(std::make_shared<const notify::Subscription>(std::move(parsed)));
      !s.ok()) {
    return ErrorReply(scope, s);
  }
  Reply reply = EmptyReply(scope, http::status::created);
  reply.response.set(http::field::location, "/ngsi-ld/v1/subscriptions/" + id);
  return reply;
}

Reply Broker::Impl::QuerySubscriptions(RequestScope& scope) {
  CIVITAS_ASSIGN_OR_RETURN_REPLY(size_t limit,
                                 CountParam(scope, "limit", options.default_page_size));
  CIVITAS_ASSIGN_OR_RETURN_REPLY(size_t offset, CountParam(scope, "offset", 0));
  if (limit > options.max_page_size) {
    return ErrorReply(
        scope, Status(StatusCode::kTooManyResults, "limit " + std::to_string(limit) +
                                                       " exceeds the maximum page size " +
                                                       std::to_string(options.max_page_size)));
  }
  const std::string* count = scope.Param("count");
  bool with_count = count != nullptr && *count == "true";
  if (limit == 0 && !with_count) {
    return ErrorReply(scope, BadRequestData("limit=0 is only meaningful with count=true"));
  }
  auto all = notifier->List(scope.tenant);
  Timestamp now = clock.Now();
  json::array out;
  for (size_t i = offset; i < all.size() && out.size() < limit; ++i) {
    out.push_back(
        notify::RenderSubscription(*all[i].subscription, all[i].delivery, *scope.context, now));
  }
  Reply reply = JsonReply(scope, http::status::ok, std::move(out));
  if (with_count) reply.response.set("NGSILD-Results-Count", std::to_string(all.size()));
  return reply;
}

Reply Broker::Impl::RetrieveSubscription(RequestScope& scope, const std::string& id) {
  if (auto s = CheckId(id); !s.ok()) return ErrorReply(scope, s);
  CIVITAS_ASSIGN_OR_RETURN_REPLY(auto view, notifier->Get(scope.tenant, id));
  return JsonReply(
      scope, http::status::ok,
      notify::RenderSubscription(*view.subscription, view.delivery, *scope.context, clock.Now()));
}

Reply Broker::Impl::UpdateSubscription(RequestScope& scope, const std::string& id) {
  if (auto s = CheckId(id); !s.ok()) return ErrorReply(scope, s);
  const auto* fragment = scope.body.if_object();
  if (fragment == nullptr || fragment->empty()) {
    return ErrorReply(scope, BadRequestData("the body must be a non-empty Subscription fragment"));
  }
  if (const auto* fragment_id = fragment->if_contains("id");
      fragment_id && (!fragment_id->is_string() || fragment_id->get_string() != id)) {
    return ErrorReply(scope, BadRequestData("the subscription id cannot be changed"));
  }
  CIVITAS_ASSIGN_OR_RETURN_REPLY(auto view, notifier->Get(scope.tenant, id));
  Timestamp now = clock.Now();
  // Merge in the request's terms: render the current subscription with the request's @context,
  // overlay the fragment (notification member by member), and validate the result as a whole.
  json::object merged =
      notify::RenderSubscription(*view.subscription, view.delivery, *scope.context, now);
  for (const auto& [key, value] : *fragment) {
    if (key == "@context") continue;
    if (value.is_null()) {
      merged.erase(key);  // null removes an optional member
    } else if (key == "notification" && value.is_object() && merged["notification"].is_object()) {
      for (const auto& [member, v] : value.get_object()) {
        merged["notification"].as_object()[member] = v;
      }
    } else {
      merged[key] = value;
    }
  }
  CIVITAS_ASSIGN_OR_RETURN_REPLY(auto parsed, notify::ParseSubscription(merged, scope.context, id));
  if (auto s = CheckExpiry(parsed, now); !s.ok()) return ErrorReply(scope, s);
  parsed.tenant = scope.tenant;
  parsed.created_at = view.subscription->created_at;
  parsed.modified_at = now;
  if (auto s = notifier->Replace(std::make_shared<const notify::Subscription>(std::move(parsed)));
      !s.ok()) {
    return ErrorReply(scope, s);
  }
  return EmptyReply(scope, http::status::no_content);
}

Reply Broker::Impl::DeleteSubscription(RequestScope& scope, const std::string& id) {
  if (auto s = CheckId(id); !s.ok()) return ErrorReply(scope, s);
  if (auto s = notifier->Delete(scope.tenant, id); !s.ok()) return ErrorReply(scope, s);
  return EmptyReply(scope, http::status::no_content);
}

Reply Broker::Impl::SubscriptionsEndpoint(RequestScope& scope) {
  const auto method = scope.http->method();
  const auto& seg = scope.segments;
  if (notifier == nullptr) {
    return ErrorReply(scope, Status(StatusCode::kOperationNotSupported,
                                    "subscriptions are not enabled on this server"));
  }
  if (seg.size() == 1 && method == http::verb::post) return CreateSubscription(scope);
  if (seg.size() == 1 && method == http::verb::get) return QuerySubscriptions(scope);
  if (seg.size() == 2 && method == http::verb::get) return RetrieveSubscription(scope, seg[1]);
  if (seg.size() == 2 && method == http::verb::patch) return UpdateSubscription(scope, seg[1]);
  if (seg.size() == 2 && method == http::verb::delete_) return DeleteSubscription(scope, seg[1]);
  if (seg.size() <= 2) {
    return ErrorReply(scope, Status(StatusCode::kInvalidRequest,
                                    "method " + std::string(scope.http->method_string()) +
                                        " is not allowed on /ngsi-ld/v1/subscriptions"));
  }
  return ErrorReply(scope, NotFound("no NGSI-LD resource at this subscriptions path"));
}

}  // namespace civitas::api
