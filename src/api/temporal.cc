// Temporal history reads: GET /temporal/entities and GET /temporal/entities/{id}, in the
// normalized temporal, temporalValues and aggregatedValues representations (§4.5.7–§4.5.19).

#include "src/api/temporal.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>

#include "civitas/model/entity_json.h"
#include "civitas/model/json_text.h"
#include "src/api/iso_duration.h"
#include "src/api/spare_cores.h"

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

// Integral numbers as integers (42, not 42.0); the rest in shortest round-trip form.
void AppendNumber(std::string& out, double v) {
  if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) {
    return model::AppendJsonText(out, json::value(static_cast<int64_t>(v)));
  }
  model::AppendJsonText(out, json::value(v));
}

// A text sample holds the JSON text of its value; text that does not parse (never written by
// this version) is given as a string.
void AppendSample(std::string& out, const store::Sample& sample) {
  if (sample.kind == store::SampleKind::kNumber) return AppendNumber(out, sample.number);
  boost::system::error_code ec;
  json::value parsed = json::parse(sample.text, ec);
  if (ec) return model::AppendJsonString(out, sample.text);
  model::AppendJsonText(out, parsed);
}

// The members every temporalValues or aggregatedValues object starts with.
void AppendSeriesHeader(std::string& out, const store::TemporalSeries& series) {
  out.push_back('{');
  model::AppendJsonStringMember(out, "type", model::AttributeKindName(series.kind));
  if (!series.dataset_id.empty())
    model::AppendJsonStringMember(out, "datasetId", series.dataset_id);
  if (!series.unit_code.empty()) model::AppendJsonStringMember(out, "unitCode", series.unit_code);
}

int64_t FloorTo(int64_t t, int64_t period) {
  int64_t q = t / period;
  if (t % period < 0) --q;
  return q * period;
}

void AppendMethodValue(std::string& out, std::string_view method, const store::AggregateBucket& b) {
  if (method == "totalCount") return model::AppendJsonText(out, json::value(b.count));
  if (method == "distinctCount") return model::AppendJsonText(out, json::value(b.distinct_count()));
  if (b.number_count == 0) {
    out.append("null");
    return;
  }
  if (method == "sum") return AppendNumber(out, b.sum);
  if (method == "avg") return model::AppendJsonText(out, json::value(b.avg()));
  if (method == "min") return AppendNumber(out, b.min);
  if (method == "max") return AppendNumber(out, b.max);
  if (method == "stddev") return model::AppendJsonText(out, json::value(b.stddev()));
  AppendNumber(out, b.sumsq);
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
      if (std::find(p.methods.begin(), p.methods.end(), m) == p.methods.end()) {
        p.methods.push_back(m);
      }
    }
    if (p.methods.empty()) return BadRequestData("aggrMethods is empty");
    if (const auto* period = scope.Param("aggrPeriodDuration")) {
      CIVITAS_ASSIGN_OR_RETURN(p.period_us, ParseIsoDurationUs(*period));
    }
  }
  return p;
}

TemporalRenderer::TemporalRenderer(store::TemporalReader& reader, const TemporalParams& params,
                                   const model::Context& context, int64_t now_us,
                                   std::string context_member)
    : reader_(reader),
      params_(params),
      context_(context),
      now_us_(now_us),
      context_member_(std::move(context_member)) {}

void TemporalRenderer::AppendTimestamp(std::string& out, int64_t t) {
  // Bounded, so a long normalized page does not keep every instant's text.
  constexpr size_t kMaxRemembered = 4096;
  if (auto it = timestamps_.find(t); it != timestamps_.end()) {
    out.append(it->second);
    return;
  }
  std::string text;
  model::AppendJsonString(text, FormatTimestampUs(t));
  out.append(text);
  if (timestamps_.size() < kMaxRemembered) timestamps_.emplace(t, std::move(text));
}

Result<bool> TemporalRenderer::RenderAggregated(std::string_view id,
                                                const store::TemporalSeries& series,
                                                std::string& out) {
  const TemporalParams& p = params_;
  int64_t from = p.from, to = p.to;
  if (!p.bounded_from) {
    // Periods are aligned to the epoch; without aggrPeriodDuration the one period starts at
    // the first sample.
    std::optional<int64_t> first;
    CIVITAS_RETURN_IF_ERROR(reader_.Samples(
        id, series, from, to,
        [&](const store::Sample& s) {
          first = p.TimeOf(s);
          return false;
        },
        p.time_property));
    if (!first) return false;
    from = p.period_us > 0 ? FloorTo(*first, p.period_us) : *first;
  }
  if (!p.bounded_to && p.period_us == 0) to = std::max(now_us_, from) + 1;
  int64_t period = p.period_us > 0 ? p.period_us : to - from;
  store::AggregateBuckets buckets(std::find(p.methods.begin(), p.methods.end(), "distinctCount") !=
                                  p.methods.end());
  CIVITAS_RETURN_IF_ERROR(
      reader_.Aggregate(id, series, from, period, from, to, buckets, p.time_property));
  AppendSeriesHeader(out, series);
  for (const auto& method : p.methods) {
    model::AppendJsonKey(out, method);
    out.push_back('[');
    bool first_row = true;
    for (const auto& [start, b] : buckets.buckets()) {
      if (b.count == 0) continue;
      int64_t end = p.period_us > 0 && (!p.bounded_to || start + period < to) ? start + period
                    : p.bounded_to                                            ? to
                                                                              : now_us_;
      if (!first_row) out.push_back(',');
      first_row = false;
      out.push_back('[');
      AppendMethodValue(out, method, b);
      out.push_back(',');
      AppendTimestamp(out, start);
      out.push_back(',');
      AppendTimestamp(out, end);
      out.push_back(']');
    }
    out.push_back(']');
  }
  out.push_back('}');
  return true;
}

Result<bool> TemporalRenderer::RenderSeries(std::string_view id,
                                            const store::TemporalSeries& series, std::string& out) {
  const TemporalParams& p = params_;
  if (p.format == TemporalFormat::kAggregated) return RenderAggregated(id, series, out);

  // lastN keeps the newest instances; otherwise the oldest, up to the cap. The values' text is
  // kept in `values`, sample i's at [ends[i-1], ends[i]).
  const size_t cap = std::max<size_t>(1, p.max_instances);
  const size_t keep = p.last_n > 0 ? std::min(p.last_n, cap) : cap;
  // Each instance's queried time and the time it is kept at (its identity).
  const bool by_modified = p.time_property == store::TimeProperty::kModifiedAt;
  std::vector<int64_t> times, observed;
  std::vector<size_t> ends;
  std::string values;
  bool cut = false;  // more instances than `keep` in range
  auto take = [&](const store::Sample& s) {
    const int64_t t = p.TimeOf(s);
    // A page ends just after its last instance's time, so the instances sharing that time (on
    // the modifiedAt view, one batch's) all go on it: cut between them, the rest would be lost.
    // lastN takes exactly N.
    if (times.size() >= keep && (p.last_n > 0 || t != times.back())) {
      cut = true;
      return false;
    }
    times.push_back(t);
    if (by_modified) observed.push_back(s.timestamp_us);
    AppendSample(values, s);
    ends.push_back(values.size());
    return true;
  };
  if (p.last_n > 0) {
    CIVITAS_RETURN_IF_ERROR(
        reader_.SamplesNewestFirst(id, series, p.from, p.to, take, p.time_property));
    cut = cut && p.last_n > cap;  // lastN itself cuts nothing a client did not ask to cut
  } else {
    CIVITAS_RETURN_IF_ERROR(reader_.Samples(id, series, p.from, p.to, take, p.time_property));
  }
  if (times.empty()) return false;
  const bool newest_first = p.last_n > 0;
  const size_t n = times.size();
  // The i-th instance in time order.
  auto at = [&](size_t i) { return newest_first ? n - 1 - i : i; };
  auto value = [&](size_t k) {
    const size_t begin = k == 0 ? 0 : ends[k - 1];
    return std::string_view(values).substr(begin, ends[k] - begin);
  };
  const int64_t first_us = times[at(0)], last_us = times[at(n - 1)];
  page_.first_us = std::min(page_.first_us, first_us);
  if (cut) {
    page_.truncated = true;
    if (p.last_n == 0) page_.end_us = std::min(page_.end_us, last_us + 1);
  }
  const std::string_view kind = model::AttributeKindName(series.kind);
  if (p.format == TemporalFormat::kValues) {
    AppendSeriesHeader(out, series);
    model::AppendJsonKey(out,
                         series.kind == model::AttributeKind::kRelationship ? "objects" : "values");
    out.push_back('[');
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) out.push_back(',');
      out.push_back('[');
      out.append(value(at(i)));
      out.push_back(',');
      AppendTimestamp(out, times[at(i)]);
      out.push_back(']');
    }
    out.append("]}");
    return true;
  }
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out.push_back(',');
    const int64_t t = times[at(i)];
    const int64_t observed_at = by_modified ? observed[at(i)] : t;
    out.push_back('{');
    model::AppendJsonStringMember(out, "type", kind);
    model::AppendJsonKey(out, model::AttributePayloadMember(series.kind));
    out.append(value(at(i)));
    model::AppendJsonKey(out, p.time_member);
    AppendTimestamp(out, t);
    // An instance without observedAt is kept at its modifiedAt.
    if (observed_at != t) {
      model::AppendJsonKey(out, "observedAt");
      AppendTimestamp(out, observed_at);
    }
    model::AppendJsonStringMember(out, "instanceId", InstanceIdOf(observed_at));
    if (!series.dataset_id.empty())
      model::AppendJsonStringMember(out, "datasetId", series.dataset_id);
    if (!series.unit_code.empty()) model::AppendJsonStringMember(out, "unitCode", series.unit_code);
    out.push_back('}');
  }
  return true;
}

Status TemporalRenderer::Render(const store::TemporalEntity& entity, std::string& out) {
  const std::string& id = entity.id;
  // Each series' text, under its compacted attribute name in first-seen order (a name's
  // series are adjacent, as the catalog sorts them by attribute).
  size_t used = 0;
  members_.clear();
  for (const auto& series : entity.series) {
    if (!params_.attrs.empty() && !params_.attrs.contains(series.attr)) continue;
    if (used == fragments_.size()) fragments_.emplace_back();
    std::string& fragment = fragments_[used];
    fragment.clear();
    CIVITAS_ASSIGN_OR_RETURN(bool rendered, RenderSeries(id, series, fragment));
    if (!rendered) continue;
    std::string name = context_.CompactIri(series.attr);
    auto member = std::find_if(members_.begin(), members_.end(),
                               [&](const Member& m) { return m.name == name; });
    if (member == members_.end()) {
      members_.push_back({std::move(name), {}});
      member = std::prev(members_.end());
    }
    member->fragments.push_back(used++);
  }
  out.push_back('{');
  model::AppendJsonStringMember(out, "id", id);
  if (!entity.types.empty()) model::AppendTypeMember(out, entity.types, context_);
  // Normalized: an array of instances. temporalValues and aggregatedValues: one object per
  // attribute unless it has several datasetIds.
  const bool single_object = params_.format != TemporalFormat::kNormalized;
  for (const Member& member : members_) {
    model::AppendJsonKey(out, member.name);
    const bool bare = single_object && member.fragments.size() == 1;
    if (!bare) out.push_back('[');
    for (size_t i = 0; i < member.fragments.size(); ++i) {
      if (i > 0) out.push_back(',');
      out.append(fragments_[member.fragments[i]]);
    }
    if (!bare) out.push_back(']');
  }
  if (!context_member_.empty()) {
    out.push_back(',');
    out.append(context_member_);
  }
  out.push_back('}');
  return Status::Ok();
}

Reply TemporalReply(const RequestScope& scope, const TemporalParams& params,
                    const TemporalPage& page, std::string body) {
  if (!page.truncated) return JsonTextReply(scope, http::status::ok, std::move(body));
  Reply reply = JsonTextReply(scope, http::status::partial_content, std::move(body));
  int64_t end = page.end_us == INT64_MAX ? params.to : page.end_us;
  std::string range = "date-time " + FormatTimestampUs(page.first_us) + "-" +
                      FormatTimestampUs(end) + "/" +
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
  TemporalRenderer renderer(*reader, params, *scope.context, clock.Now().time_since_epoch().count(),
                            ContextMember(scope));
  std::string body;
  if (auto s = renderer.Render(*entity, body); !s.ok()) return ErrorReply(scope, s);
  return TemporalReply(scope, params, renderer.page(), std::move(body));
}

Reply Broker::Impl::QueryTemporal(RequestScope& scope) {
  CIVITAS_ASSIGN_OR_RETURN_REPLY(TemporalParams params, ParseTemporalParams(scope));
  CIVITAS_ASSIGN_OR_RETURN_REPLY(query::EntityQuery query,
                                 QueryFromParams(scope, options, geo_queries));
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
  const int64_t now_us = clock.Now().time_since_epoch().count();
  const std::string context_member = ContextMember(scope);
  // Entities render on their own (the instance cap is per series), so a long page is cut into
  // slices for the spare cores, each with its own reader and renderer.
  constexpr size_t kEntitiesPerSlice = 8;
  const size_t slices = spare_cores->Slices(page.entities.size(), kEntitiesPerSlice);
  std::vector<Status> statuses(slices, Status::Ok());
  std::vector<TemporalPage> cuts(slices);
  auto render_slice = [&](size_t slice, size_t begin, size_t end, std::string& out) {
    std::unique_ptr<store::TemporalReader> own =
        slice == 0 ? nullptr : store.ReadTemporal(scope.tenant);
    TemporalRenderer renderer(own ? *own : *reader, capped, *scope.context, now_us, context_member);
    for (size_t i = begin; i < end; ++i) {
      if (i > begin) out.push_back(',');
      if (auto s = renderer.Render(page.entities[i], out); !s.ok()) {
        statuses[slice] = s;
        return;
      }
    }
    cuts[slice] = renderer.page();
  };
  std::string body = spare_cores->JsonArray(page.entities.size(), kEntitiesPerSlice, render_slice);
  TemporalPage cut;
  for (size_t slice = 0; slice < slices; ++slice) {
    if (!statuses[slice].ok()) return ErrorReply(scope, statuses[slice]);
    cut.Merge(cuts[slice]);
  }
  Reply reply = TemporalReply(scope, capped, cut, std::move(body));
  if (page.total) reply.response.set("NGSILD-Results-Count", std::to_string(*page.total));
  AddNextPageLink(scope, query.limit, page.size, page.last_id, reply);
  return reply;
}

}  // namespace civitas::api
