// Temporal history reads: GET /temporal/entities and GET /temporal/entities/{id}, in the
// normalized temporal, temporalValues and aggregatedValues representations (§4.5.7–§4.5.19).

#include "src/api/temporal.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>

#include "src/api/iso_duration.h"

namespace civitas::api {
namespace json = boost::json;
namespace {

constexpr std::string_view kMethods[] = {"totalCount", "distinctCount", "sum",    "avg",
                                         "min",        "max",           "stddev", "sumsq"};

Result<int64_t> ParseTimeParam(const RequestScope& scope, std::string_view name) {
  const std::string* text = scope.Param(name);
  if (text == nullptr) return BadRequestData(std::string(name) + " is required with this timerel");
  CIVITAS_ASSIGN_OR_RETURN(Timestamp t, ParseTimestamp(*text));
  return t.time_since_epoch().count();
}

json::value NumberJson(double v) {
  if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) {
    return json::value(static_cast<int64_t>(v));
  }
  return json::value(v);
}

json::value SampleJson(const store::Sample& sample, const json::storage_ptr& storage) {
  if (sample.kind == store::SampleKind::kNumber) return NumberJson(sample.number);
  boost::system::error_code ec;
  json::value parsed = json::parse(sample.text, ec, storage);
  if (ec) return json::value(json::string(sample.text, storage));
  return parsed;
}

std::string_view ValueMember(model::AttributeKind kind) {
  switch (kind) {
    case model::AttributeKind::kRelationship:
      return "object";
    case model::AttributeKind::kLanguageProperty:
      return "languageMap";
    case model::AttributeKind::kListProperty:
      return "valueList";
    case model::AttributeKind::kListRelationship:
      return "objectList";
    case model::AttributeKind::kVocabProperty:
      return "vocab";
    case model::AttributeKind::kJsonProperty:
      return "json";
    default:
      return "value";
  }
}

std::string FormatUs(int64_t t) { return FormatTimestamp(Timestamp(std::chrono::microseconds(t))); }

int64_t FloorTo(int64_t t, int64_t period) {
  int64_t q = t / period;
  if (t % period < 0) --q;
  return q * period;
}

json::value MethodValue(std::string_view method, const store::AggregateBucket& b) {
  if (method == "totalCount") return json::value(static_cast<int64_t>(b.count));
  if (method == "distinctCount") return json::value(static_cast<int64_t>(b.distinct_count()));
  if (b.number_count == 0) return json::value(nullptr);
  if (method == "sum") return NumberJson(b.sum);
  if (method == "avg") return json::value(b.avg());
  if (method == "min") return NumberJson(b.min);
  if (method == "max") return NumberJson(b.max);
  if (method == "stddev") return json::value(b.stddev());
  return NumberJson(b.sumsq);
}

}  // namespace

std::string InstanceIdOf(int64_t timestamp_us) {
  return "urn:ngsi-ld:instance:" + std::to_string(timestamp_us);
}

Result<TemporalParams> ParseTemporalParams(const RequestScope& scope) {
  TemporalParams p;
  if (const auto* timerel = scope.Param("timerel")) {
    CIVITAS_ASSIGN_OR_RETURN(int64_t at, ParseTimeParam(scope, "timeAt"));
    if (*timerel == "before") {
      p.to = at;
      p.bounded_to = true;
    } else if (*timerel == "after") {
      p.from = at;
      p.bounded_from = true;
    } else if (*timerel == "between") {
      CIVITAS_ASSIGN_OR_RETURN(int64_t end, ParseTimeParam(scope, "endTimeAt"));
      if (end <= at) return BadRequestData("endTimeAt must be after timeAt");
      p.from = at;
      p.to = end;
      p.bounded_from = p.bounded_to = true;
    } else {
      return BadRequestData("timerel must be before, after or between, not '" + *timerel + "'");
    }
  } else if (scope.Param("timeAt") || scope.Param("endTimeAt")) {
    return BadRequestData("timeAt needs timerel");
  }
  if (const auto* property = scope.Param("timeproperty"); property && *property != "observedAt") {
    if (*property == "modifiedAt" || *property == "createdAt") {
      p.time_property = store::TimeProperty::kModifiedAt;
      p.time_member = *property == "modifiedAt" ? "modifiedAt" : "createdAt";
    } else if (*property == "deletedAt") {
      return Status(StatusCode::kOperationNotSupported,
                    "timeproperty deletedAt is not supported: history keeps no deletion times");
    } else {
      return BadRequestData("timeproperty must be observedAt, modifiedAt, createdAt or deletedAt");
    }
  }
  if (const auto* last_n = scope.Param("lastN")) {
    auto [end, ec] = std::from_chars(last_n->data(), last_n->data() + last_n->size(), p.last_n);
    if (ec != std::errc() || end != last_n->data() + last_n->size() || p.last_n == 0) {
      return BadRequestData("lastN must be a positive integer, not '" + *last_n + "'");
    }
  }
  if (const auto* attrs = scope.Param("attrs")) {
    for (const auto& a : SplitList(*attrs)) p.attrs.insert(scope.Expand(a));
  }
  if (scope.HasOption("temporalValues")) p.format = TemporalFormat::kValues;
  if (scope.HasOption("aggregatedValues")) {
    p.format = TemporalFormat::kAggregated;
    const auto* methods = scope.Param("aggrMethods");
    if (methods == nullptr) return BadRequestData("aggregatedValues needs aggrMethods");
    for (const auto& m : SplitList(*methods)) {
      if (std::find(std::begin(kMethods), std::end(kMethods), m) == std::end(kMethods)) {
        return BadRequestData("unknown aggregation method '" + m + "'");
      }
      p.methods.push_back(m);
    }
    if (p.methods.empty()) return BadRequestData("aggrMethods is empty");
    if (const auto* period = scope.Param("aggrPeriodDuration")) {
      CIVITAS_ASSIGN_OR_RETURN(p.period_us, ParseIsoDurationUs(*period));
    }
  }
  return p;
}

TemporalRenderer::TemporalRenderer(store::TemporalReader& reader, const TemporalParams& params,
                                   const model::Context& context, int64_t now_us)
    : reader_(reader),
      params_(params),
      context_(context),
      now_us_(now_us),
      storage_(json::make_shared_resource<json::monotonic_resource>()) {}

json::string TemporalRenderer::Timestamp(int64_t t) {
  // Bounded, so a long normalized page does not keep every instant's text twice.
  constexpr size_t kMaxRemembered = 4096;
  if (auto it = timestamps_.find(t); it != timestamps_.end()) {
    return json::string(it->second, storage_);
  }
  std::string text = FormatUs(t);
  json::string out(text, storage_);
  if (timestamps_.size() < kMaxRemembered) timestamps_.emplace(t, std::move(text));
  return out;
}

void TemporalRenderer::AppendRow(json::array& rows, json::value value,
                                 std::initializer_list<int64_t> times) {
  json::array& row = rows.emplace_back(json::array_kind).get_array();
  row.reserve(1 + times.size());
  row.push_back(std::move(value));
  for (int64_t t : times) row.push_back(Timestamp(t));
}

Result<json::value> TemporalRenderer::RenderAggregated(std::string_view id,
                                                       const store::TemporalSeries& series) {
  const TemporalParams& p = params_;
  int64_t from = p.from, to = p.to;
  if (!p.bounded_from) {
    // Periods are aligned to the epoch; without aggrPeriodDuration the one period starts at
    // the first sample.
    std::optional<int64_t> first;
    CIVITAS_RETURN_IF_ERROR(reader_.Samples(
        id, series, from, to,
        [&](const store::Sample& s) {
          first = s.timestamp_us;
          return false;
        },
        p.time_property));
    if (!first) return json::value(nullptr);
    from = p.period_us > 0 ? FloorTo(*first, p.period_us) : *first;
  }
  if (!p.bounded_to && p.period_us == 0) to = std::max(now_us_, from) + 1;
  int64_t period = p.period_us > 0 ? p.period_us : to - from;
  store::AggregateBuckets buckets(std::find(p.methods.begin(), p.methods.end(), "distinctCount") !=
                                  p.methods.end());
  CIVITAS_RETURN_IF_ERROR(
      reader_.Aggregate(id, series, from, period, from, to, buckets, p.time_property));
  json::value rendered(json::object_kind, storage_);
  json::object& out = rendered.get_object();
  out["type"] = model::AttributeKindName(series.kind);
  if (!series.dataset_id.empty()) out["datasetId"] = series.dataset_id;
  if (!series.unit_code.empty()) out["unitCode"] = series.unit_code;
  for (const auto& method : p.methods) {
    json::array& rows = out[method].emplace_array();
    rows.reserve(buckets.buckets().size());
    for (const auto& [start, b] : buckets.buckets()) {
      if (b.count == 0) continue;
      int64_t end = p.period_us > 0 && (!p.bounded_to || start + period < to) ? start + period
                    : p.bounded_to                                            ? to
                                                                              : now_us_;
      AppendRow(rows, MethodValue(method, b), {start, end});
    }
  }
  return rendered;
}

// The rendering of one series: an array of instances (normalized), or one object.
Result<json::value> TemporalRenderer::RenderSeries(std::string_view id,
                                                   const store::TemporalSeries& series) {
  const TemporalParams& p = params_;
  if (p.format == TemporalFormat::kAggregated) return RenderAggregated(id, series);

  // lastN keeps the newest instances; otherwise the oldest, up to the cap.
  const size_t cap = std::max<size_t>(1, p.max_instances);
  const size_t keep = p.last_n > 0 ? std::min(p.last_n, cap) : cap;
  std::vector<std::pair<int64_t, json::value>> samples;
  bool cut = false;  // more instances than `keep` in range
  auto take = [&](const store::Sample& s) {
    if (samples.size() == keep) {
      cut = true;
      return false;
    }
    samples.emplace_back(s.timestamp_us, SampleJson(s, storage_));
    return true;
  };
  if (p.last_n > 0) {
    CIVITAS_RETURN_IF_ERROR(
        reader_.SamplesNewestFirst(id, series, p.from, p.to, take, p.time_property));
    std::reverse(samples.begin(), samples.end());
    cut = cut && p.last_n > cap;  // lastN itself cuts nothing a client did not ask to cut
  } else {
    CIVITAS_RETURN_IF_ERROR(reader_.Samples(id, series, p.from, p.to, take, p.time_property));
  }
  if (samples.empty()) return json::value(nullptr);
  page_.first_us = std::min(page_.first_us, samples.front().first);
  if (cut) {
    page_.truncated = true;
    if (p.last_n == 0) page_.end_us = std::min(page_.end_us, samples.back().first + 1);
  }
  const std::string_view kind = model::AttributeKindName(series.kind);
  if (p.format == TemporalFormat::kValues) {
    json::value rendered(json::object_kind, storage_);
    json::object& out = rendered.get_object();
    out["type"] = kind;
    if (!series.dataset_id.empty()) out["datasetId"] = series.dataset_id;
    if (!series.unit_code.empty()) out["unitCode"] = series.unit_code;
    json::array& rows =
        out[series.kind == model::AttributeKind::kRelationship ? "objects" : "values"]
            .emplace_array();
    rows.reserve(samples.size());
    for (auto& [t, v] : samples) AppendRow(rows, std::move(v), {t});
    return rendered;
  }
  json::value rendered(json::array_kind, storage_);
  json::array& instances = rendered.get_array();
  instances.reserve(samples.size());
  for (auto& [t, v] : samples) {
    json::object& instance = instances.emplace_back(json::object_kind).get_object();
    instance["type"] = kind;
    instance[ValueMember(series.kind)] = std::move(v);
    instance[p.time_member] = Timestamp(t);
    instance["instanceId"] = InstanceIdOf(t);
    if (!series.dataset_id.empty()) instance["datasetId"] = series.dataset_id;
    if (!series.unit_code.empty()) instance["unitCode"] = series.unit_code;
  }
  return rendered;
}

Result<json::object> TemporalRenderer::Render(const store::TemporalEntity& entity) {
  const std::string& id = entity.id;
  json::object out(storage_);
  out["id"] = id;
  if (entity.types.size() == 1) {
    out["type"] = context_.CompactIri(entity.types[0]);
  } else if (!entity.types.empty()) {
    json::array& types = out["type"].emplace_array();
    for (const auto& t : entity.types) types.emplace_back(context_.CompactIri(t));
  }
  for (const auto& series : entity.series) {
    if (!params_.attrs.empty() && !params_.attrs.contains(series.attr)) continue;
    CIVITAS_ASSIGN_OR_RETURN(json::value rendered, RenderSeries(id, series));
    if (rendered.is_null()) continue;
    json::value& slot = out[context_.CompactIri(series.attr)];
    if (slot.is_null()) slot.emplace_array();
    auto& arr = slot.as_array();
    if (rendered.is_array()) {
      for (auto& instance : rendered.as_array()) arr.push_back(std::move(instance));
    } else {
      arr.push_back(std::move(rendered));
    }
  }
  // temporalValues and aggregatedValues give one object per attribute unless it has several
  // datasetIds.
  if (params_.format != TemporalFormat::kNormalized) {
    for (auto& [key, value] : out) {
      if (auto* arr = value.if_array(); arr && arr->size() == 1 && key != "type") {
        json::value single = std::move((*arr)[0]);
        value = std::move(single);
      }
    }
  }
  return out;
}

Reply TemporalReply(const RequestScope& scope, const TemporalParams& params,
                    const TemporalPage& page, json::value body) {
  if (!page.truncated) return JsonReply(scope, http::status::ok, std::move(body));
  Reply reply = JsonReply(scope, http::status::partial_content, std::move(body));
  int64_t end = page.end_us == INT64_MAX ? params.to : page.end_us;
  std::string range = "date-time " + FormatUs(page.first_us) + "-" + FormatUs(end) + "/" +
                      (params.last_n > 0 ? std::to_string(params.last_n) : std::string("*"));
  reply.response.set(http::field::content_range, range);
  return reply;
}

Reply Broker::Impl::RetrieveTemporal(RequestScope& scope, const std::string& id) {
  if (!model::IsUri(id))
    return ErrorReply(scope, BadRequestData("entity id '" + id + "' is not a URI"));
  CIVITAS_ASSIGN_OR_RETURN_REPLY(TemporalParams params, ParseTemporalParams(scope));
  params.max_instances = options.max_temporal_instances;
  if (auto s = CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  auto reader = store.ReadTemporal(scope.tenant);
  CIVITAS_ASSIGN_OR_RETURN_REPLY(auto entity, reader->Entity(id));
  if (!entity) return ErrorReply(scope, NotFound("entity '" + id + "' has no temporal history"));
  TemporalRenderer renderer(*reader, params, *scope.context,
                            clock.Now().time_since_epoch().count());
  CIVITAS_ASSIGN_OR_RETURN_REPLY(auto rendered, renderer.Render(*entity));
  return TemporalReply(scope, params, renderer.page(), std::move(rendered));
}

Reply Broker::Impl::QueryTemporal(RequestScope& scope) {
  CIVITAS_ASSIGN_OR_RETURN_REPLY(TemporalParams params, ParseTemporalParams(scope));
  CIVITAS_ASSIGN_OR_RETURN_REPLY(query::EntityQuery query, QueryFromParams(scope, options));
  return RunTemporalQuery(scope, params, query);
}

namespace {

// The page's entities as history holds them (read once: rendering needs them too).
struct IdPage {
  std::vector<store::TemporalEntity> entities;
  std::optional<int64_t> total;
  size_t size = 0;      // entities the page's query matched (some may lack history)
  std::string last_id;  // the last of them: where the next page starts
};

// The page of entities with history that pass the query's id, idPattern, type and attrs
// filters, judged on what history holds (its types, its attributes), in id order. Entities
// created by POST /temporal/entities or deleted since are found too. Scans every entity with
// history unless the query names ids.
Result<IdPage> HistoryIdPage(store::TemporalReader& reader, const query::EntityQuery& query) {
  IdPage page;
  int64_t total = 0;
  size_t skipped = 0;
  auto consider = [&](store::TemporalEntity entity) {
    model::Entity shape;
    shape.id = entity.id;
    shape.types = entity.types;
    for (const auto& series : entity.series) {
      model::Attribute a;
      a.name = series.attr;
      a.dataset_id = series.dataset_id;
      shape.attributes.push_back(std::move(a));
    }
    shape.SortAttributes();
    if (!query::MatchesEntityQuery(shape, query)) return true;
    ++total;
    if (skipped < query.offset) {
      ++skipped;
      return true;
    }
    if (page.entities.size() < query.limit) {
      page.entities.push_back(std::move(entity));
      return true;
    }
    return query.count;  // past the page: keep going only to count
  };
  if (!query.ids.empty()) {
    std::vector<std::string> ids = query.ids;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (const auto& id : ids) {
      if (id <= query.after) continue;
      CIVITAS_ASSIGN_OR_RETURN(auto entity, reader.Entity(id));
      if (entity && !consider(std::move(*entity))) break;
    }
  } else {
    CIVITAS_RETURN_IF_ERROR(reader.ScanEntities(query.after, consider));
  }
  if (query.count) page.total = total;
  page.size = page.entities.size();
  if (!page.entities.empty()) page.last_id = page.entities.back().id;
  return page;
}

}  // namespace

Reply Broker::Impl::RunTemporalQuery(RequestScope& scope, const TemporalParams& params,
                                     const query::EntityQuery& query) {
  if (auto s = CheckTenant(scope); !s.ok()) return ErrorReply(scope, s);
  auto reader = store.ReadTemporal(scope.tenant);
  IdPage page;
  if (query.q || query.geo) {
    // q and geo-queries are about the current state: only current entities can match.
    CIVITAS_ASSIGN_OR_RETURN_REPLY(auto current,
                                   query::RunEntityQuery(*store.Read(scope.tenant), query));
    for (const auto& e : current.entities) {
      CIVITAS_ASSIGN_OR_RETURN_REPLY(auto entity, reader->Entity(e.id));
      if (entity) page.entities.push_back(std::move(*entity));
    }
    page.total = current.total;
    page.size = current.entities.size();
    if (!current.entities.empty()) page.last_id = current.entities.back().id;
  } else {
    CIVITAS_ASSIGN_OR_RETURN_REPLY(page, HistoryIdPage(*reader, query));
  }
  TemporalParams capped = params;
  capped.max_instances = options.max_temporal_instances;
  TemporalRenderer renderer(*reader, capped, *scope.context,
                            clock.Now().time_since_epoch().count());
  json::array out(renderer.storage());
  out.reserve(page.entities.size());
  for (const auto& entity : page.entities) {
    CIVITAS_ASSIGN_OR_RETURN_REPLY(auto rendered, renderer.Render(entity));
    out.push_back(std::move(rendered));
  }
  Reply reply = TemporalReply(scope, capped, renderer.page(), std::move(out));
  if (page.total) reply.response.set("NGSILD-Results-Count", std::to_string(*page.total));
  AddNextPageLink(scope, query.limit, page.size, page.last_id, reply);
  return reply;
}

}  // namespace civitas::api
