#include "broker_impl.h"

#include "civitas/core/check.h"
#include "civitas/core/log.h"

namespace civitas::api {
namespace {

constexpr std::string_view kBase = "/ngsi-ld/v1/";

Reply PlainReply(const HttpRequest& request, http::status status, std::string body) {
  Reply reply;
  reply.response = HttpResponse{status, request.version()};
  reply.response.set(http::field::content_type, "application/json");
  reply.response.body() = std::move(body);
  return reply;
}

Status MethodNotAllowed(const HttpRequest& request) {
  return Status(StatusCode::kInvalidRequest,
                "method " + std::string(request.method_string()) + " is not allowed on " +
                    std::string(request.target().substr(0, request.target().find('?'))));
}

}  // namespace

Broker::Broker(store::Store& store, model::ContextStore& contexts, const Clock& clock,
               BrokerOptions options, ingest::DeviceRegistry* devices,
               notify::Notifier* notifier)
    : impl_(new Impl{store, contexts, clock, std::move(options), devices, notifier}) {
  impl_->spare_cores = std::make_unique<SpareCores>(impl_->options.query_threads);
  if (!impl_->options.ingest) {
    auto defaults = ingest::IngestMappings::Compile({}, contexts.Core());
    CIVITAS_CHECK(defaults.ok());
    impl_->options.ingest = std::move(*defaults);
  }
}

Broker::~Broker() = default;

Reply Broker::Handle(HttpRequest& request, const EntityFilter* writable) {
  std::string_view target = request.target();
  if (target.substr(0, target.find('?')) == "/metrics") return Metrics(request);
  return impl_->Route(request, ready_, readiness_check_, writable);
}

Reply Broker::Metrics(const HttpRequest& request) const {
  if (request.method() != http::verb::get) return ErrorReply(request, MethodNotAllowed(request));
  MetricsWriter out;
  for (const MetricsSource& source : metrics_) source(out);
  Reply reply = PlainReply(request, http::status::ok, out.text());
  reply.response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  return reply;
}

Status Broker::Impl::CheckTenant(const RequestScope& scope) const {
  if (store.TenantExists(scope.tenant)) return Status::Ok();
  return Status(StatusCode::kNonexistentTenant, "tenant '" + scope.tenant + "' does not exist");
}

Reply Broker::Impl::Route(HttpRequest& request, const std::atomic<bool>& ready,
                          const std::function<bool()>& readiness_check,
                          const EntityFilter* writable) {
  std::string_view target = request.target();
  std::string_view path = target.substr(0, target.find('?'));
  if (path == "/healthz") return PlainReply(request, http::status::ok, R"({"status":"ok"})");
  if (path == "/readyz") {
    bool is_ready = ready.load(std::memory_order_acquire) && (!readiness_check || readiness_check());
    return PlainReply(request, is_ready ? http::status::ok : http::status::service_unavailable,
                      is_ready ? R"({"status":"ready"})" : R"({"status":"starting"})");
  }
  if (path.starts_with("/iot/") && devices != nullptr) return Provisioning(request, path);
  if (path == "/api/v2/write" || path == "/write") return WriteLineProtocol(request, writable);
  if (path == "/api/v1/bulk/csv") return BulkCsv(request, writable);
  if (!path.starts_with(kBase)) {
    return ErrorReply(request, NotFound("no resource at " + std::string(path)));
  }
  auto opened = OpenScope(request, path.substr(kBase.size()), contexts);
  if (!opened.ok()) return ErrorReply(request, opened.status());
  RequestScope& scope = *opened;
  const auto& seg = scope.segments;
  const auto method = request.method();
  using V = http::verb;
  const size_t n = seg.size();
  const std::string& root = n > 0 ? seg[0] : std::string();
  // GeoJSON is a representation of entities only (retrieve and query), §6.3.15.
  const bool geo_json_allowed = (root == "entities" && n <= 2 && method == V::get) ||
                                (root == "entityOperations" && n == 2 && seg[1] == "query");
  if (scope.media == ResponseMedia::kGeoJson && !geo_json_allowed) {
    return ErrorReply(scope, Status(StatusCode::kNotAcceptable,
                                    "application/geo+json is only offered for entity retrieval "
                                    "and queries"));
  }

  if (root == "entities") {
    if (n == 1 && method == V::post) return CreateEntity(scope);
    if (n == 1 && method == V::get) return QueryEntities(scope);
    if (n == 2) {
      if (method == V::get) return RetrieveEntity(scope, seg[1]);
      if (method == V::put) return ReplaceEntity(scope, seg[1]);
      if (method == V::patch) return MergeEntity(scope, seg[1]);
      if (method == V::delete_) return DeleteEntity(scope, seg[1]);
    }
    if (n == 3 && seg[2] == "attrs") {
      if (method == V::post) return WriteAttrs(scope, seg[1], /*append=*/true);
      if (method == V::patch) return WriteAttrs(scope, seg[1], /*append=*/false);
    }
    if (n == 4 && seg[2] == "attrs") {
      if (method == V::patch) return PatchAttr(scope, seg[1], seg[3], /*replace=*/false);
      if (method == V::put) return PatchAttr(scope, seg[1], seg[3], /*replace=*/true);
      if (method == V::delete_) return DeleteAttr(scope, seg[1], seg[3]);
    }
    return ErrorReply(scope, MethodNotAllowed(request));
  }
  if (root == "entityOperations" && n == 2 && method == V::post) {
    if (seg[1] == "query") return QueryEntitiesPost(scope);
    return Batch(scope, seg[1]);
  }
  if (root == "types" && method == V::get) {
    if (n == 1) return Types(scope);
    if (n == 2) return TypeDetails(scope, seg[1]);
  }
  if (root == "attributes" && method == V::get) {
    if (n == 1) return Attributes(scope);
    if (n == 2) return AttributeDetails(scope, seg[1]);
  }
  if (root == "jsonldContexts") return ContextsEndpoint(scope);
  if (root == "temporal") {
    if (n >= 2 && seg[1] == "entities") {
      if (n == 2 && method == V::get) return QueryTemporal(scope);
      if (n == 2 && method == V::post) return CreateTemporal(scope);
      if (n == 3 && method == V::get) return RetrieveTemporal(scope, seg[2]);
      if (n == 3 && method == V::delete_) return DeleteTemporal(scope, seg[2]);
      if (n == 4 && seg[3] == "attrs" && method == V::post) return AppendTemporal(scope, seg[2]);
      if (n == 5 && seg[3] == "attrs" && method == V::delete_) {
        return DeleteTemporalAttr(scope, seg[2], seg[4]);
      }
      if (n == 6 && seg[3] == "attrs" && (method == V::patch || method == V::delete_)) {
        return WriteTemporalInstance(scope, seg[2], seg[4], seg[5], method == V::delete_);
      }
      if (n <= 6) return ErrorReply(scope, MethodNotAllowed(request));
    }
    if (n == 3 && seg[1] == "entityOperations" && seg[2] == "query" && method == V::post) {
      return QueryTemporalPost(scope);
    }
    return ErrorReply(scope, NotFound("no NGSI-LD resource at " + std::string(path)));
  }
  if (root == "subscriptions") return SubscriptionsEndpoint(scope);
  if (root == "csourceRegistrations" || root == "csourceSubscriptions") {
    return ErrorReply(scope, Status(StatusCode::kOperationNotSupported,
                                    "/ngsi-ld/v1/" + root + " is not implemented yet"));
  }
  return ErrorReply(scope, NotFound("no NGSI-LD resource at " + std::string(path)));
}

}  // namespace civitas::api
