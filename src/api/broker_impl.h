#pragma once

// Shared state and handler declarations of the NGSI-LD broker. Internal to api/.

#include <memory>

#include "civitas/api/broker.h"
#include "civitas/query/entity_query.h"
#include "civitas/query/geo_query_cache.h"
#include "request_scope.h"
#include "spare_cores.h"

namespace civitas::api {

struct TemporalParams;  // temporal.h

struct Broker::Impl {
  store::Store& store;
  model::ContextStore& contexts;
  const Clock& clock;
  BrokerOptions options;
  ingest::DeviceRegistry* devices;  // null: no provisioning API
  notify::Notifier* notifier;       // null: no subscriptions API
  std::unique_ptr<SpareCores> spare_cores = nullptr;  // BrokerOptions::query_threads
  query::GeoQueryCache geo_queries{};                 // of GET /entities, /temporal/entities

  Reply Route(HttpRequest& request, const std::atomic<bool>& ready,
              const std::function<bool()>& readiness_check, const EntityFilter* writable);

  // entities.cc
  Reply CreateEntity(RequestScope& scope);
  Reply RetrieveEntity(RequestScope& scope, const std::string& id);
  Reply ReplaceEntity(RequestScope& scope, const std::string& id);
  Reply MergeEntity(RequestScope& scope, const std::string& id);
  Reply DeleteEntity(RequestScope& scope, const std::string& id);
  Reply WriteAttrs(RequestScope& scope, const std::string& id, bool append);
  Reply PatchAttr(RequestScope& scope, const std::string& id, const std::string& attr, bool replace);
  Reply DeleteAttr(RequestScope& scope, const std::string& id, const std::string& attr);

  // queries.cc
  Reply QueryEntities(RequestScope& scope);
  Reply QueryEntitiesPost(RequestScope& scope);

  // temporal.cc
  Reply QueryTemporal(RequestScope& scope);
  Reply RetrieveTemporal(RequestScope& scope, const std::string& id);
  Reply CreateTemporal(RequestScope& scope);
  Reply AppendTemporal(RequestScope& scope, const std::string& id);
  Reply DeleteTemporal(RequestScope& scope, const std::string& id);
  Reply DeleteTemporalAttr(RequestScope& scope, const std::string& id, const std::string& attr);
  Reply QueryTemporalPost(RequestScope& scope);
  Reply WriteTemporalInstance(RequestScope& scope, const std::string& id, const std::string& attr,
                              const std::string& instance_id, bool remove);
  Reply RunTemporalQuery(RequestScope& scope, const TemporalParams& params,
                         const query::EntityQuery& query);

  // batch.cc
  Reply Batch(RequestScope& scope, const std::string& operation);

  // discovery.cc
  Reply Types(RequestScope& scope);
  Reply TypeDetails(RequestScope& scope, const std::string& type);
  Reply Attributes(RequestScope& scope);
  Reply AttributeDetails(RequestScope& scope, const std::string& attr);

  // contexts_api.cc
  Reply ContextsEndpoint(RequestScope& scope);

  // subscriptions.cc
  Reply SubscriptionsEndpoint(RequestScope& scope);
  Reply CreateSubscription(RequestScope& scope);
  Reply QuerySubscriptions(RequestScope& scope);
  Reply RetrieveSubscription(RequestScope& scope, const std::string& id);
  Reply UpdateSubscription(RequestScope& scope, const std::string& id);
  Reply DeleteSubscription(RequestScope& scope, const std::string& id);

  // ingest_api.cc: POST /api/v2/write, /write (InfluxDB line protocol), /api/v1/bulk/csv
  Reply WriteLineProtocol(HttpRequest& request, const EntityFilter* writable);
  Reply BulkCsv(HttpRequest& request, const EntityFilter* writable);

  // provisioning.cc: the IoT Agent API /iot/services and /iot/devices[/{id}]
  Reply Provisioning(HttpRequest& request, std::string_view path);

  // Reads need the tenant to exist (NonexistentTenant otherwise); writes create it.
  Status CheckTenant(const RequestScope& scope) const;
};

// GET /entities parameters (id, idPattern, type, attrs, q, geo-query, paging) as a query
// (queries.cc), the geo-query from `geo_queries`. kBadRequestData / kInvalidRequest /
// kTooManyResults on bad parameters.
Result<query::EntityQuery> QueryFromParams(const RequestScope& scope, const BrokerOptions& options,
                                           query::GeoQueryCache& geo_queries);
// The same from a POST /entityOperations/query body (a Query object).
Result<query::EntityQuery> QueryFromBody(const RequestScope& scope, const BrokerOptions& options);

// On a GET whose page came back full (`page_size` == `limit`), a `Link: <...>; rel="next"`
// header to the page after entity `last_id` (an after= cursor in place of offset).
void AddNextPageLink(const RequestScope& scope, size_t limit, size_t page_size,
                     std::string_view last_id, Reply& reply);

// A write reply that the server sends only after the WAL is synced.
inline Reply Durable(Reply reply) {
  reply.needs_durability = true;
  return reply;
}

}  // namespace civitas::api

namespace civitas::api {

// Like CIVITAS_ASSIGN_OR_RETURN, for handlers that return a Reply (needs `scope` in scope).
#define CIVITAS_ASSIGN_OR_RETURN_REPLY(lhs, expr)                                    \
  auto CIVITAS_CONCAT_(civitas_reply_, __LINE__) = (expr);                           \
  if (!CIVITAS_CONCAT_(civitas_reply_, __LINE__).ok())                               \
    return ErrorReply(scope, CIVITAS_CONCAT_(civitas_reply_, __LINE__).status());    \
  lhs = std::move(CIVITAS_CONCAT_(civitas_reply_, __LINE__)).value()

// A GeoJSON Feature for application/geo+json responses.
boost::json::value GeoJsonFeature(const model::Entity& entity, const model::Context& context,
                                  const model::RenderOptions& options,
                                  const std::string& geoproperty);

}  // namespace civitas::api
