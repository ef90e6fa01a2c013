// Discovery: GET /types, /types/{type}, /attributes, /attributes/{attrId} (§5.7.5-5.7.10).

#include <atomic>

#include <boost/json.hpp>

#include "broker_impl.h"

namespace civitas::api {
namespace json = boost::json;
namespace {

std::string ListId(std::string_view kind) {
  static std::atomic<uint64_t> next{1};
  return "urn:ngsi-ld:" + std::string(kind) + ":" +
         std::to_string(next.fetch_add(1, std::memory_order_relaxed));
}

bool Details(const RequestScope& scope) {
  const auto* details = scope.Param("details");
  return details != nullptr && *details == "true";
}

json::array Compacted(const std::vector<store::NameCount>& names, const model::Context& context) {
  json::array out;
  for (const auto& n : names) out.emplace_back(context.CompactIri(n.name));
  return out;
}

json::array KindNames(const std::vector<store::NameCount>& kinds) {
  json::array out;
  for (const auto& k : kinds) out.emplace_back(k.name);
  return out;
}

}  // namespace

Reply Broker::Impl::Types(RequestScope& scope) {
  if (auto s = CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  const auto& context = *scope.context;
  auto types = store.Types(scope.tenant);
  if (!Details(scope)) {
    return JsonReply(scope, http::status::ok,
                     json::object{{"id", ListId("EntityTypeList")},
                                  {"type", "EntityTypeList"},
                                  {"typeList", Compacted(types, context)}});
  }
  json::array out;
  for (const auto& t : types) {
    out.push_back(json::object{{"id", t.name},
                               {"type", "EntityType"},
                               {"typeName", context.CompactIri(t.name)},
                               {"attributeNames", Compacted(store.TypeAttributes(scope.tenant, t.name), context)}});
  }
  return JsonReply(scope, http::status::ok, std::move(out));
}

Reply Broker::Impl::TypeDetails(RequestScope& scope, const std::string& type) {
  if (auto s = CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  const auto& context = *scope.context;
  std::string iri = scope.Expand(type);
  int64_t count = 0;
  for (const auto& t : store.Types(scope.tenant)) {
    if (t.name == iri) count = t.count;
  }
  if (count == 0) return ErrorReply(scope, NotFound("no entity of type '" + type + "'"));
  json::array details;
  for (const auto& attr : store.TypeAttributes(scope.tenant, iri)) {
    details.push_back(json::object{{"id", attr.name},
                                   {"type", "Attribute"},
                                   {"attributeName", context.CompactIri(attr.name)},
                                   {"attributeTypes", KindNames(store.AttributeKinds(scope.tenant, attr.name))}});
  }
  return JsonReply(scope, http::status::ok,
                   json::object{{"id", iri},
                                {"type", "EntityTypeInfo"},
                                {"typeName", context.CompactIri(iri)},
                                {"entityCount", count},
                                {"attributeDetails", std::move(details)}});
}

Reply Broker::Impl::Attributes(RequestScope& scope) {
  if (auto s = CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  const auto& context = *scope.context;
  auto attrs = store.Attributes(scope.tenant);
  if (!Details(scope)) {
    return JsonReply(scope, http::status::ok,
                     json::object{{"id", ListId("AttributeList")},
                                  {"type", "AttributeList"},
                                  {"attributeList", Compacted(attrs, context)}});
  }
  json::array out;
  for (const auto& a : attrs) {
    out.push_back(json::object{{"id", a.name},
                               {"type", "Attribute"},
                               {"attributeName", context.CompactIri(a.name)},
                               {"typeNames", Compacted(store.AttributeTypes(scope.tenant, a.name), context)}});
  }
  return JsonReply(scope, http::status::ok, std::move(out));
}

Reply Broker::Impl::AttributeDetails(RequestScope& scope, const std::string& attr) {
  if (auto s = CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  const auto& context = *scope.context;
  std::string iri = scope.Expand(attr);
  int64_t count = 0;
  for (const auto& a : store.Attributes(scope.tenant)) {
    if (a.name == iri) count = a.count;
  }
  if (count == 0) return ErrorReply(scope, NotFound("no entity has attribute '" + attr + "'"));
  return JsonReply(scope, http::status::ok,
                   json::object{{"id", iri},
                                {"type", "Attribute"},
                                {"attributeName", context.CompactIri(iri)},
                                {"attributeCount", count},
                                {"attributeTypes", KindNames(store.AttributeKinds(scope.tenant, iri))},
                                {"typeNames", Compacted(store.AttributeTypes(scope.tenant, iri), context)}});
}

}  // namespace civitas::api
