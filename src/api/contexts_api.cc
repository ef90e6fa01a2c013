// Hosted @contexts: /ngsi-ld/v1/jsonldContexts[/{id}] (§5.13). Hosted contexts are persisted in
// the store's metadata so they survive restarts.

#include <boost/json.hpp>

#include "broker_impl.h"

namespace civitas::api {
namespace json = boost::json;
namespace {

json::object Describe(const model::ContextStore::HostedContext& c) {
  return json::object{{"id", c.id}, {"url", c.url}, {"kind", c.kind}};
}

}  // namespace

Reply Broker::Impl::ContextsEndpoint(RequestScope& scope) {
  const auto method = scope.http->method();
  const auto& seg = scope.segments;
  // Hosted contexts are served as plain JSON: they are not compacted with a context themselves.
  scope.media = ResponseMedia::kJson;
  if (seg.size() == 1 && method == http::verb::post) {
    if (!scope.body.is_object() || !scope.body.as_object().contains("@context")) {
      return ErrorReply(scope, BadRequestData("the body must be a JSON object with an @context"));
    }
    auto added = contexts.Add(scope.body);
    if (!added.ok()) return ErrorReply(scope, added.status());
    if (auto s = store.PutMeta("context/" + added->id, json::serialize(scope.body)); !s.ok()) {
      (void)contexts.Remove(added->id);
      return ErrorReply(scope, s);
    }
    Reply reply = EmptyReply(scope, http::status::created);
    reply.response.set(http::field::location, "/ngsi-ld/v1/jsonldContexts/" + added->id);
    return reply;
  }
  if (seg.size() == 1 && method == http::verb::get) {
    const std::string* details = scope.Param("details");
    json::array out;
    for (const auto& c : contexts.List()) {
      if (details && *details == "true") {
        out.push_back(Describe(c));
      } else {
        out.emplace_back(c.url);
      }
    }
    Reply reply = JsonReply(scope, http::status::ok, std::move(out));
    reply.response.erase(http::field::link);
    return reply;
  }
  if (seg.size() == 2 && method == http::verb::get) {
    auto found = contexts.Get(seg[1]);
    if (!found.ok()) return ErrorReply(scope, found.status());
    Reply reply = JsonReply(scope, http::status::ok, found->document);
    reply.response.erase(http::field::link);
    return reply;
  }
  if (seg.size() == 2 && method == http::verb::delete_) {
    auto found = contexts.Get(seg[1]);
    if (!found.ok()) return ErrorReply(scope, found.status());
    if (auto s = contexts.Remove(seg[1]); !s.ok()) return ErrorReply(scope, s);
    if (auto s = store.DeleteMeta("context/" + found->id); !s.ok()) return ErrorReply(scope, s);
    return EmptyReply(scope, http::status::no_content);
  }
  return ErrorReply(scope, InvalidRequest("unsupported method on /jsonldContexts"));
}

}  // namespace civitas::api
