// Entity queries: GET /entities and POST /entityOperations/query.

#include <charconv>

#include <boost/json.hpp>

#include "broker_impl.h"

namespace civitas::api {
namespace json = boost::json;
namespace {

Result<size_t> ParseCount(const std::string& text, std::string_view name) {
  size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return BadRequestData(std::string(name) + " must be a non-negative integer, not '" + text + "'");
  }
  return value;
}

Status CompileIdPattern(const std::string& pattern, query::EntityQuery& query) {
  if (pattern.size() > 256) return BadRequestData("idPattern is longer than 256 characters");
  try {
    query.id_pattern.emplace(pattern, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    return BadRequestData("idPattern '" + pattern + "' is not a valid regular expression");
  }
  return Status::Ok();
}

Status ApplyPaging(const RequestScope& scope, const BrokerOptions& options,
                   query::EntityQuery& query) {
  query.limit = options.default_page_size;
  if (const auto* limit = scope.Param("limit")) {
    CIVITAS_ASSIGN_OR_RETURN(query.limit, ParseCount(*limit, "limit"));
    if (query.limit > options.max_page_size) {
      return Status(StatusCode::kTooManyResults,
                    "limit " + *limit + " exceeds the maximum page size " +
                        std::to_string(options.max_page_size));
    }
  }
  if (const auto* offset = scope.Param("offset")) {
    CIVITAS_ASSIGN_OR_RETURN(query.offset, ParseCount(*offset, "offset"));
  }
  if (const auto* after = scope.Param("after")) {
    if (!model::IsUri(*after)) return BadRequestData("after must be an entity id (a URI)");
    query.after = *after;
  }
  if (const auto* count = scope.Param("count")) query.count = *count == "true";
  if (query.limit == 0 && !query.count) {
    return BadRequestData("limit=0 is only meaningful with count=true");
  }
  return Status::Ok();
}

}  // namespace

Result<query::EntityQuery> QueryFromParams(const RequestScope& scope, const BrokerOptions& options,
                                           query::GeoQueryCache& geo_queries) {
  query::EntityQuery query;
  query::TermExpander expand = [&](std::string_view term) { return scope.Expand(term); };
  if (const auto* ids = scope.Param("id")) {
    query.ids = SplitList(*ids);
    for (const auto& id : query.ids) {
      if (!model::IsUri(id)) return BadRequestData("id '" + id + "' is not a URI");
    }
  }
  if (const auto* pattern = scope.Param("idPattern")) {
    CIVITAS_RETURN_IF_ERROR(CompileIdPattern(*pattern, query));
  }
  if (const auto* type = scope.Param("type")) {
    CIVITAS_ASSIGN_OR_RETURN(query.types, query::ParseTypeSelector(*type, expand));
  }
  if (const auto* attrs = scope.Param("attrs")) {
    for (const auto& a : SplitList(*attrs)) query.attrs.push_back(scope.Expand(a));
  }
  if (const auto* q = scope.Param("q")) {
    CIVITAS_ASSIGN_OR_RETURN(query.q, query::ParseQ(*q, expand));
  }
  const auto* georel = scope.Param("georel");
  const auto* geometry = scope.Param("geometry");
  const auto* coordinates = scope.Param("coordinates");
  if (georel || geometry || coordinates) {
    if (!georel || !geometry || !coordinates) {
      return BadRequestData("a geo-query needs georel, geometry and coordinates together");
    }
    const auto* geoproperty = scope.Param("geoproperty");
    std::string property =
        geoproperty ? scope.Expand(*geoproperty) : std::string(model::iri::kLocation);
    CIVITAS_ASSIGN_OR_RETURN(
        auto planned, geo_queries.Get(*georel, *geometry, *coordinates, std::move(property)));
    query.geo = std::shared_ptr<const query::GeoQuery>(planned, &planned->query);
    query.geo_plan = std::shared_ptr<const query::GeoQuery::IndexPlan>(planned, &planned->plan);
  }
  CIVITAS_RETURN_IF_ERROR(ApplyPaging(scope, options, query));
  return query;
}

Result<query::EntityQuery> QueryFromBody(const RequestScope& scope, const BrokerOptions& options) {
  const auto* body = scope.body.if_object();
  if (body == nullptr) return BadRequestData("the body must be a Query object");
  query::EntityQuery query;
  query::TermExpander expand = [&](std::string_view term) { return scope.Expand(term); };
  if (const auto* type = body->if_contains("type");
      type && (!type->is_string() || type->get_string() != "Query")) {
    return BadRequestData("the body's type must be \"Query\"");
  }
  if (const auto* entities = body->if_contains("entities")) {
    if (!entities->is_array()) return BadRequestData("entities must be an array");
    for (const auto& selector : entities->get_array()) {
      const auto* sel = selector.if_object();
      if (sel == nullptr) return BadRequestData("each entities item must be an object");
      if (const auto* id = sel->if_contains("id")) {
        if (!id->is_string() || !model::IsUri(id->get_string())) {
          return BadRequestData("entities[].id must be a URI");
        }
        query.ids.emplace_back(id->get_string());
      }
      if (const auto* pattern = sel->if_contains("idPattern"); pattern && pattern->is_string()) {
        CIVITAS_RETURN_IF_ERROR(CompileIdPattern(std::string(pattern->get_string()), query));
      }
      if (const auto* type = sel->if_contains("type")) {
        if (!type->is_string()) return BadRequestData("entities[].type must be a string");
        CIVITAS_ASSIGN_OR_RETURN(auto types, query::ParseTypeSelector(type->get_string(), expand));
        query.types.insert(query.types.end(), types.begin(), types.end());
      }
    }
  }
  if (const auto* attrs = body->if_contains("attrs")) {
    if (!attrs->is_array()) return BadRequestData("attrs must be an array of names");
    for (const auto& a : attrs->get_array()) {
      if (!a.is_string()) return BadRequestData("attrs must be an array of names");
      query.attrs.push_back(scope.Expand(a.get_string()));
    }
  }
  if (const auto* q = body->if_contains("q")) {
    if (!q->is_string()) return BadRequestData("q must be a string");
    CIVITAS_ASSIGN_OR_RETURN(query.q, query::ParseQ(q->get_string(), expand));
  }
  if (const auto* geo_q = body->if_contains("geoQ")) {
    CIVITAS_ASSIGN_OR_RETURN(auto geo, query::ParseGeoQueryJson(*geo_q, expand));
    query.geo = std::make_shared<const query::GeoQuery>(std::move(geo));
  }
  CIVITAS_RETURN_IF_ERROR(ApplyPaging(scope, options, query));
  return query;
}

namespace {

// Appends `text` with every byte `keep` refuses percent-encoded.
template <typename Keep>
std::string& AppendPercentEncoded(std::string& out, std::string_view text, Keep keep) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (keep(c)) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

// What an id keeps as it is in a query value: RFC 3986 unreserved characters and ':'.
bool IsIdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
         c == '~' || c == ':';
}

// What a copied query parameter keeps: all but what a URI may not hold as it is (RFC 3986:
// controls, space, and "<>\"{}|\\^`", which clients do send unencoded in q), since the URL
// goes inside a Link header's <...>. Existing %XX escapes and the query's delimiters stay.
bool IsUriChar(char c) {
  static constexpr std::string_view kUnsafe = " <>\"{}|\\^`";
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && kUnsafe.find(c) == std::string_view::npos;
}

// The URL of the page after one that ended at `last_id`: the request's target with a keyset
// cursor (after=) in place of offset, so that entities created or deleted between page
// requests neither repeat nor push others off the walk.
std::string NextPageTarget(std::string_view target, std::string_view last_id) {
  size_t question = target.find('?');
  std::string next(target.substr(0, question));
  next += '?';
  std::string_view rest = question == std::string_view::npos ? "" : target.substr(question + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    std::string_view key = pair.substr(0, pair.find('='));
    if (!pair.empty() && key != "offset" && key != "after") AppendPercentEncoded(next, pair, IsUriChar).append("&");
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  next += "after=";
  AppendPercentEncoded(next, last_id, IsIdChar);
  return next;
}

}  // namespace

void AddNextPageLink(const RequestScope& scope, size_t limit, size_t page_size,
                     std::string_view last_id, Reply& reply) {
  if (scope.http->method() != http::verb::get || limit == 0 || page_size < limit) return;
  reply.response.insert(http::field::link,
                        "<" + NextPageTarget(scope.http->target(), last_id) + ">; rel=\"next\"");
}

namespace {

Reply RunAndRender(Broker::Impl& broker, RequestScope& scope, Result<query::EntityQuery> query) {
  if (!query.ok()) return ErrorReply(scope, query.status());
  if (auto s = broker.CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  auto options = RenderOptionsOf(scope);
  if (options.attrs.empty()) options.attrs.insert(query->attrs.begin(), query->attrs.end());
  std::string geo;  // the GeoJSON features' geometry property
  if (scope.media == ResponseMedia::kGeoJson) {
    const std::string* geoproperty = scope.Param("geometryProperty");
    geo = geoproperty ? scope.Expand(*geoproperty) : std::string(model::iri::kLocation);
  }
  if (!options.attrs.empty()) {
    query->project.assign(options.attrs.begin(), options.attrs.end());
    if (!geo.empty()) query->project.push_back(geo);
  }
  auto page = query::RunEntityQuery(*broker.store.Read(scope.tenant), *query);
  if (!page.ok()) return ErrorReply(scope, page.status());
  Reply reply;
  if (scope.media == ResponseMedia::kGeoJson) {
    json::array entities;
    entities.reserve(page->entities.size());
    for (const auto& e : page->entities) {
      entities.push_back(GeoJsonFeature(e, *scope.context, options, geo));
    }
    reply = JsonReply(scope, http::status::ok,
                      json::object{{"type", "FeatureCollection"}, {"features", std::move(entities)}});
  } else {
    const std::string context_member = ContextMember(scope);
    std::string body = "[";
    for (const auto& e : page->entities) {
      if (body.size() > 1) body.push_back(',');
      model::AppendEntityJson(body, e, *scope.context, options, context_member);
    }
    body.push_back(']');
    reply = JsonTextReply(scope, http::status::ok, std::move(body));
  }
  if (page->total) reply.response.set("NGSILD-Results-Count", std::to_string(*page->total));
  AddNextPageLink(scope, query->limit, page->entities.size(),
                  page->entities.empty() ? "" : page->entities.back().id, reply);
  return reply;
}

}  // namespace

Reply Broker::Impl::QueryEntities(RequestScope& scope) {
  return RunAndRender(*this, scope, QueryFromParams(scope, options, geo_queries));
}

Reply Broker::Impl::QueryEntitiesPost(RequestScope& scope) {
  return RunAndRender(*this, scope, QueryFromBody(scope, options));
}

}  // namespace civitas::api
